"""One edge server's AIGC side on sim time, as the kinematic simulation runs it (DESIGN.md,
"The AIGC offloading model"): the wireless link emulated from the Shannon model (an upload or
download shares the server's band with the others under way, at the rate of its AGV's
distance at the epoch's start) and the compute served by the generation service's batching
rule, each model call taking the cost model's batch time over the server's speed.

It *is* the AIGC offloading model's edge server: an :class:`AigcSimulator` that only this
server's placements reach, run epoch by epoch to the clock. So, placed the same tasks at the
same instants, a live edge server gives the latencies ``offload-ros aigc offload`` gives;
``AigcLocalFleet`` and its test check that. The AGVs are where the model drives them (their
routes without stops) unless the shell passes the positions it knows (``positions``).

``place`` admits a task (or refuses it: the server is full); ``advance(now)`` runs the clock
and returns the tasks finished by then (downloaded, or dropped when their deadline passed in
the queue); ``state()`` is what the server broadcasts, from which an AGV builds its
observation (:class:`AigcPlacer`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_simulator import DONE, EPS, UPLOAD, AigcSimulator, \
    AigcTask
from offload_ros.sim.errors import SimError


@dataclass(frozen=True)
class AigcOutcome:
    """A task the server is done with: ``expired`` when it was dropped in the queue (its
    deadline passed before it could run; no images), otherwise its images are back at the
    AGV at ``finish_s``."""

    task_id: str
    agv: int
    es: int
    finish_s: float
    latency_s: float
    expired: bool
    met: bool


class AigcEdge:
    """``AigcEdge(scenario, es_id)``; ``place(task_id, task, now)`` → ``""`` (admitted) or the
    refusal's reason; ``advance(now)`` → the :class:`AigcOutcome` of each task finished by
    ``now``; ``state()``: the server's :meth:`AigcSimulator.es_state` now."""

    def __init__(self, scenario: Scenario, es_id: str, settings: AigcSettings | None = None,
                 positions: Callable[[float], np.ndarray] | None = None,
                 state: dict | None = None) -> None:
        """``positions(t)``: every AGV's floor position at ``t`` (default: the model's);
        ``state``: start from a broadcast state (what the server held then) instead of
        empty."""
        ids = [e.id for e in scenario.edge_servers]
        if es_id not in ids:
            raise NodeError(f"edge server {es_id!r} is not in scenario {scenario.name!r}")
        self.es_id, self.j = es_id, ids.index(es_id)
        self.sim = AigcSimulator(scenario, settings=settings)
        self.sim.reset(0, tasks=[])
        self.settings = self.sim.settings
        self.positions = positions or self.sim.positions
        self.names: dict[int, str] = {}          # the server's task numbers -> task ids
        self.admitted: set[str] = set()          # a repeated placement is answered again
        self.seq = 0
        if state is not None:
            try:
                self.sim.set_es_state(self.j, state)
                self.sim.now = float(state["time_s"])
                self.seq = 1 + max(map(int, state["tasks"]), default=-1)
            except (SimError, KeyError, TypeError, ValueError) as err:
                raise NodeError(f"{es_id}: not an edge server state ({err})") from err
        # the epoch the clock is in: [start, start + epoch_s), starts added up as the model does
        self.epoch_start = 0.0
        while self.epoch_start + self.settings.epoch_s <= self.sim.now + EPS:
            self.epoch_start += self.settings.epoch_s
        self.dist: np.ndarray | None = None

    @property
    def now(self) -> float:
        return self.sim.now

    def load(self) -> int:
        """Tasks the server holds (uploading, queued, computing)."""
        return self.sim.load(self.j)

    def place(self, task_id: str, task: AigcTask, now: float) -> str:
        """Admit a copy of ``task`` at ``now`` (its upload starts), or say why not: the
        server holds ``es_queue_max`` tasks already. A placement stamped before the server's
        clock starts now (it came late); one admitted before is answered admitted again and
        not admitted twice."""
        if not 0 <= task.agv < self.sim.n_agvs:
            raise NodeError(f"{self.es_id}: task {task_id!r} of AGV {task.agv}, which is not "
                            f"in the scenario")
        if task_id in self.admitted:
            return ""
        self.advance(now)
        if self.load() >= self.settings.es_queue_max:
            return f"{self.es_id} holds {self.load()} AIGC tasks (es_queue_max)"
        task = dataclasses.replace(task)
        self.admitted.add(task_id)
        task.id, self.seq = self.seq, self.seq + 1
        task.stage, task.es, task.remaining = UPLOAD, self.j, task.input_kb * 8000.0
        self.names[task.id] = task_id
        self.sim.uploads[self.j].append(task)
        self.sim.in_system[task.agv] += 1
        return ""

    def advance(self, now: float) -> list[AigcOutcome]:
        """Run the clock to ``now``, epoch by epoch (each epoch's rates use the AGVs'
        positions at its start); the tasks finished on the way, in the order they finished."""
        sim, eps = self.sim, self.settings.epoch_s
        held = self._held()
        while sim.now < now - EPS:
            if sim.now >= self.epoch_start + eps - EPS:
                self.epoch_start += eps
                self.dist = None
            if self.dist is None:
                self.dist = sim.floor_distances(self.positions(self.epoch_start))
            sim.run_until(min(self.epoch_start + eps, now), self.dist)
        out = [t for t in held if t.stage == DONE]
        out.sort(key=lambda t: (t.finish_s, t.id))
        return [AigcOutcome(self.names.pop(t.id, str(t.id)), t.agv, self.j, t.finish_s,
                            t.latency_s, t.expired, t.met) for t in out]

    def _held(self) -> list[AigcTask]:
        server = self.sim.servers[self.j]
        return [*self.sim.uploads[self.j], *server.queue,
                *(t for t, _ in server.batch if t not in server.queue),
                *self.sim.downloads[self.j]]

    def state(self) -> dict:
        """What the server holds now (:meth:`AigcSimulator.es_state`), its id added."""
        return {"es_id": self.es_id, **self.sim.es_state(self.j)}

    def projected(self, now: float) -> dict:
        """The state it will broadcast at ``now`` if nothing more is placed (a copy runs
        there; this server is untouched)."""
        if now <= self.sim.now + EPS:
            return self.state()
        twin = AigcEdge(self.sim.scenario, self.es_id, self.settings, self.positions,
                        self.state())
        twin.advance(now)
        return twin.state()

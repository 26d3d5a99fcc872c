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

``place`` admits a task (or refuses it: the server is full); ``advance(now)`` commits the
clock and returns the tasks finished by then (downloaded, or dropped when their deadline
passed in the queue); ``state()`` is what the server broadcasts and ``state_at(t)`` what an
AGV deciding at ``t`` must see (:class:`AigcAgvNode`).

Live, placements come late and out of order. The server keeps a window: the model as it was
at a placement instant at or before the committed one (``base``), the placements since
(``log``), and the model at each placement instant (``checkpoints``). A placement that comes
in order is taken at once; one that comes before others already taken replays the window,
so the server serves them in the order of their instants, then of their AGVs, as the model
does. Outcomes are handed out once committed; a shell commits as far as every AGV has
decided (their progress), or a wall-time window behind its clock.
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
    AGV at ``finish_s``; ``latency_s`` counts from the task's arrival at its AGV."""

    task_id: str
    agv: int
    es: int
    finish_s: float
    latency_s: float
    expired: bool
    cls: str = ""
    images: int = 0
    steps: int = 0


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
        self.done: list[AigcOutcome] = []        # finished after the committed instant
        self.late, self.late_s = 0, 0.0          # placements stamped before that instant
        self.seq = 0
        self.epoch_start = 0.0
        self.dist: np.ndarray | None = None
        self.committed = 0.0
        self.base: dict = {}
        self.log: list[list] = []   # [stamp, AGV, order, task id, task, admitted]
        self.checkpoints: dict[float, dict] = {}   # a placement instant -> the model then
        self.published: set[str] = set()           # outcomes handed out (final)
        self.order = 0
        #: the state right after the last placement's instant (what AGVs decide on next)
        self.placed_state: dict | None = None
        self._scratch: AigcEdge | None = None
        self.reset_to(state)

    def reset_to(self, state: dict | None) -> None:
        """Hold what ``state`` (a broadcast state) says, committed there, or nothing at 0;
        no task ids, no window."""
        self.sim.reset(0, tasks=[])
        self.seq = 0
        if state is not None:
            try:
                self.sim.set_es_state(self.j, state)
                self.sim.now = float(state["time_s"])
                self.seq = 1 + max(map(int, state["tasks"]), default=-1)
            except (SimError, KeyError, TypeError, ValueError) as err:
                raise NodeError(f"{self.es_id}: not an edge server state ({err})") from err
        # the epoch the clock is in: [start, start + epoch_s), starts added up as the model does
        self.epoch_start = 0.0
        while self.epoch_start + self.settings.epoch_s <= self.sim.now + EPS:
            self.epoch_start += self.settings.epoch_s
        self.dist = None
        self.names, self.done, self.log, self.placed_state = {}, [], [], None
        self.checkpoints = {}
        self.committed = self.sim.now             # the window starts here, empty
        self.base = self._save()

    def scratch(self) -> "AigcEdge":
        """A second model of this server to play states forward on (made once)."""
        if self._scratch is None:
            self._scratch = AigcEdge(self.sim.scenario, self.es_id, self.settings,
                                     self.positions)
        return self._scratch

    @property
    def now(self) -> float:
        """Where the server's model is: the newest placement's instant or commit."""
        return self.sim.now

    def load(self) -> int:
        """Tasks the server holds (uploading, queued, computing)."""
        return self.sim.load(self.j)

    def place(self, task_id: str, task: AigcTask, now: float) -> str:
        """Admit a copy of ``task`` at ``now`` (its upload starts then), or say why not: the
        server holds ``es_queue_max`` tasks already. Placements are served in the order of
        their instants (then of their AGVs), whatever order they came in, as long as they
        are not stamped before the committed instant (:meth:`advance`); one stamped before
        it starts then (it came late). A task admitted before is answered admitted again
        and not admitted twice; one admitted stays so when an earlier one comes later."""
        if not 0 <= task.agv < self.sim.n_agvs:
            raise NodeError(f"{self.es_id}: task {task_id!r} of AGV {task.agv}, which is not "
                            f"in the scenario")
        if task_id in self.admitted:
            return ""
        if now < self.committed - EPS:
            self.late, self.late_s = self.late + 1, self.late_s + self.committed - now
            now = self.committed
        entry = [now, task.agv, self.order, task_id, dataclasses.replace(task), None]
        self.order += 1
        key = (now, task.agv, entry[2])
        if (not self.log or key > (self.log[-1][0], self.log[-1][1], self.log[-1][2])) \
                and self.sim.now <= now + EPS:
            self.log.append(entry)           # in order (the usual case): no replay
            if now not in self.checkpoints:
                self.done += self._run(now)
                self.checkpoints[now] = self._save()
            self._decide(entry)
            self.placed_state = self.state()
        else:                                # it came before others: replay the window
            self.log.append(entry)
            self.log.sort(key=lambda e: (e[0], e[1], e[2]))
            self.done, self.placed_state = self._replay(max(self.sim.now, now), now)
        self.done = [o for o in self.done if o.task_id not in self.published]
        if entry[5]:
            return ""
        self.log.remove(entry)
        return f"{self.es_id} holds {self.settings.es_queue_max} AIGC tasks (es_queue_max)"

    def _decide(self, entry: list) -> None:
        """Admit a logged placement now: decided (on the room it finds) the first time,
        as decided ever after."""
        if entry[5] is None:
            entry[5] = self.load() < self.settings.es_queue_max
            if entry[5]:
                self.admitted.add(entry[3])
        if entry[5]:
            self._admit(entry[3], dataclasses.replace(entry[4]))

    def advance(self, now: float) -> list[AigcOutcome]:
        """Commit to ``now``: the server's model runs there, epoch by epoch (each epoch's
        rates use the AGVs' positions at its start), and the tasks finished by then are
        final (returned once, in the order they finished); placements stamped before
        ``now`` come late from here on. A shell commits as far as every AGV has decided."""
        if now <= self.committed + EPS:
            return []
        if self.sim.now < now:
            self.done += self._run(now)
        final = [o for o in self.done if o.finish_s <= now + EPS]
        self.published.update(o.task_id for o in final)
        self.done = [o for o in self.done if o.finish_s > now + EPS]
        self.committed = now
        if not any(e[0] > now + EPS for e in self.log):     # the model is at ``now``
            self.base, self.log, self.checkpoints = self._save(), [], {}
        else:           # the window starts at the last placement instant before ``now``
            start = max((c for c in self.checkpoints if c <= now + EPS), default=None)
            if start is not None:
                self.base = self.checkpoints[start]
                self.log = [e for e in self.log if e[0] >= start - EPS]
                self.checkpoints = {c: v for c, v in self.checkpoints.items()
                                    if c >= start - EPS}
        return final

    def _replay(self, end: float, mark: float | None = None) -> tuple[list[AigcOutcome],
                                                                      dict | None]:
        """The model from the window's start with the window's placements, to ``end``:
        the tasks finished on the way (none handed out before), and the state just after
        every placement at ``mark``. A placement not yet decided is admitted if there is
        room."""
        self._load(self.base)
        self.checkpoints = {}
        done: list[AigcOutcome] = []
        marked = None
        for k, entry in enumerate(self.log):
            stamp = entry[0]
            if stamp not in self.checkpoints:
                done += self._run(stamp)
                self.checkpoints[stamp] = self._save()
            self._decide(entry)
            if mark is not None and abs(stamp - mark) <= EPS and (
                    k + 1 == len(self.log) or self.log[k + 1][0] > mark + EPS):
                marked = self.state()
        done += self._run(end)
        return [o for o in done if o.task_id not in self.published], marked

    def _admit(self, task_id: str, task: AigcTask) -> None:
        task.id, self.seq = self.seq, self.seq + 1
        task.stage, task.es, task.remaining = UPLOAD, self.j, task.input_kb * 8000.0
        self.names[task.id] = task_id
        self.sim.uploads[self.j].append(task)
        self.sim.in_system[task.agv] += 1

    def _save(self) -> dict:
        return {"state": self.sim.es_state(self.j), "names": dict(self.names),
                "seq": self.seq, "epoch_start": self.epoch_start}

    def _load(self, saved: dict) -> None:
        self.sim.set_es_state(self.j, saved["state"])
        self.sim.now = saved["state"]["time_s"]
        self.names, self.seq = dict(saved["names"]), saved["seq"]
        self.epoch_start, self.dist = saved["epoch_start"], None

    def _run(self, now: float) -> list[AigcOutcome]:
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
                            t.latency_s, t.expired, t.cls, t.images, t.steps) for t in out]

    def epoch_start_at(self, now: float) -> float:
        """The start of the epoch ``now`` is in (starts added up as the model does)."""
        start, eps = self.epoch_start, self.settings.epoch_s
        while start + eps <= now + EPS:
            start += eps
        return start

    def journal(self) -> dict:
        """What a restarted server needs to go on (JSON): the model where it is (the
        window's placements in it), its task ids, and the outcomes not yet final. A
        restarted server commits there: a placement stamped earlier comes late."""
        return {**self.state(), "names": {str(k): v for k, v in self.names.items()},
                "admitted": sorted(self.admitted), "published": sorted(self.published),
                "done": [dataclasses.asdict(o) for o in self.done]}

    @classmethod
    def resume(cls, scenario: Scenario, es_id: str, entry: dict,
               settings: AigcSettings | None = None,
               positions: Callable[[float], np.ndarray] | None = None) -> "AigcEdge":
        """The server as :meth:`journal` saved it."""
        edge = cls(scenario, es_id, settings, positions, state=entry)
        try:
            edge.names = {int(k): str(v) for k, v in entry["names"].items()}
            edge.admitted = set(entry["admitted"])
            edge.published = set(entry.get("published", ()))
            edge.done = [AigcOutcome(**o) for o in entry.get("done", ())]
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise NodeError(f"{es_id}: not an AIGC journal entry ({err!r})") from err
        edge.base = edge._save()
        return edge

    def held(self) -> int:
        """Admitted tasks whose outcome is not final yet (what the server still owes)."""
        return len(self.admitted - self.published)

    def _held(self) -> list[AigcTask]:
        server = self.sim.servers[self.j]
        return [*self.sim.uploads[self.j], *server.queue,
                *(t for t, _ in server.batch if t not in server.queue),
                *self.sim.downloads[self.j]]

    def state(self) -> dict:
        """What the server holds now (:meth:`AigcSimulator.es_state`), its id added."""
        return {"es_id": self.es_id, **self.sim.es_state(self.j)}

    def state_at(self, t: float) -> dict:
        """What the server holds at ``t`` with every placement stamped before ``t`` and none
        at or after it: what an AGV deciding at ``t`` must see (the scratch model replays
        the window; an instant before the window gives the state at its start)."""
        if t in self.checkpoints:                 # the instant of a placement
            return self.checkpoints[t]["state"]
        if not any(e[0] >= t - EPS for e in self.log) and self.sim.now <= t + EPS:
            return self.projected(t)              # nothing placed at or after it
        twin = self.scratch()
        twin.base = self.base
        twin.log = [e for e in self.log if e[0] < t - EPS]    # all decided already
        twin._replay(t)
        return twin.state()

    def owed_s(self, state: dict) -> float:
        """The compute a state owes, one task after another (``committed_s`` of the model):
        the running batch's rest, the queue's images left, the uploads."""
        tasks, speed = state["tasks"], self.sim.speed[self.j]
        total = max(state["batch_end_s"] - state["time_s"], 0.0) if state["batch"] else 0.0
        for i in state["queue"]:
            t = tasks[str(i)]
            total += t["compute_s"] * t["images_left"] / t["images"] / speed
        return total + sum(tasks[str(i)]["compute_s"] for i in state["uploads"]) / speed

    def projected(self, now: float) -> dict:
        """The state it will broadcast at ``now`` if nothing more is placed (the scratch
        model runs there; this one is untouched)."""
        if now <= self.sim.now + EPS:
            return self.state()
        return self.play(self.state(), now)

    def play(self, state: dict, now: float) -> dict:
        """``state`` (of this server) played forward to ``now`` with nothing placed."""
        twin = self.scratch()
        twin.reset_to(state)
        twin._run(now)
        return twin.state()

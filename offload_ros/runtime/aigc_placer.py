"""One AGV's AIGC tasks, placed live (DESIGN.md, "The AIGC offloading model"): the AGV emits
the tasks of the scenario's ``aigc:`` section (the very draw ``offload-ros aigc offload``
makes for it: same seed, same tasks), and once per decision epoch it places its oldest
waiting task: it builds its local observation from the edge servers' broadcast states
(:class:`AigcObservation`, its own row: its task, each server's load and owed compute, the
radio rate at its distance), asks its policy node for the action, and sends the task to that
server. No answer from the policy: the least expected finish time (``greedy``) on the same
observation. A refused placement (the server is full) keeps the task for the next epoch.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.scenario import Scenario
from offload_ros.planning.aigc_offload.aigc_greedy_planner import AigcGreedyPlanner
from offload_ros.runtime.aigc_edge import AigcEdge, AigcOutcome
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import EPS, HOLD, AigcSimulator, AigcTask
from offload_ros.sim.errors import SimError


@dataclass(frozen=True)
class AigcPlacerConfig:
    """An AGV's AIGC knobs (the tasks themselves are the scenario's ``aigc:`` section)."""

    aigc_placement: bool = field(default=False, metadata={
        "help": "emit the scenario's aigc: tasks and place each on an edge server, asking "
                "the policy node (/<agv>/decide_aigc) once per epoch"})
    aigc_seed: int = field(default=0, metadata={
        "help": "episode seed of the AGV's AIGC tasks (aigc offload's task seeds: the same "
                "seed gives every AGV the tasks the model gives it)"})
    aigc_decide_timeout_s: float = field(default=0.2, metadata={
        "help": "wait this long for the policy's placement, then place by least expected "
                "finish time (greedy)", "unit": "s of wall time"})
    aigc_place_timeout_s: float = field(default=0.2, metadata={
        "help": "wait this long for the edge server's answer; none: the same server again "
                "next epoch", "unit": "s of wall time"})
    aigc_wait_s: float = field(default=2.0, metadata={
        "help": "wait this long for every other AGV to have decided the epochs before this "
                "one (/<agv>/aigc/progress), then decide without the ones that have not "
                "(absent until they speak again)", "unit": "s of wall time"})

    def __post_init__(self) -> None:
        for name in ("aigc_decide_timeout_s", "aigc_place_timeout_s", "aigc_wait_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise NodeError(f"{name}: must be a finite number > 0, got {value!r}")


class AigcPorts(Protocol):
    """What a shell gives the placer: blocking calls that answer ``None`` on timeout."""

    def place_decide(self, agv_id: str, obs: AigcObservation) -> int | None: ...

    def place(self, es_id: str, task_id: str, task: AigcTask, now: float) -> str | None: ...


class AigcPlacer:
    """``epoch(t, states, ports)`` once per epoch start ``t`` (the servers' states as they
    were broadcast); ``on_outcome`` for each result of this AGV's tasks."""

    def __init__(self, scenario: Scenario, agv_id: str, config: AigcPlacerConfig | None = None,
                 settings: AigcSettings | None = None) -> None:
        self.config = config or AigcPlacerConfig()
        try:
            self.i = scenario.agv_index(agv_id)
        except Exception as err:  # noqa: BLE001 - ModelError
            raise NodeError(f"AGV {agv_id!r} is not in scenario {scenario.name!r}") from err
        self.scenario, self.agv_id = scenario, agv_id
        self.view = AigcSimulator(scenario, settings=settings)
        self.view.reset(0, tasks=[])
        self.settings = self.view.settings
        self.es_ids = [e.id for e in scenario.edge_servers]
        self.agv_ids = [a.id for a in scenario.agvs]
        self.tasks = self.view.draw_tasks(self.config.aigc_seed, self.i)
        for n, task in enumerate(self.tasks):
            task.id = n
        self.ids = {self.task_id(t): t for t in self.tasks}
        self.arrived = 0
        self.waiting: deque[AigcTask] = deque()
        self.placed: dict[str, AigcTask] = {}
        self.doubt: str | None = None      # the server its head was sent to, no answer yet
        self.projectors: dict[str, AigcEdge] = {}   # models to play states forward on
        self.outcomes: dict[str, AigcOutcome] = {}
        self.counts = {"holds": 0, "refusals": 0, "fallbacks": 0}
        self.fallback = AigcGreedyPlanner()

    def task_id(self, task: AigcTask) -> str:
        return f"{self.agv_id}:aigc{self.config.aigc_seed}:{task.id}"

    def admit(self, t: float) -> None:
        """Tasks that have arrived by ``t`` join the waiting line."""
        while self.arrived < len(self.tasks) and \
                self.tasks[self.arrived].arrival_s <= t + EPS:
            self.waiting.append(self.tasks[self.arrived])
            self.arrived += 1

    def observe(self, t: float, states: dict[str, dict]) -> AigcObservation | None:
        """This AGV's observation at ``t`` from the servers' states (a state broadcast
        before ``t`` is played forward to ``t``: what the server holds then if nothing more
        came); None when nothing waits."""
        if not self.waiting:
            return None
        view = self.view
        view.now = t
        for j, es_id in enumerate(self.es_ids):
            state = states.get(es_id)
            if state is None:              # not heard yet: as the scenario describes it
                state = {"time_s": t, "tasks": {}, "uploads": [], "queue": [], "batch": [],
                         "batch_end_s": np.inf, "wake_s": np.inf, "downloads": []}
            elif state.get("time_s", t) < t - EPS:
                if es_id not in self.projectors:
                    self.projectors[es_id] = AigcEdge(self.scenario, es_id, self.settings)
                state = self.projectors[es_id].play(state, t)
            try:
                view.set_es_state(j, state)
            except SimError as err:
                raise NodeError(f"{self.agv_id}: {es_id}'s state: {err}") from err
        view.waiting = [deque() for _ in range(view.n_agvs)]
        view.waiting[self.i] = self.waiting
        return AigcObservation(view).row(self.i)

    def epoch(self, t: float, states: dict[str, dict], ports: AigcPorts) -> str:
        """The epoch starting at ``t``: place (or hold) the oldest waiting task. Returns
        what happened: ``""`` (nothing waits), ``hold``, ``refused``, ``in doubt`` (the
        server did not answer: it is asked again next epoch) or the server's id."""
        self.admit(t)
        if not self.waiting:
            return ""
        task = self.waiting[0]
        if self.doubt is not None:       # the same server again: it may have admitted it
            es_id = self.doubt
        else:
            obs = self.observe(t, states)
            action = ports.place_decide(self.agv_id, obs)
            if action is None or not 0 <= action <= len(self.es_ids) or \
                    (action != HOLD and not np.isfinite(obs.eft_s[0, action - 1])):
                action = int(self.fallback.act(obs)[0])
                self.counts["fallbacks"] += 1
            if action == HOLD:
                task.holds += 1
                self.counts["holds"] += 1
                return "hold"
            es_id = self.es_ids[action - 1]
        answer = ports.place(es_id, self.task_id(task), task, t)
        self.doubt = es_id if answer is None else None
        if answer is None:
            return "in doubt"
        if answer:
            task.refusals += 1
            self.counts["refusals"] += 1
            return "refused"
        self.waiting.popleft()
        self.placed[self.task_id(task)] = task
        return es_id

    def on_outcome(self, outcome: AigcOutcome) -> bool:
        """A result for one of this AGV's tasks; False if it is not one of them, or it has
        one already (a repeat)."""
        if outcome.task_id in self.outcomes or outcome.task_id not in self.ids:
            return False
        self.placed.pop(outcome.task_id, None)
        self.outcomes[outcome.task_id] = outcome
        return True

    def next_epoch(self, t: float) -> float:
        """The first epoch start at or after ``t`` at which there may be work: now while a
        task waits, else the epoch of the next arrival (``inf``: no more tasks)."""
        eps = self.settings.epoch_s
        if not self.waiting:
            if self.arrived >= len(self.tasks):
                return math.inf
            t = max(t, self.tasks[self.arrived].arrival_s)
        return math.ceil(t / eps - EPS) * eps

    def snapshot(self) -> dict:
        """What a restarted AGV needs to go on placing (JSON; the tasks are drawn again)."""
        return {"arrived": self.arrived, "waiting": [t.id for t in self.waiting],
                "placed": sorted(self.placed), "doubt": self.doubt,
                "counts": dict(self.counts),
                "outcomes": {k: [o.es, o.finish_s, o.latency_s, o.expired, o.cls]
                             for k, o in self.outcomes.items()}}

    def restore(self, state: dict) -> None:
        try:
            self.arrived = int(state["arrived"])
            self.waiting = deque(self.tasks[int(i)] for i in state["waiting"])
            self.placed = {k: self.ids[k] for k in state["placed"]}
            self.doubt = state["doubt"]
            self.counts.update(state["counts"])
            self.outcomes = {k: AigcOutcome(k, self.i, int(es), float(f), float(lat),
                                            bool(exp), str(cls))
                             for k, (es, f, lat, exp, cls) in state["outcomes"].items()}
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise NodeError(f"{self.agv_id}: not an AIGC placement journal entry "
                            f"({err!r})") from err

    def latencies(self, now: float) -> list[float]:
        """Each arrived task's latency, or the time it has been in the system so far."""
        out = []
        for task in self.tasks[:self.arrived]:
            done = self.outcomes.get(self.task_id(task))
            out.append(done.latency_s if done is not None else now - task.arrival_s)
        return out

    @staticmethod
    def summary(placers: list["AigcPlacer"], now: float) -> dict:
        """A fleet's placed tasks at ``now``, with the keys of
        :meth:`AigcSimulator.summary` (an unfinished task counts the time it has been in
        the system)."""
        lat = np.array([x for p in placers for x in p.latencies(now)])
        n = len(lat)
        return {"tasks": n, "finished": sum(p.finished() for p in placers),
                "mean_latency_s": float(lat.mean()) if n else 0.0,
                "p95_latency_s": float(np.percentile(lat, 95)) if n else 0.0,
                "completion_rate": sum(p.met() for p in placers) / n if n else 1.0,
                "expired": sum(p.expired() for p in placers),
                "refusals": sum(p.counts["refusals"] for p in placers),
                "holds": sum(p.counts["holds"] for p in placers)}

    def met(self) -> int:
        """Tasks back within their deadline (not dropped in a queue)."""
        return sum(1 for k, o in self.outcomes.items() if not o.expired and
                   o.latency_s <= self.ids[k].deadline_s + EPS)

    def finished(self) -> int:
        return len(self.outcomes)

    def expired(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.expired)

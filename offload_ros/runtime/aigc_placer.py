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

    aigc_seed: int = field(default=0, metadata={
        "help": "episode seed of the AGV's AIGC tasks (as aigc offload's task seeds; the "
                "same seed gives every AGV the same tasks as the model)"})


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
        self.tasks = self.view.draw_tasks(self.config.aigc_seed, self.i)
        for n, task in enumerate(self.tasks):
            task.id = n
        self.arrived = 0
        self.waiting: deque[AigcTask] = deque()
        self.placed: dict[str, AigcTask] = {}
        self.doubt: str | None = None      # the server its head was sent to, no answer yet
        self.outcomes: dict[str, AigcOutcome] = {}
        self.counts = {"holds": 0, "refusals": 0, "fallbacks": 0, "late": 0}
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
                state = AigcEdge(self.scenario, es_id, self.settings, state=state).projected(t)
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
        obs = self.observe(t, states)
        if obs is None:
            return ""
        task = self.waiting[0]
        if self.doubt is not None:       # the same server again: it may have admitted it
            es_id = self.doubt
        else:
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
        """A result for one of this AGV's tasks; False if it is not one placed and open (a
        repeat, or another AGV's)."""
        if outcome.task_id not in self.placed:
            return False
        del self.placed[outcome.task_id]
        self.outcomes[outcome.task_id] = outcome
        return True

    def latencies(self, now: float) -> list[float]:
        """Each arrived task's latency, or the time it has been in the system so far."""
        out = []
        for task in self.tasks[:self.arrived]:
            done = self.outcomes.get(self.task_id(task))
            out.append(done.latency_s if done is not None else now - task.arrival_s)
        return out

    def met(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.met)

    def finished(self) -> int:
        return len(self.outcomes)

    def expired(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.expired)

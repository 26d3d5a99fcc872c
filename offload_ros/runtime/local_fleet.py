"""A whole fleet of runtime nodes in one process, on a virtual clock, wired by direct calls:
the node logic without any middleware. Events run in the simulator's order (rule 5), so its
numbers must equal the simulator's; tests use it to hold the runtime to the contract, and
``run_report`` turns any fleet's final messages into the simulator's result shape."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import AgvController, AgvControllerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNode, EdgeServerNodeConfig
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.policy_server import PolicyServer
from offload_ros.runtime.run_report import RunReport
from offload_ros.sim.simulator import Simulator


class _Crashed(Exception):
    """An AGV died (fault injection); it restarts from its journal."""


class _Ports:
    """Direct calls; ``drop`` may swallow an offer or its answer (fault injection)."""

    def __init__(self, fleet: "LocalFleet") -> None:
        self.fleet = fleet

    def decide(self, request: Any) -> Any | None:
        if self.fleet.policy is None:
            return None
        return self.fleet.policy.handle_decide(request)

    def offload(self, es_id: str, request: Any) -> Any | None:
        fleet = self.fleet
        if fleet.drop is not None and fleet.drop("request", es_id, request):
            return None
        es = fleet.servers[es_id]
        answer = es.handle_offload(request, fleet.now)
        state = es.state_at(es.t)
        for agv in fleet.agvs.values():
            agv.on_es_state(state)
        if fleet.policy is not None:
            fleet.policy.on_es_state(state)
        if fleet.drop is not None and fleet.drop("answer", es_id, request):
            return None
        if fleet.crash is not None and fleet.crash(es_id, request):
            raise _Crashed(request.agv_id)
        return answer

    def publish(self, topic: str, typename: str, message: Any) -> None:
        if typename == "Pheromone":
            for agv in self.fleet.agvs.values():
                agv.on_pheromone(message)
        if self.fleet.policy is not None:     # what a policy node hears (if it plans from it)
            if typename == "Pheromone":
                self.fleet.policy.on_pheromone(message)
            elif typename == "AgvStatus":
                self.fleet.policy.on_agv_status(message)


class LocalFleet:
    """``LocalFleet(scenario, "balanced").run()`` → :class:`RunReport`."""

    def __init__(self, scenario: Scenario, policy: str | None = "balanced", *,
                 agv_config: AgvControllerConfig | None = None,
                 es_config: EdgeServerNodeConfig | None = None,
                 drop: Callable[[str, str, Any], bool] | None = None,
                 journal_dir: str | Path | None = None,
                 crash: Callable[[str, Any], bool] | None = None,
                 noise_seed: int = 0) -> None:
        """``drop(where, es_id, request)`` swallows an offer (``where`` = "request") or its
        answer ("answer"); ``crash(es_id, request)`` kills the offering AGV after the server
        answered (the answer dies with it) and restarts it from its journal in
        ``journal_dir`` (``<agv>.db``). ``noise_seed``: the draw of the scenario's
        ``disturbance:`` section every node runs (``Simulator(scenario, noise_seed=...)``)."""
        self.scenario = scenario
        self.sim = sim = Simulator(scenario, noise_seed=noise_seed)
        self.policy = PolicyServer(scenario, policy) if policy else None
        self.servers = {e: EdgeServerNode(scenario, e, dataclasses.replace(
            es_config or EdgeServerNodeConfig(), noise_seed=noise_seed)) for e in sim.es_ids}
        base = dataclasses.replace(agv_config or AgvControllerConfig(), noise_seed=noise_seed)
        self.agv_configs = {a: dataclasses.replace(base, journal=str(Path(journal_dir) /
                                                                     f"{a}.db"))
                            if journal_dir is not None else base for a in sim.agv_ids}
        self.agvs = {a: AgvController(scenario, a, self.agv_configs[a], sim=sim)
                     for a in sim.agv_ids}
        self.order = list(self.agvs.values())
        self.drop, self.crash = drop, crash
        self.restarts = 0
        self.now = 0.0
        self.ports = _Ports(self)

    def run(self) -> RunReport:
        horizon = self.scenario.horizon_s
        # states and statuses, for a policy that plans from the fleet's state (as each node
        # announces itself, then after each of its events)
        announce = self.policy is not None and self.policy.needs_state
        for es in self.servers.values() if announce else ():
            self.policy.on_es_state(es.state_at(0.0))
        for agv in self.order if announce else ():
            self.ports.publish(f"/{agv.agv_id}/status", "AgvStatus", agv.status(0.0))
        while True:
            due = [(a.next[0], a.next[1], k) for k, a in enumerate(self.order)
                   if a.next is not None and a.next[0] <= horizon]
            if not due:
                break
            t, _, k = min(due)
            self.now = t
            for _ in range(100):                  # an unanswered hand-over is offered again
                if self._guarded(k, lambda agv: agv.handle(self.ports)):
                    break
            else:
                raise NodeError(f"{self.order[k].agv_id}: no answer after 100 tries at "
                                f"{t:.1f} s")
            self._guarded(k, lambda agv: agv.resolve(self.ports))   # offers in doubt
            if announce:
                agv = self.order[k]
                self.ports.publish(f"/{agv.agv_id}/status", "AgvStatus", agv.status(t))
        self.now = horizon
        for k in range(len(self.order)):
            for _ in range(10):                   # offers in doubt are asked about again
                self._guarded(k, lambda agv: agv.step(horizon, self.ports))
                if not self.order[k].in_doubt:
                    break
        for agv in self.order:
            agv.close()
        return RunReport.collect(self.scenario, "live:" + (self.policy.name if self.policy
                                                           else "plan"),
                                 [a.status(horizon) for a in self.order],
                                 [s.state_at(horizon) for s in self.servers.values()])

    def _guarded(self, k: int, call: Callable[[AgvController], Any]) -> Any:
        """``call(agv)``; if the AGV crashed meanwhile it restarts from its journal (a fresh
        controller, as a new process would make) and the result is False."""
        agv = self.order[k]
        try:
            return call(agv)
        except _Crashed:
            if agv.journal is None:
                raise NodeError(f"{agv.agv_id} crashed and has no journal") from None
            agv.journal.close()               # the process died: only the file remains
            agv.journal = None
            new = AgvController(self.scenario, agv.agv_id, self.agv_configs[agv.agv_id],
                                sim=self.sim)
            new.es_states, new.board = agv.es_states, agv.board   # transient-local topics
            self.order[k] = self.agvs[agv.agv_id] = new
            self.restarts += 1
            return False

"""A policy node's logic: answers Decide requests from an AGV's local observation with a
trained actor (``mcoo``, ``dqn``, ``ac``, ``NAME:CHECKPOINT``) or a planner by name. A policy
that plans from the simulator's state (``rollout``) gets it from a :class:`FleetView` of
what the node hears on the graph (the shells feed ``on_agv_status``, ``on_es_state`` and
``on_pheromone``); it plans once the view describes the decision's instant, or after
``state_wait_s`` with what it has (:meth:`FleetView.wait`). With ``aigc_policy`` it also
answers DecideAigc requests (where to place an AIGC task) from an AGV's observation row."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.aigc_placement_server import AigcPlacementServer
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.fleet_view import FleetView
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.observation import Observation
from offload_ros.sim.pheromone import Pheromone
from offload_ros.sim.simulator import Simulator

NO_ACTION = 255


@dataclass(frozen=True)
class PolicyServerConfig:
    """A policy node's knobs (ROS parameters of ``policy``)."""

    state_wait_s: float = field(default=0.3, metadata={
        "help": "a policy that plans from the fleet's state (rollout) waits this long for "
                "the messages that describe the decision's instant, then plans from what it "
                "has (keep it under the AGVs' decide_timeout_s)", "unit": "s of wall time"})
    aigc_policy: str = field(default="", metadata={
        "help": "AIGC placement policy answering /<agv>/decide_aigc (random, nearest, "
                "greedy, batch_greedy, amarl, concat, idqn, NAME:CHECKPOINT; '' = none)"})

    def __post_init__(self) -> None:
        if not (math.isfinite(self.state_wait_s) and self.state_wait_s >= 0):
            raise NodeError(f"state_wait_s: must be a finite number >= 0, got "
                            f"{self.state_wait_s!r}")


class PolicyServer:
    """``handle_decide(request)`` → ``Decide_Response``. Serves the AGVs in ``agv_ids`` (all
    of the scenario's when empty); a request from another AGV, or one that does not make a
    valid observation, is answered ``ok = False`` with the reason. Thread-safe: requests
    may be handled at once (a state-planning one waits for its instant without holding up
    the others); the policy itself decides one at a time."""

    def __init__(self, scenario: Scenario, policy: str, agv_ids: tuple[str, ...] = (),
                 config: PolicyServerConfig | None = None) -> None:
        self.scenario, self.name = scenario, policy
        self.config = config or PolicyServerConfig()
        try:
            self.policy = PolicyFactory.make(policy, scenario)
        except EvaluationError as err:
            raise NodeError(f"policy node: {err}") from err
        sim = Simulator(scenario)
        #: the fleet as the graph tells it, for a policy that plans from the state
        self.needs_state = bool(getattr(self.policy, "needs_state", False))
        self.view = FleetView(scenario, sim) if self.needs_state else None
        self.agv_ids = sim.agv_ids
        self.es_ids = sim.es_ids
        self.serves = set(agv_ids or sim.agv_ids)
        unknown = self.serves - set(sim.agv_ids)
        if unknown:
            raise NodeError(f"policy node: AGV {sorted(unknown)[0]!r} is not in scenario "
                            f"{scenario.name!r}")
        self.plan_only = getattr(self.policy, "static_amounts", None) == "plan"
        self.static = getattr(self.policy, "static_amounts", None)
        self.types = MessageTypes.default()
        self.refused = 0
        #: decisions planned from a view that still lacked something (after the wait), and
        #: what the last of them lacked
        self.incomplete, self.last_owed = 0, ""
        self._deciding = threading.Lock()
        #: each served AGV's AIGC placement policy (a stream of its own)
        self.aigc = {agv: AigcPlacementServer(scenario, self.config.aigc_policy,
                                              Seeding.int_seed(0, "aigc-policy", agv))
                     for agv in sorted(self.serves)} if self.config.aigc_policy else {}

    # inputs of a state-planning policy (ignored by the others): NodeError for a bad one
    def on_agv_status(self, msg: Any) -> None:
        if self.view is not None:
            self.view.on_agv_status(msg)

    def on_es_state(self, msg: Any) -> None:
        if self.view is not None:
            self.view.on_es_state(msg)

    def on_pheromone(self, msg: Any) -> None:
        if self.view is not None:
            self.view.on_pheromone(msg)

    def observation(self, req: Any) -> Observation:
        if req.agv_id not in self.serves:
            raise NodeError(f"AGV {req.agv_id!r} is not served here")
        if req.es_id not in self.es_ids:
            raise NodeError(f"es_id: unknown edge server {req.es_id!r}")
        for name in ("time_s", "remaining_kb", "plan_kb", "backlog_kb", "free_kb"):
            v = getattr(req, name)
            if not math.isfinite(v) or v < 0:
                raise NodeError(f"{name}: must be a finite number >= 0, got {v!r}")
        m = self.agv_ids.index(req.agv_id)
        if req.stop >= len(self.scenario.agvs[m].route) - 1:
            raise NodeError(f"stop: {req.stop} is not a decision stop of {req.agv_id}")
        es = self.es_ids.index(req.es_id)
        phero = tuple(Pheromone(self.agv_ids.index(p.agv_id), p.agv_id, es,
                                MessageTypes.seconds(p.header.stamp), p.need_kb, p.wait_s,
                                p.door_rate_kb_per_s, p.returns_s, p.cycle_s, p.expires_s)
                      for p in req.pheromones if p.agv_id in self.agv_ids)
        return Observation(m, req.agv_id, req.time_s, req.cycle, req.stop, req.stops,
                           req.remaining_kb, req.load_kb, req.plan_kb, es, req.es_id,
                           req.backlog_kb, req.free_kb, req.capacity_kb, req.rate_kb_per_min,
                           req.door_queue, phero)

    def handle_decide(self, req: Any) -> Any:
        return self.answer(req)[0]

    def answer(self, req: Any) -> tuple[Any, str]:
        """The ``Decide_Response`` and, for a state-planning policy, what its view still
        lacked when it planned ('' when it described the instant exactly, or for any other
        policy; a shell logs it)."""
        try:
            obs = self.observation(req)
        except NodeError as err:
            with self._deciding:
                self.refused += 1
            return self.types.make("Decide_Response", ok=False, policy=self.name,
                                   reason=str(err)), ""
        owed = self.view.wait(obs, self.config.state_wait_s) if self.view is not None else ""
        with self._deciding:
            if owed:
                self.incomplete, self.last_owed = self.incomplete + 1, owed
            amount, action = self._decide(self.policy, obs, self.view)
        return self.types.make("Decide_Response", ok=True, amount_kb=amount, action=action,
                               policy=self.name), owed

    def answer_aigc(self, req: Any) -> Any:
        """A ``DecideAigc_Request`` → its ``DecideAigc_Response``: the AGV's AIGC policy on
        the row it sent (``ok = False`` with the reason for a request that is not one)."""
        server = self.aigc.get(req.agv_id)
        try:
            if server is None:
                raise NodeError(f"no AIGC placement policy for {req.agv_id!r} here" +
                                ("" if self.aigc else " (aigc_policy is empty)"))
            obs = AigcObservation.of(req.features, req.eft_s, req.eft_batch_s, req.distance_m,
                                     [True])
            with self._deciding:
                action = server.decide(obs)
        except (NodeError, ValueError) as err:
            with self._deciding:
                self.refused += 1
            return self.types.make("DecideAigc_Response", ok=False, policy=server.name
                                   if server else "", reason=str(err))
        return self.types.make("DecideAigc_Response", ok=True, action=action,
                               policy=server.name)

    def _decide(self, policy: Any, obs: Observation,
                view: FleetView | None) -> tuple[float, int]:
        if self.plan_only:
            return obs.plan_kb, ActionSet.DEFAULT
        if self.static is not None:
            return self.static[obs.agv][obs.stop], NO_ACTION
        if view is not None:
            return float(policy.decide_in(obs, view.sim, lambda: view.snapshot(obs))), \
                NO_ACTION
        if hasattr(policy, "action"):
            action = policy.action(obs)
            return ActionSet.amount(action, obs), action
        return float(policy.decide(obs)), NO_ACTION

    def warm_up(self) -> int:
        """Decide once for every served AGV at its first stop, with a copy of the policy (a
        stateful one, such as ``random``, keeps its stream), so that the first real decision
        is not the process's first call (lazy imports, a network's first forward). Returns
        the decisions made."""
        policy = PolicyFactory.make(self.name, self.scenario)
        view = FleetView(self.scenario) if self.needs_state else None   # an empty fleet
        made = 0
        for agv in sorted(self.serves):
            m = self.agv_ids.index(agv)
            spec = self.scenario.agvs[m]
            if len(spec.route) < 2:
                continue                      # its only stop is the last: nothing to decide
            i = self.es_ids.index(spec.route[0])
            es = self.scenario.edge_servers[i]
            obs = Observation(m, agv, spec.start_time_s, 0, 0, len(spec.route), spec.load_kb,
                              spec.load_kb, 0.0, i, es.id, 0.0, es.capacity_kb,
                              es.capacity_kb, es.rate_kb_per_min, 0, ())
            self._decide(policy, obs, view)
            made += 1
        return made

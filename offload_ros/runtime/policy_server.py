"""A policy node's logic: answers Decide requests from an AGV's local observation with a
trained actor (``mcoo``, ``dqn``, ``ac``, ``NAME:CHECKPOINT``) or a planner by name."""

from __future__ import annotations

import math
from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation import Observation
from offload_ros.sim.pheromone import Pheromone
from offload_ros.sim.simulator import Simulator

NO_ACTION = 255


class PolicyServer:
    """``handle_decide(request)`` → ``Decide_Response``. Serves the AGVs in ``agv_ids`` (all
    of the scenario's when empty); a request from another AGV, or one that does not make a
    valid observation, is answered ``ok = False`` with the reason."""

    def __init__(self, scenario: Scenario, policy: str, agv_ids: tuple[str, ...] = ()) -> None:
        self.scenario, self.name = scenario, policy
        try:
            self.policy = PolicyFactory.make(policy, scenario)
        except EvaluationError as err:
            raise NodeError(f"policy node: {err}") from err
        sim = Simulator(scenario)
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
        try:
            obs = self.observation(req)
        except NodeError as err:
            self.refused += 1
            return self.types.make("Decide_Response", ok=False, policy=self.name,
                                   reason=str(err))
        action = NO_ACTION
        if self.plan_only:
            amount, action = obs.plan_kb, ActionSet.DEFAULT
        elif self.static is not None:
            amount = self.static[obs.agv][obs.stop]
        elif hasattr(self.policy, "action"):
            action = self.policy.action(obs)
            amount = ActionSet.amount(action, obs)
        else:
            amount = float(self.policy.decide(obs))
        return self.types.make("Decide_Response", ok=True, amount_kb=amount, action=action,
                               policy=self.name)

"""MCOO Algorithm 1 as a policy: follow the single-AGV plan (sim/default_plan.py)."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.sim.observation import Observation


class BalancedPlanner:
    """Asks for ``obs.plan_kb``: its Algorithm 1 amount for this stop plus any shortfall it
    still carries from earlier stops (what it holds beyond what later stops are planned for)."""

    name = "balanced"
    static_amounts = "plan"

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def decide(self, obs: Observation) -> float:
        return obs.plan_kb

"""Asks for the amounts written in the scenario file (``plan_kb``)."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.planning.errors import PlanningError
from offload_ros.sim.observation import Observation


class FixedPlanner:
    """At stop k asks for ``plan_kb[k]`` (the last stop takes everything, rule 4)."""

    name = "fixed"

    def __init__(self, scenario: Scenario) -> None:
        missing = [a.id for a in scenario.agvs if a.plan_kb is None]
        if missing:
            raise PlanningError(f"policy 'fixed' needs plan_kb for every AGV; "
                                f"{', '.join(missing)} in {scenario.name!r} has none")
        self.static_amounts = [list(a.plan_kb) for a in scenario.agvs]

    def decide(self, obs: Observation) -> float:
        return self.static_amounts[obs.agv][obs.stop]

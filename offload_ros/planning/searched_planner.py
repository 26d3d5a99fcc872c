"""The factory's best fixed plan over the learned policies' action set (``PlanSearch``)."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.sim.observation import Observation
from offload_ros.sim.plan_search import PlanSearch, PlanSearchConfig
from offload_ros.sim.plan_table import PlanTable


class SearchedPlanner:
    """At each stop asks for the amount the searched :class:`PlanTable` names for that
    (AGV, stop). The search runs when the planner is made (seconds: one episode per tried
    entry, weighing the nominal episode against disturbed ones, the scenario's
    ``disturbance:`` or ``PlanSearch.DEFAULT_NOISE``), once per factory and process. It is
    the teacher per-factory MCOO imitates (same defaults)."""

    name = "searched"

    def __init__(self, scenario: Scenario, config: PlanSearchConfig | None = None) -> None:
        self.table: PlanTable = PlanSearch.best(scenario, config)

    def decide(self, obs: Observation) -> float:
        return self.table.decide(obs)

"""The paper's baseline: offload everything it can at first convenience."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.sim.observation import Observation


class GreedyPlanner:
    """Asks for all it carries at every stop (the server admits what fits)."""

    name = "greedy"

    def __init__(self, scenario: Scenario) -> None:
        self.static_amounts = [[float("inf")] * len(a.route) for a in scenario.agvs]

    def decide(self, obs: Observation) -> float:
        return obs.remaining_kb

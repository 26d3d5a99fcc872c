"""A seeded random baseline: asks for a uniform share of what it carries."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.sim.observation import Observation


class RandomPlanner:
    """At every stop asks for ``u * remaining`` with ``u ~ U[0, 1]`` (seeded, per scenario).

    Each instance restarts its stream, so the same seed gives the same episode."""

    name = "random"

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.rng = Seeding.rng(seed, "random-planner", scenario.name)

    def decide(self, obs: Observation) -> float:
        return float(self.rng.random()) * obs.remaining_kb

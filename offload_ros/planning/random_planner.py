"""A seeded random baseline: asks for a uniform share of what it carries."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.sim.observation import Observation


class RandomPlanner:
    """At every stop asks for ``u * remaining`` with ``u ~ U[0, 1]`` (seeded, per scenario
    and AGV).

    Each AGV draws from a stream of its own, so its k-th decision gets the same ``u`` whether
    one process decides for the whole fleet (the simulator) or each AGV's policy node for
    that AGV alone (the live fleet). Each instance restarts its streams, so the same seed
    gives the same episode."""

    name = "random"

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.rngs = {a.id: Seeding.rng(seed, "random-planner", scenario.name, a.id)
                     for a in scenario.agvs}

    def decide(self, obs: Observation) -> float:
        return float(self.rngs[obs.agv_id].random()) * obs.remaining_kb

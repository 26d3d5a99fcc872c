"""AIGC baseline: least expected finish time (greedy).

Each task goes to the edge server with the smallest estimated finish time from what the AGV
sees (:class:`AigcObservation`: its radio rate to each ES with the ES's current uploads, the
compute the ES owes, this task's compute and download there). Every AGV decides alone, so AGVs
deciding in the same epoch may all pick the same ES: what a learned, coordinated policy can do
better."""

from __future__ import annotations

import numpy as np

from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcGreedyPlanner:
    name = "greedy"

    def __init__(self, seed: int = 0) -> None:
        del seed   # deterministic

    def act(self, obs: AigcObservation) -> np.ndarray:
        return obs.least(obs.eft_s)

"""AIGC baseline: every task goes to the nearest edge server that is not full."""

from __future__ import annotations

import numpy as np

from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcNearestPlanner:
    """Nearest by floor distance at the moment of placing (the best radio link)."""

    name = "nearest"

    def __init__(self, seed: int = 0) -> None:
        del seed   # deterministic

    def act(self, obs: AigcObservation) -> np.ndarray:
        return obs.least(obs.distance_m)

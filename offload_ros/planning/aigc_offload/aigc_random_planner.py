"""AIGC baseline: every task goes to an edge server drawn uniformly among those not full."""

from __future__ import annotations

import numpy as np

from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcRandomPlanner:
    """Seeded per episode (``seed``), so the same seed gives the same episode."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.rng = Seeding.rng(seed, "aigc-random-planner")

    def act(self, obs: AigcObservation) -> np.ndarray:
        out = np.zeros(len(obs.active), np.int64)
        for i in np.flatnonzero(obs.active):
            open_ = np.flatnonzero(np.isfinite(obs.eft_s[i]))
            if len(open_):
                out[i] = 1 + int(open_[self.rng.integers(len(open_))])
        return out

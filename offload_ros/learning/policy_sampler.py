"""Sampling a rollout's actions from an actor."""

from __future__ import annotations

import numpy as np
import torch

from offload_ros.learning.mlp_network import MlpNetwork


class PolicySampler:
    """Samples actions from an actor for a rollout (NumPy generator: seeded, reproducible)."""

    def __init__(self, actor: MlpNetwork, rng: np.random.Generator) -> None:
        self.actor, self.rng = actor, rng

    def __call__(self, x: np.ndarray, states=None) -> np.ndarray:
        with torch.no_grad():
            p = torch.softmax(self.actor(torch.from_numpy(x)), 1).numpy()
        u = self.rng.random(len(x))[:, None]
        return np.minimum((np.cumsum(p, 1) < u).sum(1), p.shape[1] - 1)

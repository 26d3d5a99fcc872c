"""A trained AIGC offloading policy acting on observations (decentralised: each AGV's action
comes from its own observation row)."""

from __future__ import annotations

import numpy as np

from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcPolicy:
    """``sample``: draw from the actor's distribution (seeded per episode) instead of taking
    its most probable action; independent DQN always takes its best Q value."""

    def __init__(self, checkpoint: AigcCheckpoint, seed: int = 0, sample: bool = False,
                 network=None) -> None:
        self.checkpoint = checkpoint
        self.net = network if network is not None else checkpoint.decider_network()
        self.layers = self.net.numpy_layers()
        self.rng = Seeding.rng(seed, "aigc-policy") if sample else None
        self.name = checkpoint.algo

    @staticmethod
    def masks(obs: AigcObservation) -> np.ndarray:
        """``[agv, 1 + es]``: hold always; an ES when there is a task and it is not full."""
        mask = np.zeros((len(obs.active), obs.eft_s.shape[1] + 1), bool)
        mask[:, 0] = True
        mask[:, 1:] = obs.active[:, None] & np.isfinite(obs.eft_s)
        return mask

    def act(self, obs: AigcObservation) -> np.ndarray:
        if obs.eft_s.shape[1] != self.checkpoint.n_es:
            raise LearningError(f"policy {self.name!r} was trained for {self.checkpoint.n_es} "
                                f"edge servers; this factory has {obs.eft_s.shape[1]}")
        mask = self.masks(obs)
        if self.checkpoint.decider == "actor":
            return self.net.numpy_act(obs.features, mask, self.rng, self.layers)
        q = MlpNetwork.numpy_forward(self.layers, obs.features.astype(np.float64))
        return np.where(mask, q, -np.inf).argmax(1)

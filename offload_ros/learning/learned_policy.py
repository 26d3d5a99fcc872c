"""A trained actor as a simulator policy: features → network → the best action's amount."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from offload_ros.learning.checkpoint_reader import CheckpointReader
from offload_ros.model.scenario import Scenario
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation import Observation
from offload_ros.sim.observation_features import ObservationFeatures

if TYPE_CHECKING:
    from offload_ros.learning.checkpoint import Checkpoint


class LearnedPolicy:
    """Greedy in the network's output (the most probable action, or the highest Q). Runs the
    forward pass in NumPy: a decision costs tens of microseconds, no torch call (given its
    ``layers``, e.g. from ``CheckpointReader``, it needs no torch at all)."""

    def __init__(self, scenario: Scenario, checkpoint: Checkpoint | CheckpointReader | None,
                 name: str | None = None,
                 layers: list[tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.name = name or checkpoint.algo
        self.checkpoint = checkpoint
        self.features = ObservationFeatures(scenario)
        self.layers = layers if layers is not None else \
            checkpoint.network(checkpoint.decider).numpy_layers()
        self.counts = [0] * ActionSet.size()

    def action(self, obs: Observation) -> int:
        out = CheckpointReader.forward(self.layers, self.features(obs))
        a = int(np.argmax(out))
        self.counts[a] += 1
        return a

    def decide(self, obs: Observation) -> float:
        return ActionSet.amount(self.action(obs), obs)

"""What the MCOO, DQN and AC trainers share: their inputs, the actor network and the
training run (budget, validation, logs, checkpoints)."""

from __future__ import annotations

from pathlib import Path

from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.learning.training_run import TrainingRun
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures


class Trainer:
    """Base of the trainers: ``run()`` trains and returns the checkpoint's path."""

    def __init__(self, config: TrainingConfig, family: ScenarioFamily, out: Path, *,
                 progress: bool = True, resume: Checkpoint | None = None) -> None:
        self.config = config.resolved()
        self.family, self.out, self.progress, self.resume = family, Path(out), progress, resume

    @staticmethod
    def actor_network(cfg: TrainingConfig) -> MlpNetwork:
        """The decentralised actor: a decision's features in, a logit per action out,
        starting with a preference for the default action (the plan)."""
        return MlpNetwork(ObservationFeatures.SIZE, ActionSet.size(), cfg.hidden) \
            .prefer(ActionSet.DEFAULT, cfg.default_logit)

    def training_run(self) -> TrainingRun:
        return TrainingRun(self.config, self.family, self.out, self.progress, self.resume)

    def run(self) -> Path:
        raise NotImplementedError

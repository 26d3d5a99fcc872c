"""Trainers by algorithm name."""

from __future__ import annotations

from pathlib import Path

from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.train_ac import TrainAc
from offload_ros.learning.train_dqn import TrainDqn
from offload_ros.learning.train_mcoo import TrainMcoo
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario_family import ScenarioFamily

TRAINERS = {"mcoo": TrainMcoo, "dqn": TrainDqn, "ac": TrainAc}


class TrainerRegistry:
    @staticmethod
    def make(config: TrainingConfig, family: ScenarioFamily, out: Path, *, progress: bool = True,
             resume: Checkpoint | None = None, init: Checkpoint | None = None):
        return TRAINERS[config.algo](config, family, out, progress=progress, resume=resume,
                                     init=init)

"""A learned policy trained for one factory inside an experiment (``--train-s``), as its owner
would train it: ``offload-ros train --algo ALGO --scenarios FACTORY.yaml`` with that
algorithm's defaults (MCOO: the searched plan as teacher, then A3C with difference rewards on
nominal and ±5 s / ±1 % disturbed episodes) and a stated wall-clock budget, the teacher's
search included. The factory is trained as its file states it, without the experiment's
noise: evaluation draws stay unseen."""

from __future__ import annotations

import csv
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.learning.errors import LearningError
from offload_ros.learning.trainer_registry import TrainerRegistry
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily

#: curve points per run (validation every budget / this)
CURVE_POINTS = 8


@dataclass(frozen=True)
class FactoryTraining:
    """``checkpoint(algo, scenario, seed)`` → the path of a model trained for that factory;
    each run lives in ``root/<fingerprint>-h<horizon>/<algo>-seed<seed>-<budget>s/`` with its
    scenario file, ``training.csv`` and ``done.json``, and is reused when asked again (an
    interrupted run, without ``done.json``, is trained again)."""

    budget_s: float
    root: Path

    def __post_init__(self) -> None:
        if self.budget_s <= 0:
            raise EvaluationError(f"--train-s: must be > 0, got {self.budget_s:g}")

    def folder(self, algo: str, scenario: Scenario, seed: int) -> Path:
        return Path(self.root) / f"{scenario.fingerprint()}-h{scenario.horizon_s:g}" / \
            f"{algo}-seed{seed}-{self.budget_s:g}s"

    def checkpoint(self, algo: str, scenario: Scenario, seed: int = 0) -> Path:
        folder = self.folder(algo, scenario, seed)
        done = folder / "done.json"
        if done.is_file():
            return folder / "policy.pt"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "scenario.yaml"
        path.write_text(dataclasses.replace(scenario, disturbance=None).to_yaml())
        config = TrainingConfig(algo=algo, minutes=self.budget_s / 60.0, seed=seed,
                                eval_every_s=self.budget_s / CURVE_POINTS)
        try:
            trainer = TrainerRegistry.make(config, ScenarioFamily(scenarios=str(path)), folder,
                                           progress=False)
            policy = trainer.run()
        except LearningError as err:
            raise EvaluationError(f"training {algo} (seed {seed}) for {path}: {err}") from err
        done.write_text(json.dumps({"algo": algo, "seed": seed, "budget_s": self.budget_s,
                                    "imitation": trainer.imitation}) + "\n")
        return policy

    @staticmethod
    def curve(folder: Path) -> list[dict[str, float]]:
        """A training run's curve, its ``training.csv`` in ``folder`` (beside ``policy.pt``)."""
        with (Path(folder) / "training.csv").open() as fh:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]

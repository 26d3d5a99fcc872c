"""``train``: MCOO, DQN and AC on a factory family; AMARL, concat and IDQN
(``--algo amarl|concat|idqn``) on the AIGC offloading game, with a parser of their own."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Sequence

from offload_ros.cli.command import Command
from offload_ros.learning.aigc_offload.aigc_training_config import (
    AIGC_ALGORITHMS,
    AigcTrainingConfig,
)
from offload_ros.learning.errors import LearningError
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.scenario_family import ScenarioFamily


class TrainCommand(Command):
    """Trains a policy; AIGC offloading algorithms have a parser of their own."""

    commands = ("train",)

    def train_parser(self, sub) -> None:
        t = sub.add_parser("train", help="train a policy (mcoo, dqn, ac; AIGC offloading: "
                           "amarl, concat, idqn) on a factory family",
                           description="Train a policy. Training factories come from the family "
                           "(--scenarios and the random-factory knobs); validation uses other "
                           "training seeds, never the evaluation ones. Writes policy.pt, "
                           "training.csv and tensorboard/ under --out. The AIGC offloading "
                           "algorithms (--algo amarl|concat|idqn) have flags of their own: "
                           "see `offload-ros train --algo amarl --help`.")
        ConfigSchema(TrainingConfig).add_arguments(t)
        ConfigSchema(ScenarioFamily).add_arguments(t)
        t.add_argument("--out", type=Path, help="output folder (default: out/train/ALGO)")
        t.add_argument("--resume", type=Path, help="continue from this checkpoint (its "
                       "factory family and weights; the budget is --minutes more)")
        t.add_argument("--init", type=Path, help="start from this checkpoint's weights "
                       "(fine-tuning: e.g. the shipped generalist models/mcoo/policy.pt on "
                       "your factory); its family, curve and optimizer are not taken")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        t.set_defaults(run=self.train)

    @staticmethod
    def aigc_parser() -> argparse.ArgumentParser:
        t = argparse.ArgumentParser(
            prog="offload-ros train",
            description="Train an AIGC offloading policy (AMARL: decentralised actors with a "
            "multi-head attention critic; concat: the same with a concatenation critic; idqn: "
            "independent DQN) on random factories with agvs-min..agvs-max AGVs. Writes "
            "policy.pt, training.csv and tensorboard/ under --out.")
        ConfigSchema(AigcTrainingConfig).add_arguments(t)
        t.add_argument("--out", type=Path, help="output folder (default: out/train/ALGO)")
        t.add_argument("--resume", type=Path, help="continue from this checkpoint (its config "
                       "and weights; the replay buffer starts empty; --minutes more)")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        return t

    @staticmethod
    def is_aigc(argv: Sequence[str]) -> bool:
        """Whether ``argv`` is ``train --algo amarl|concat|idqn ...``."""
        if not argv or argv[0] != "train":
            return False
        for k, arg in enumerate(argv):
            if arg == "--algo" and k + 1 < len(argv):
                return argv[k + 1] in AIGC_ALGORITHMS
            if arg.startswith("--algo="):
                return arg.split("=", 1)[1] in AIGC_ALGORITHMS
        return False

    def parse_aigc(self, argv: Sequence[str]) -> argparse.Namespace:
        args = self.aigc_parser().parse_args(argv)
        args.run = self.train_aigc
        return args

    @staticmethod
    def resumable(checkpoint, path: Path, algo: str):
        """``checkpoint`` if ``--algo`` may continue it."""
        if checkpoint.algo != algo:
            raise LearningError(f"{path}: a {checkpoint.algo!r} checkpoint cannot resume "
                                f"--algo {algo}")
        return checkpoint

    def train(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(TrainingConfig).from_namespace(args)
        family = ConfigSchema(ScenarioFamily).from_namespace(args)
        resume = init = None
        from offload_ros.learning.checkpoint import Checkpoint
        if args.resume and args.init:
            raise LearningError("--resume and --init: give one (--resume continues a run, "
                                "--init starts a new one from its weights)")
        if args.resume:
            resume = self.resumable(Checkpoint.load(args.resume), args.resume, config.algo)
            family = ScenarioFamily(**resume.family)
        if args.init:
            init = Checkpoint.load(args.init)
        if not family.is_random:
            family.files()  # a missing file is a usage error before any work
        from offload_ros.learning.trainer_registry import TrainerRegistry
        out = args.out or Path("out/train") / config.algo
        trainer = TrainerRegistry.make(config, family, out, progress=not args.quiet,
                                       resume=resume, init=init)
        path = trainer.run()
        ck = Checkpoint.load(path)
        last = ck.curve[-1]
        if trainer.imitation:
            im = trainer.imitation
            print(f"imitation: the searched plan is {im['teacher_gain']:.4f} x greedy on its "
                  f"episodes; the actor matches {im['accuracy']:.1%} of its "
                  f"{im['samples']:,.0f} decisions")
        kept = max(ck.curve, key=lambda r: r["val_vs_greedy"]) \
            if trainer.config.keep == "best" else last
        print(f"wrote {path} and {path.parent / 'training.csv'} (TensorBoard: "
              f"{path.parent / 'tensorboard'}); {last['episodes']} episodes in "
              f"{last['wall_s']:.0f} s; validation {kept['val_kb_per_h']:,.0f} kB/h = "
              f"{kept['val_vs_greedy']:.4f} x greedy"
              + (f" (the best point, at {kept['wall_s']:.0f} s, is kept)"
                 if trainer.config.keep == "best" else ""))
        return 0

    def train_aigc(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(AigcTrainingConfig).from_namespace(args)
        from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
        resume = None
        if args.resume:
            resume = self.resumable(AigcCheckpoint.load(args.resume), args.resume, config.algo)
            config = dataclasses.replace(resume.training_config(), minutes=config.minutes)
        from offload_ros.learning.aigc_offload.train_amarl import TrainAmarl
        from offload_ros.learning.aigc_offload.train_idqn import TrainIdqn
        trainer = TrainIdqn if config.algo == "idqn" else TrainAmarl
        out = args.out or Path("out/train") / config.algo
        path = trainer(config, out, progress=not args.quiet, resume=resume).run()
        last = AigcCheckpoint.load(path).curve[-1]
        print(f"wrote {path} and {path.parent / 'training.csv'} (TensorBoard: "
              f"{path.parent / 'tensorboard'}); {last['episodes']:.0f} episodes in "
              f"{last['wall_s']:.0f} s; validation latency {last['val_latency_s']:.2f} s = "
              f"{last['val_latency_vs_greedy']:.3f} x greedy, completion "
              f"{last['val_completion']:.3f}")
        return 0

"""The ``offload-ros`` command: a parser assembled from one module per command group.

Bad input (a scenario that does not validate, an unknown policy, a bad flag) prints one line
on stderr and exits with code 2; a failure while running exits with 1; Ctrl-C exits with
130.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Sequence

from offload_ros import __version__
from offload_ros.aigc.errors import AigcError
from offload_ros.bag.errors import BagError
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.learning.errors import LearningError
from offload_ros.model.errors import ModelError
from offload_ros.planning.errors import PlanningError
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.errors import SimError

if TYPE_CHECKING:
    from offload_ros.cli.command import Command

USAGE_ERRORS = (ModelError, PlanningError, EvaluationError, LearningError, AigcError,
                NodeError, BagError)
#: the command groups as ``module.Class`` under ``offload_ros.cli``, imported when built
GROUPS = ("simulate_command.SimulateCommand", "experiment_command.ExperimentCommand",
          "scenario_command.ScenarioCommand", "bench_command.BenchCommand",
          "train_command.TrainCommand", "aigc_command.AigcCommand",
          "demo_command.DemoCommand", "bag_command.BagCommand", "config_command.ConfigCommand")
#: commands parsed by their own group alone: a fleet node (``offload-ros node``) starts
#: without importing what the other groups need (torch, scipy, matplotlib)
LEAN = {"node": "demo_command.DemoCommand"}
#: the order of the commands in ``offload-ros --help``
ORDER = ("simulate", "compare", "experiment", "headroom", "scenario", "plan", "bound", "bench",
         "train", "aigc", "demo", "node", "bag", "config")


class Cli:
    """Builds the parser from the command groups and runs one command."""

    def __init__(self, only: str | None = None) -> None:
        """``only``: one of ``LEAN``, parsed without the other command groups."""
        if only is not None:
            group = self.group(LEAN[only])
            self.groups: list[Command] = [group]
            self.owner = {only: group}
            self.trainer = None
            self.parser = self._parser((only,))
            return
        self.groups = [self.group(g) for g in GROUPS]
        self.owner = {name: g for g in self.groups for name in g.commands}
        if sorted(self.owner) != sorted(ORDER) or \
                sum(len(g.commands) for g in self.groups) != len(ORDER):
            raise RuntimeError(f"command groups own {sorted(self.owner)}, the help lists "
                               f"{sorted(ORDER)}")
        self.trainer = self.owner["train"]
        self.parser = self._parser(ORDER)

    @staticmethod
    def group(spec: str) -> Command:
        module, _, name = spec.partition(".")
        return getattr(importlib.import_module(f"offload_ros.cli.{module}"), name)()

    def _parser(self, names: Sequence[str]) -> argparse.ArgumentParser:
        p = argparse.ArgumentParser(
            prog="offload-ros",
            description="Learned task offloading for factory AGV fleets and edge servers.")
        p.add_argument("--version", action="version", version=f"offload-ros {__version__}")
        sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
        for name in names:
            self.owner[name].add_parser(sub, name)
        return p

    def parse(self, argv: Sequence[str]) -> argparse.Namespace:
        """``train --algo amarl|concat|idqn`` has a parser of its own (its flags differ)."""
        if self.trainer is not None and self.trainer.is_aigc(argv):
            return self.trainer.parse_aigc(argv[1:])
        return self.parser.parse_args(argv)

    def main(self, argv: Sequence[str] | None = None) -> int:
        args = self.parse(list(sys.argv[1:] if argv is None else argv))
        try:
            return args.run(args)
        except USAGE_ERRORS as err:
            print(f"offload-ros: error: {err}", file=sys.stderr)
            return 2
        except SimError as err:
            print(f"offload-ros: simulation failed: {err}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # e.g. piped into head
            return 0
        except KeyboardInterrupt:  # Ctrl-C: the shell's code for SIGINT, no traceback
            print("offload-ros: interrupted", file=sys.stderr)
            return 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return Cli(argv[0] if argv[:1] and argv[0] in LEAN else None).main(argv)

"""The base of every command group: the top-level commands a group owns, and what their
handlers share (scenario lookup, console, progress bars, the shipped diffusion model)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario


class Command:
    """A command group, after ros2cli's command extensions: ``commands`` names the top-level
    commands it owns, ``<command>_parser(sub)`` adds each one's parser (flags built from the
    components' dataclasses) and binds its handler; a handler takes the parsed arguments and
    returns the exit code."""

    commands: tuple[str, ...] = ()
    #: the width of tables written off a terminal
    LOG_COLUMNS = 160
    #: the most often a progress bar writes a line off a terminal [s]
    LOG_PROGRESS_S = 30.0

    def add_parser(self, sub, command: str) -> None:
        getattr(self, f"{command.replace('-', '_')}_parser")(sub)

    @staticmethod
    def load(name: str) -> Scenario:
        return Scenario.load(PackagePaths.find_scenario(name))

    @staticmethod
    def scenario_path(name: str) -> Path:
        return PackagePaths.find_scenario(name)

    @staticmethod
    def console():
        """A rich console on stdout. Off a terminal (a log file, a pipe, CI) it is
        ``LOG_COLUMNS`` wide unless ``COLUMNS`` says otherwise, so that a table's figures are
        not folded over lines as at rich's default of 80."""
        from rich.console import Console
        on_terminal = sys.stdout.isatty() or "COLUMNS" in os.environ
        return Console(width=None if on_terminal else Command.LOG_COLUMNS)

    @staticmethod
    def bar(total: int, desc: str, unit: str, quiet: bool = False):
        """A progress bar on stderr. Off a terminal (a log file, ``nohup``, CI) it is a line of
        its own at most every ``LOG_PROGRESS_S`` seconds and at the end, so that a long run's
        log says how far it got; none with ``quiet``."""
        from tqdm import tqdm
        if quiet or sys.stderr.isatty():
            return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=quiet)
        return tqdm(total=total, desc=desc, unit=unit, file=_Lines(sys.stderr), ascii=True,
                    ncols=100, mininterval=Command.LOG_PROGRESS_S)

    @staticmethod
    def aigc_model(folder: Path | None):
        from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
        return DefectDiffusionModel.load(folder or PackagePaths.share() / "models" / "aigc")


class _Lines:
    """What a progress bar writes to, off a terminal: each redraw becomes a line of its own
    instead of overwriting the last with a carriage return."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

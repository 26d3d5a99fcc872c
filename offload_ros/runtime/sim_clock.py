"""Sim time at a chosen time scale: ``now() = (wall - epoch) * scale``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from offload_ros.runtime.errors import NodeError


@dataclass(frozen=True)
class SimClockConfig:
    """The run's clock (ROS parameters of ``sim_clock``)."""

    time_scale: float = field(default=60.0, metadata={
        "help": "sim seconds per wall second"})
    clock_period_s: float = field(default=0.05, metadata={
        "help": "publish /clock this often", "unit": "s of wall time"})

    def __post_init__(self) -> None:
        if not self.time_scale > 0:
            raise NodeError(f"time_scale: must be > 0, got {self.time_scale!r}")


class SimClock:
    """Starts when :meth:`start` is called (or at a given wall ``epoch``); before that
    ``now()`` is 0. :meth:`sync` sets the epoch from a received /clock time, so every process
    that heard the clock once runs on the same sim time without a message per tick."""

    def __init__(self, time_scale: float = 60.0, epoch: float | None = None,
                 wall=time.time) -> None:
        if not time_scale > 0:
            raise NodeError(f"time_scale: must be > 0, got {time_scale!r}")
        self.scale, self.epoch, self.wall = time_scale, epoch, wall

    @property
    def started(self) -> bool:
        return self.epoch is not None

    def start(self, sim_time: float = 0.0) -> "SimClock":
        self.epoch = self.wall() - sim_time / self.scale
        return self

    def sync(self, sim_time: float) -> None:
        """A /clock message said ``sim_time``: follow it (only ever forwards)."""
        if self.epoch is None or sim_time > self.now():
            self.start(sim_time)

    def now(self) -> float:
        return 0.0 if self.epoch is None else (self.wall() - self.epoch) * self.scale

    def wall_until(self, sim_time: float) -> float:
        """Wall seconds until ``sim_time`` (0 if past; inf before the clock started)."""
        if self.epoch is None:
            return float("inf")
        return max(0.0, self.epoch + sim_time / self.scale - self.wall())

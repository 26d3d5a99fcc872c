"""The optional ``disturbance:`` section of a scenario: seeded timing noise.

A factory never runs exactly to its file: AGVs leave a few seconds early or late, a leg takes
a little longer when a forklift crosses, a server slows under other load. The section states
how much (uniform, symmetric bounds); :meth:`Disturbance.draw` turns a noise seed into one
episode's values, drawn once per episode (``Seeding``, stream ``"disturbance"``): a start
offset per AGV, a factor per leg of every route, a factor per edge server's rate. With no
section, or all zeros, nothing moves and the simulator is the exact DESIGN.md contract.

A policy only ever sees the state (what the disturbed episode shows: arrival times, the
server's current rate), never the draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from offload_ros.model.seeding import Seeding

if TYPE_CHECKING:
    from offload_ros.model.scenario import Scenario


@dataclass(frozen=True)
class DisturbanceDraw:
    """One episode's noise: ``start_offset_s[m]`` per AGV, ``leg_factor[m][k]`` per leg of
    AGV m's cycle (start→stop 0, …, last stop→start), ``rate_factor[i]`` per edge server."""

    start_offset_s: tuple[float, ...]
    leg_factor: tuple[tuple[float, ...], ...]
    rate_factor: tuple[float, ...]


@dataclass(frozen=True)
class Disturbance:
    """Every field is optional in YAML (0: no noise of that kind)."""

    start_jitter_s: float = field(default=0.0, metadata={
        "kind": "number", "check": "nonnegative", "unit": "s",
        "help": "each AGV starts up to this much earlier or later (never before 0)"})
    leg_time_variation: float = field(default=0.0, metadata={
        "kind": "number", "check": "nonnegative",
        "help": "each leg's driving time varies by up to this fraction, either way (0.01: "
                "±1 %); drawn per leg, the same every cycle of the episode"})
    rate_variation: float = field(default=0.0, metadata={
        "kind": "number", "check": "nonnegative",
        "help": "each edge server's rate varies by up to this fraction, either way"})

    def problems(self) -> list[tuple[str, str]]:
        """Cross-field problems as ``(field, message)`` (ranges are the scenario's checks)."""
        out = []
        for name in ("leg_time_variation", "rate_variation"):
            v = getattr(self, name)
            if isinstance(v, (int, float)) and v >= 1:
                out.append((name, f"must be < 1 (a fraction of the nominal value), got {v:g}"))
        return out

    def describe(self) -> str:
        """E.g. "±5 s start, ±1 % legs, ±0 % rates" (for tables and titles)."""
        return (f"±{self.start_jitter_s:g} s start, ±{100 * self.leg_time_variation:g} % legs, "
                f"±{100 * self.rate_variation:g} % rates")

    @property
    def active(self) -> bool:
        return bool(self.start_jitter_s or self.leg_time_variation or self.rate_variation)

    def draw(self, scenario: "Scenario", seed: int) -> DisturbanceDraw:
        """The noise of episode ``seed`` for ``scenario`` (the same seed, the same draw)."""
        rng = Seeding.rng(seed, "disturbance")
        agvs, ess = scenario.agvs, scenario.edge_servers
        starts = rng.uniform(-1.0, 1.0, len(agvs)) * self.start_jitter_s
        legs = [rng.uniform(-1.0, 1.0, len(a.route) + 1) * self.leg_time_variation + 1.0
                for a in agvs]
        rates = rng.uniform(-1.0, 1.0, len(ess)) * self.rate_variation + 1.0
        return DisturbanceDraw(
            tuple(max(-a.start_time_s, float(s)) for a, s in zip(agvs, starts)),
            tuple(tuple(float(f) for f in leg) for leg in legs),
            tuple(float(r) for r in rates))

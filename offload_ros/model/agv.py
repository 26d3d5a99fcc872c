"""An automated guided vehicle (AGV) with its cyclic route."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Agv:
    """One AGV: it loads ``load_kb`` at ``start``, drives its route of edge servers, hands its
    work over on the way and back at ``start`` begins its next cycle.

    ``speed_mps`` of ``None`` takes the scenario's speed. ``plan_kb`` (one amount per stop) is
    what the ``fixed`` policy asks for at each stop but the last.
    """

    id: str = field(metadata={"kind": "id", "help": "unique name of the AGV"})
    start: tuple[float, float] = field(
        metadata={"kind": "position", "unit": "m", "help": "where each cycle starts and ends"})
    route: tuple[str, ...] = field(
        metadata={"kind": "id_list", "help": "edge server ids visited in order each cycle"})
    load_kb: float = field(
        metadata={"kind": "number", "check": "positive", "unit": "kB",
                  "help": "work picked up at the start of every cycle"})
    start_time_s: float = field(
        default=0.0,
        metadata={"kind": "number", "check": "nonnegative", "unit": "s",
                  "help": "when the first cycle starts"})
    speed_mps: float | None = field(
        default=None,
        metadata={"kind": "number", "check": "positive", "unit": "m/s", "optional": True,
                  "help": "driving speed (default: the scenario's speed_mps)"})
    plan_kb: tuple[float, ...] | None = field(
        default=None,
        metadata={"kind": "number_list", "check": "nonnegative", "unit": "kB", "optional": True,
                  "help": "amount per stop for the fixed policy (one per route entry)"})

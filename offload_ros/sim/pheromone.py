"""Pheromones: messages an AGV leaves at an edge server after losing capacity there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pheromone:
    """Left at ``es`` by AGV ``agv`` when a shortfall there made it wait at its last stop (or
    when ``es`` is that shared last stop itself).

    ``need_kb`` is the space it lacked (the smaller of its shortfall at ``es`` and the excess
    it had to wait with); ``wait_s`` its expected wait at the door of its last stop (what the
    queue there holds, itself included, over that server's rate ``door_rate_kb_per_s``).
    ``returns_s`` is when it expects to be at ``es`` again (after that wait, one no-wait
    cycle on), ``cycle_s`` its cycle time without waiting. It lies until ``expires_s``.
    """

    agv: int
    agv_id: str
    es: int
    time_s: float
    need_kb: float
    wait_s: float
    door_rate_kb_per_s: float
    returns_s: float
    cycle_s: float
    expires_s: float

"""An edge server (ES) of the factory."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EdgeServer:
    """One edge server: where it stands, how fast it works and how much it can hold.

    The metadata of each field is the single source of its documentation and of the check the
    scenario loader applies (``kind``: the YAML shape; ``check``: the range).
    """

    id: str = field(metadata={"kind": "id", "help": "unique name of the edge server"})
    position: tuple[float, float] = field(
        metadata={"kind": "position", "unit": "m", "help": "x, y position on the factory floor"})
    rate_kb_per_min: float = field(
        metadata={"kind": "number", "check": "positive", "unit": "kB/min",
                  "help": "processing rate; the backlog is worked off first in, first out"})
    capacity_kb: float = field(
        metadata={"kind": "number", "check": "positive", "unit": "kB",
                  "help": "most admitted, unfinished work it can hold (its backlog)"})

    @property
    def rate_kb_per_s(self) -> float:
        return self.rate_kb_per_min / 60.0

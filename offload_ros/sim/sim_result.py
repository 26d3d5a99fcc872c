"""What one simulated episode reports (DESIGN.md rule 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offload_ros.sim.errors import SimError


@dataclass(frozen=True)
class AgvResult:
    cycles: int            # returns to start within the horizon
    wait_s: float          # time at doors, arrival to leaving (cut at the horizon)
    delivered_kb: float    # admitted by servers within the horizon
    loaded_kb: float       # picked up at cycle starts within the horizon
    carried_kb: float      # still on board at the horizon
    waits: int             # door waits begun


@dataclass(frozen=True)
class EsResult:
    processed_kb: float    # finished within the horizon
    backlog_kb: float      # admitted, unfinished at the horizon
    door_queue: int        # AGVs waiting at the horizon
    pheromones: int        # unexpired pheromones lying there at the horizon


@dataclass(frozen=True)
class SimResult:
    """One episode's outcome. :meth:`to_json` is the ``simulate --json`` contract."""

    scenario: str
    policy: str
    horizon_s: float
    agv_ids: tuple[str, ...]
    es_ids: tuple[str, ...]
    agvs: dict[str, AgvResult]
    edge_servers: dict[str, EsResult]
    decisions: int
    pheromones_left: int
    trace: Any = field(default=None, repr=False, compare=False)

    @property
    def processed_kb(self) -> float:
        return sum(e.processed_kb for e in self.edge_servers.values())

    @property
    def backlog_kb(self) -> float:
        return sum(e.backlog_kb for e in self.edge_servers.values())

    @property
    def delivered_kb(self) -> float:
        return sum(a.delivered_kb for a in self.agvs.values())

    @property
    def loaded_kb(self) -> float:
        return sum(a.loaded_kb for a in self.agvs.values())

    @property
    def carried_kb(self) -> float:
        return sum(a.carried_kb for a in self.agvs.values())

    @property
    def wait_s(self) -> float:
        return sum(a.wait_s for a in self.agvs.values())

    @property
    def cycles(self) -> int:
        return sum(a.cycles for a in self.agvs.values())

    @property
    def processed_kb_per_h(self) -> float:
        return self.processed_kb * 3600.0 / self.horizon_s

    def conservation(self) -> dict[str, float]:
        """Residuals of loaded = delivered + carried and delivered = processed + backlog."""
        return {"loaded_minus_delivered_carried": self.loaded_kb - self.delivered_kb
                - self.carried_kb,
                "delivered_minus_processed_backlog": self.delivered_kb - self.processed_kb
                - self.backlog_kb}

    def check_conservation(self, tol_kb: float = 1e-6) -> None:
        scale = max(1.0, self.loaded_kb)
        for name, residual in self.conservation().items():
            if abs(residual) > tol_kb * scale:
                raise SimError(f"work not conserved in {self.scenario!r} under "
                               f"{self.policy!r}: {name} = {residual:.3g} kB")

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "horizon_s": self.horizon_s,
            "processed_kb": self.processed_kb,
            "delivered_kb": self.delivered_kb,
            "loaded_kb": self.loaded_kb,
            "carried_kb": self.carried_kb,
            "processed_kb_per_h": self.processed_kb_per_h,
            "wait_s": self.wait_s,
            "decisions": self.decisions,
            "agvs": {k: {"cycles": a.cycles, "wait_s": a.wait_s, "delivered_kb": a.delivered_kb,
                         "loaded_kb": a.loaded_kb, "carried_kb": a.carried_kb, "waits": a.waits}
                     for k, a in self.agvs.items()},
            "edge_servers": {k: {"processed_kb": e.processed_kb, "backlog_kb": e.backlog_kb,
                                 "door_queue": e.door_queue, "pheromones": e.pheromones}
                             for k, e in self.edge_servers.items()},
            "conservation": self.conservation(),
        }

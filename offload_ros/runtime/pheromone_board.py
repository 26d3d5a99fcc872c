"""The pheromones a node has heard, per edge server: what an AGV observes at a stop and what
the live policy node puts back into the simulator's state for a rollout."""

from __future__ import annotations

from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.pheromone import Pheromone
from offload_ros.sim.simulator import Simulator


class PheromoneBoard:
    """``add(msg)`` for each ``Pheromone`` message; ``seen(es_id, t, agv)`` the live ones at
    ``es_id`` left by others before ``agv``'s arrival at ``t``. Each server keeps the newest
    ``pheromones_per_es`` (the topic's QoS depth, and the simulator's rule); a message heard
    twice counts once."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.lists: dict[str, list[Pheromone]] = {}

    def add(self, msg: Any) -> bool:
        """Keep ``msg``; False if it was already here. Raises :class:`NodeError` for an
        unknown AGV or edge server."""
        sim = self.sim
        if msg.es_id not in sim.es_ids or msg.agv_id not in sim.agv_ids:
            raise NodeError(f"pheromone from {msg.agv_id!r} at {msg.es_id!r}: unknown AGV or "
                            f"edge server")
        ph = Pheromone(sim.agv_ids.index(msg.agv_id), msg.agv_id, sim.es_ids.index(msg.es_id),
                       MessageTypes.seconds(msg.header.stamp), msg.need_kb, msg.wait_s,
                       msg.door_rate_kb_per_s, msg.returns_s, msg.cycle_s, msg.expires_s)
        lst = self.lists.setdefault(msg.es_id, [])
        if ph in lst:
            return False
        lst.append(ph)
        if len(lst) > sim.config.pheromones_per_es:
            del lst[0]
        return True

    def seen(self, es_id: str, t: float, agv: int, *,
             own: bool = False) -> tuple[Pheromone, ...]:
        """The pheromones at ``es_id`` that AGV ``agv`` finds on arriving at ``t``: left
        before that arrival in the simulator's order (a pheromone is left at an arrival, so
        by time, then AGV), unexpired at ``t``; its own only with ``own``. A fleet that runs
        behind sim time may already have heard pheromones of later instants."""
        return tuple(p for p in self.lists.get(es_id, ())
                     if p.expires_s > t and (p.time_s, p.agv) < (t, agv)
                     and (own or p.agv != agv))

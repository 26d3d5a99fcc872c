"""What a policy sees when an AGV stops at an edge server that is not its route's last."""

from __future__ import annotations

from offload_ros.sim.pheromone import Pheromone


class Observation:
    """Local observation at a decision (DESIGN.md rule 3). All amounts in kB, times in s.

    Own state: ``agv`` (index in the file), ``agv_id``, ``time_s``, ``cycle`` (0-based),
    ``stop`` (index in the route), ``stops`` (route length), ``remaining_kb`` (what it
    carries), ``load_kb``, ``plan_kb`` (its Algorithm 1 amount for this stop).
    The server's: ``es`` (index), ``es_id``, ``backlog_kb``, ``free_kb`` (0 while an AGV waits
    at its door), ``capacity_kb``, ``rate_kb_per_min``, ``door_queue`` (AGVs waiting).
    ``pheromones``: unexpired pheromones at this server left by other AGVs.
    """

    __slots__ = ("agv", "agv_id", "time_s", "cycle", "stop", "stops", "remaining_kb",
                 "load_kb", "plan_kb", "es", "es_id", "backlog_kb", "free_kb", "capacity_kb",
                 "rate_kb_per_min", "door_queue", "pheromones")

    def __init__(self, agv: int, agv_id: str, time_s: float, cycle: int, stop: int, stops: int,
                 remaining_kb: float, load_kb: float, plan_kb: float, es: int, es_id: str,
                 backlog_kb: float, free_kb: float, capacity_kb: float, rate_kb_per_min: float,
                 door_queue: int, pheromones: tuple[Pheromone, ...]) -> None:
        self.agv = agv
        self.agv_id = agv_id
        self.time_s = time_s
        self.cycle = cycle
        self.stop = stop
        self.stops = stops
        self.remaining_kb = remaining_kb
        self.load_kb = load_kb
        self.plan_kb = plan_kb
        self.es = es
        self.es_id = es_id
        self.backlog_kb = backlog_kb
        self.free_kb = free_kb
        self.capacity_kb = capacity_kb
        self.rate_kb_per_min = rate_kb_per_min
        self.door_queue = door_queue
        self.pheromones = pheromones

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if k != "pheromones")
        return f"Observation({inner}, pheromones={len(self.pheromones)})"

"""Random factories after the MCOO paper's Table 2 ("Data set" paragraph)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from offload_ros.model.agv import Agv
from offload_ros.model.edge_server import EdgeServer
from offload_ros.model.errors import ModelError
from offload_ros.model.scenario import METRICS, Scenario, metric_distance
from offload_ros.model.seeding import Seeding

PAPER_RATES = (50.0, 60.0, 70.0, 80.0, 90.0)
PAPER_CAPACITIES = (100.0, 150.0, 180.0)
PAPER_LOADS = (200.0, 300.0, 500.0)


@dataclass(frozen=True)
class ScenarioGenerator:
    """Knobs of the random factory generator; defaults are the paper's Table 2.

    Edge servers stand on a 50 m grid, each 100-300 m from an earlier one and at least 100 m
    from all; each AGV's route visits ``route_min``-``route_max`` distinct servers, each leg
    preferring a server 100-300 m away; every route shares at least one server with another.
    """

    agvs: int = field(default=5, metadata={"help": "number of AGVs", "min": 1})
    es: int = field(default=6, metadata={"help": "number of edge servers", "min": 1})
    route_min: int = field(default=4, metadata={"help": "fewest stops per route", "min": 1})
    route_max: int = field(default=7, metadata={
        "help": "most stops per route (clipped to the number of edge servers)", "min": 1})
    rate_max: float = field(default=90.0, metadata={
        "help": "rate bound: ES rates are drawn from {50,60,70,80,90} kB/min up to this",
        "unit": "kB/min"})
    grid_m: float = field(default=50.0, metadata={"help": "grid pitch", "unit": "m"})
    gap_min_m: float = field(default=100.0, metadata={"help": "least ES spacing", "unit": "m"})
    gap_max_m: float = field(default=300.0, metadata={"help": "most ES spacing", "unit": "m"})
    speed_mps: float = field(default=5.0, metadata={"help": "AGV speed", "unit": "m/s"})
    horizon_s: float = field(default=3600.0, metadata={"help": "horizon", "unit": "s"})
    metric: str = field(default="manhattan", metadata={"help": "manhattan or euclidean"})

    def __post_init__(self) -> None:
        for name in ("agvs", "es", "route_min", "route_max"):
            if getattr(self, name) < 1:
                raise ModelError(f"must be >= 1, got {getattr(self, name)}", field=name)
        if self.route_min > self.route_max:
            raise ModelError(f"route_min {self.route_min} > route_max {self.route_max}",
                             field="route_min")
        if self.rate_max < PAPER_RATES[0]:
            raise ModelError(f"must be >= {PAPER_RATES[0]:g} kB/min (the lowest rate in the "
                             f"paper's set), got {self.rate_max:g}", field="rate_max")
        if not 0 < self.gap_min_m <= self.gap_max_m:
            raise ModelError("need 0 < gap_min_m <= gap_max_m", field="gap_min_m")
        if self.metric not in METRICS:
            raise ModelError(f"must be one of {', '.join(METRICS)}, not {self.metric!r}",
                             field="metric")
        if self.grid_m <= 0 or self.speed_mps <= 0 or self.horizon_s <= 0:
            raise ModelError("grid_m, speed_mps and horizon_s must be > 0", field="grid_m")

    def generate(self, seed: int) -> Scenario:
        rng = Seeding.rng(seed, "scenario-generator")
        dist = functools.partial(metric_distance, self.metric)
        positions = self._place_servers(rng, dist)
        rates = [r for r in PAPER_RATES if r <= self.rate_max]
        servers = tuple(
            EdgeServer(f"es{i + 1}", positions[i], float(rng.choice(rates)),
                       float(rng.choice(PAPER_CAPACITIES)))
            for i in range(self.es))
        routes = [self._route(rng, positions, dist) for _ in range(self.agvs)]
        self._share(rng, routes)
        agvs = []
        for m, route in enumerate(routes):
            start = self._start(rng, positions, positions[route[0]], dist)
            agvs.append(Agv(f"agv{m + 1}", start, tuple(servers[i].id for i in route),
                            float(rng.choice(PAPER_LOADS))))
        return Scenario(edge_servers=servers, agvs=tuple(agvs),
                        name=f"random_{self.agvs}agv_{self.es}es_s{seed}",
                        horizon_s=self.horizon_s, metric=self.metric, speed_mps=self.speed_mps)

    # ------------------------------------------------------------------ pieces
    def _offsets(self, dist) -> np.ndarray:
        steps = int(self.gap_max_m // self.grid_m)
        out = [(dx * self.grid_m, dy * self.grid_m)
               for dx in range(-steps, steps + 1) for dy in range(-steps, steps + 1)
               if self.gap_min_m <= dist((0.0, 0.0), (dx * self.grid_m, dy * self.grid_m))
               <= self.gap_max_m]
        return np.array(out)

    def _place_servers(self, rng: np.random.Generator, dist) -> list[tuple[float, float]]:
        offsets = self._offsets(dist)
        positions = [(0.0, 0.0)]
        while len(positions) < self.es:
            for _ in range(1000):
                base = positions[int(rng.integers(len(positions)))]
                dx, dy = offsets[int(rng.integers(len(offsets)))]
                cand = (base[0] + float(dx), base[1] + float(dy))
                if all(dist(cand, p) >= self.gap_min_m for p in positions):
                    positions.append(cand)
                    break
            else:  # pragma: no cover - the grid always has room for a new server
                raise ModelError("could not place edge servers", field="es")
        return positions

    def _route(self, rng: np.random.Generator, positions, dist) -> list[int]:
        hi = min(self.route_max, self.es)
        lo = min(self.route_min, hi)
        length = int(rng.integers(lo, hi + 1))
        route = [int(rng.integers(self.es))]
        while len(route) < length:
            here = positions[route[-1]]
            rest = [i for i in range(self.es) if i not in route]
            near = [i for i in rest if self.gap_min_m <= dist(here, positions[i]) <= self.gap_max_m]
            if near:
                route.append(int(rng.choice(near)))
            else:
                route.append(min(rest, key=lambda i: dist(here, positions[i])))
        return route

    def _share(self, rng: np.random.Generator, routes: list[list[int]]) -> None:
        """Make every route share at least one server with another route."""
        if len(routes) < 2:
            return
        for m, route in enumerate(routes):
            others = {i for k, r in enumerate(routes) if k != m for i in r}
            if not others & set(route):
                cand = sorted(others - set(route))
                route[int(rng.integers(len(route)))] = int(rng.choice(cand))

    def _start(self, rng: np.random.Generator, positions, first, dist) -> tuple[float, float]:
        offsets = self._offsets(dist)
        for _ in range(1000):
            dx, dy = offsets[int(rng.integers(len(offsets)))]
            cand = (first[0] + float(dx), first[1] + float(dy))
            if all(dist(cand, p) >= self.grid_m for p in positions):
                return cand
        return (first[0] + self.gap_min_m, first[1])  # pragma: no cover

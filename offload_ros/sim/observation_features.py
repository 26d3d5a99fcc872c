"""Observation → fixed-size feature vector for learned actors (any fleet, any route length).

Every feature is per stop and scaled to about [0, 1]; none is a one-hot of an AGV or server
id, so one network serves factories of 2-10 AGVs and routes of any length. Static route
features come from the scenario the AGV knows (its own route, the servers' rates and
capacities, how many routes pass a server and end there: what an edge server can announce).
"""

from __future__ import annotations

import numpy as np

from offload_ros.model.scenario import Scenario
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.observation import Observation

NAMES = (
    # static, per (AGV, stop)
    "stops_left_share", "room_ahead_per_load", "last_stop_room_per_load",
    "other_routes_here", "other_routes_ending_here", "cycle_per_10min",
    # dynamic
    "carried_per_load", "plan_per_load", "free_share", "backlog_share", "capacity_per_load",
    "drain_per_cycle", "door_queue", "plan_fits", "pheromones", "pheromone_need_share",
    "pheromone_wait_per_cycle", "pheromone_return_per_cycle", "time_share",
)


class ObservationFeatures:
    """``ObservationFeatures(scenario)(obs)`` → ``np.float32`` vector of :data:`SIZE`."""

    SIZE = len(NAMES)
    NAMES = NAMES

    def __init__(self, scenario: Scenario) -> None:
        self.horizon = scenario.horizon_s
        sharing = scenario.sharing()
        ending: dict[str, int] = {}
        for a in scenario.agvs:
            ending[a.route[-1]] = ending.get(a.route[-1], 0) + 1
        plans = DefaultPlan(scenario)
        self.static: list[list[list[float]]] = []
        self.cycle: list[float] = []
        for agv in scenario.agvs:
            info = plans.explain(agv)
            room = info["greedy"]
            cycle = info["cycle_s"][0]
            n = len(agv.route)
            rows = []
            for k, es in enumerate(agv.route):
                others = len(sharing[es]) - 1
                ends = ending.get(es, 0) - (1 if agv.route[-1] == es else 0)
                rows.append([(n - 1 - k) / n, min(3.0, sum(room[k + 1:]) / agv.load_kb) / 3.0,
                             min(2.0, room[-1] / agv.load_kb) / 2.0, min(1.0, others / 4.0),
                             min(1.0, ends / 2.0), min(2.0, cycle / 600.0) / 2.0])
            self.static.append(rows)
            self.cycle.append(cycle)

    def __call__(self, obs: Observation) -> np.ndarray:
        out = np.empty(self.SIZE, dtype=np.float32)
        out[:6] = self.static[obs.agv][obs.stop]
        out[6:] = self.dynamic(obs)
        return out

    def dynamic(self, obs: Observation) -> list[float]:
        load, cap, cycle = obs.load_kb, obs.capacity_kb, self.cycle[obs.agv]
        t = obs.time_s
        need = wait = 0.0
        soonest = 2.0
        for ph in obs.pheromones:
            need += ph.need_kb
            wait = max(wait, ph.wait_s)
            back = (ph.returns_s - t) / cycle
            soonest = min(soonest, max(0.0, back))
        return [min(1.5, obs.remaining_kb / load), min(1.5, obs.plan_kb / load),
                obs.free_kb / cap, obs.backlog_kb / cap, min(2.0, cap / load) / 2.0,
                min(3.0, obs.rate_kb_per_min * cycle / 60.0 / cap) / 3.0,
                min(3, obs.door_queue) / 3.0,
                min(1.0, obs.free_kb / obs.plan_kb) if obs.plan_kb > 0 else 1.0,
                min(4, len(obs.pheromones)) / 4.0, min(2.0, need / cap) / 2.0,
                min(2.0, wait / cycle) / 2.0, soonest / 2.0, min(1.0, t / self.horizon)]

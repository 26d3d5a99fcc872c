"""The MCOO cooperative game with pheromones: an earlier AGV yields space (S_off) to a later
one that left a pheromone at a shared server, when that helps the coalition; else S_refuse.

Mechanics (the simulator's part, sim/simulator.py): an AGV that was admitted less than its
plan at a shared server and then has to wait at its last stop leaves a pheromone at that
server, saying how much space it lacked (``need_kb``), how long it waits and at what rate its
door drains. Pheromones expire (``SimulatorConfig.pheromone_ttl_s``).

The decision (this planner), at a stop with plan ``p`` and unexpired pheromones of other AGVs
(latest per AGV): each author says when it will be here again (``returns_s``); a yield helps
it only with space that would still be taken then, so its useful demand is
``min(need, backlog + p - rate * (its return - now))``, and ``D`` sums those.

1. Yield first what costs nothing: its *slack*, the room its later stops have beyond their
   plans under eq. 8 (``min(E_j T, C_j) - plan_j``), counted only at servers no other route
   visits (room at a shared server is not its to count on), less any shortfall it already
   carries.
   Carrying that much more does not change its own cycle ("does not affect its subsequent
   offloading scheme" → S_off).
2. Beyond its slack, yielding ``e`` more kB makes it wait about ``e / r_own`` at its own last
   stop (``r_own`` that server's rate) and saves the other about ``e / r_door`` (its door's
   rate), capped by the other's reported wait. It yields when the coalition's waiting falls
   (saved > added + ``margin_s``), else refuses that part (S_refuse).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from offload_ros.model.scenario import Scenario
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.observation import Observation
from offload_ros.sim.pheromone import Pheromone


@dataclass(frozen=True)
class CooperativePlannerConfig:
    """Knobs of the cooperative (pheromone) planner."""

    max_yield_fraction: float = field(default=0.5, metadata={
        "help": "most of its own plan at a stop that an AGV gives up for others (0-1)"})
    margin_s: float = field(default=30.0, metadata={
        "help": "yield beyond slack only if the coalition's waiting falls by more than this",
        "unit": "s"})
    min_need_kb: float = field(default=1.0, metadata={
        "help": "pheromones asking for less than this are ignored", "unit": "kB"})


class CooperativePlanner:
    """Algorithm 1 plus the yield/refuse game at shared servers."""

    name = "cooperative"

    def __init__(self, scenario: Scenario, config: CooperativePlannerConfig | None = None) -> None:
        self.config = config or CooperativePlannerConfig()
        plans = DefaultPlan(scenario)
        sharing = scenario.sharing()
        self._slack_after: list[list[float]] = []
        self._own_rate: list[float] = []
        self._plan: list[list[float]] = []
        for agv in scenario.agvs:
            info = plans.explain(agv)
            spare = [0.0 if len(sharing[e]) > 1 else max(0.0, g - p)
                     for e, g, p in zip(agv.route, info["greedy"], info["plan"])]
            self._slack_after.append([sum(spare[k + 1:]) for k in range(len(spare))])
            last = scenario.edge_servers[scenario.es_index(agv.route[-1])]
            self._own_rate.append(last.rate_kb_per_s)
            self._plan.append(info["plan"])
        self.yields = 0
        self.refusals = 0

    def decide(self, obs: Observation) -> float:
        p = obs.plan_kb
        cfg = self.config
        latest: dict[int, Pheromone] = {}
        for ph in obs.pheromones:
            if ph.need_kb >= cfg.min_need_kb:
                latest[ph.agv] = ph
        if not latest or p <= 0.0:
            return p
        # What a yield can do for each author: by the time it is back, the server has worked
        # off part of the backlog. Only space that would still be taken then is worth giving.
        rate = obs.rate_kb_per_min / 60.0
        useful: dict[int, float] = {}
        for a, ph in latest.items():
            back = ph.returns_s
            if back < obs.time_s:  # a stale estimate: its next pass after now
                back += ph.cycle_s * math.ceil((obs.time_s - back) / ph.cycle_s)
            left_then = obs.backlog_kb + min(p, obs.free_kb) - rate * (back - obs.time_s)
            useful[a] = max(0.0, min(ph.need_kb, left_then))
        demand = sum(useful.values())
        cap = min(p * cfg.max_yield_fraction, demand)
        if cap <= 0.0:
            self.refusals += 1
            return p
        behind = max(0.0, p - self._plan[obs.agv][obs.stop])
        free_yield = min(cap, max(0.0, self._slack_after[obs.agv][obs.stop] - behind))
        extra = cap - free_yield
        if extra > 0.0:
            saved = sum(min(latest[a].wait_s, extra * u / demand / latest[a].door_rate_kb_per_s)
                        for a, u in useful.items())
            added = extra / self._own_rate[obs.agv]
            if saved <= added + cfg.margin_s:
                extra = 0.0
        given = free_yield + extra
        if given > 0.0:
            self.yields += 1
        else:
            self.refusals += 1
        return p - given

"""An upper bound on processed work: a max-flow LP from AGVs to edge servers (scipy HiGHS).

Supply of AGV m: its load times the cycles it can start within the horizon if it never waits
(waiting only delays cycles). Capacity of ES i: its rate times the time from the first moment
any AGV can reach it to the horizon (it can process nothing before). Flow m→i exists where i
is on m's route. No policy can process more than the LP's optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from offload_ros.model.scenario import Scenario
from offload_ros.planning.errors import PlanningError


@dataclass(frozen=True)
class FlowBoundResult:
    processed_kb: float                 # the bound, kB within the horizon
    supply_kb: dict[str, float]         # per AGV
    capacity_kb: dict[str, float]       # per ES
    flow_kb: dict[str, float]           # per ES at the optimum
    horizon_s: float

    @property
    def processed_kb_per_h(self) -> float:
        return self.processed_kb * 3600.0 / self.horizon_s


class FlowBound:
    """Builds and solves the LP for one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def solve(self) -> FlowBoundResult:
        sc = self.scenario
        horizon = sc.horizon_s
        supply, first = [], [math.inf] * len(sc.edge_servers)
        for agv in sc.agvs:
            legs = sc.leg_times(agv)
            cycle = sum(legs)
            s = agv.start_time_s
            starts = 0 if s > horizon else (
                math.floor((horizon - s) / cycle) + 1 if cycle > 0 else 1)
            supply.append(agv.load_kb * starts)
            t = s
            for k, es_id in enumerate(agv.route):
                t += legs[k]
                i = sc.es_index(es_id)
                first[i] = min(first[i], t)
        capacity = [es.rate_kb_per_s * max(0.0, horizon - f) if math.isfinite(f) else 0.0
                    for es, f in zip(sc.edge_servers, first)]
        pairs = sorted({(m, sc.es_index(e)) for m, a in enumerate(sc.agvs) for e in a.route})
        n_var = len(pairs)
        a_ub = np.zeros((len(sc.agvs) + len(sc.edge_servers), n_var))
        for v, (m, i) in enumerate(pairs):
            a_ub[m, v] = 1.0
            a_ub[len(sc.agvs) + i, v] = 1.0
        b_ub = np.array(supply + capacity)
        res = linprog(-np.ones(n_var), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if res.status != 0:
            raise PlanningError(f"flow bound LP for {sc.name!r} failed: {res.message}")
        flow = [0.0] * len(sc.edge_servers)
        for v, (_, i) in enumerate(pairs):
            flow[i] += float(res.x[v])
        return FlowBoundResult(
            processed_kb=float(-res.fun),
            supply_kb={a.id: supply[m] for m, a in enumerate(sc.agvs)},
            capacity_kb={e.id: capacity[i] for i, e in enumerate(sc.edge_servers)},
            flow_kb={e.id: flow[i] for i, e in enumerate(sc.edge_servers)},
            horizon_s=horizon)

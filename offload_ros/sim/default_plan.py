"""MCOO Algorithm 1: the single-AGV cyclic plan (greedy vs weighted polling, eq. 8-17).

It is the ``balanced`` planner, the ``plan_kb`` of every observation, and every AGV's default
behaviour in counterfactual replay (MCOO eq. 25). It is static: it depends only on the
scenario (the AGV's route, its servers and the driving times), as in the paper, where it is
computed for one AGV alone, without conflict. docs/algorithm1.md maps each equation to code.
"""

from __future__ import annotations

from offload_ros.model.agv import Agv
from offload_ros.model.scenario import Scenario

_EPS = 1e-9


class DefaultPlan:
    """Computes one AGV's Algorithm 1 amounts per stop (they sum to its load)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def all(self) -> tuple[tuple[float, ...], ...]:
        return tuple(self.for_agv(a) for a in self.scenario.agvs)

    def for_agv(self, agv: Agv) -> tuple[float, ...]:
        return tuple(self.explain(agv)["plan"])

    def explain(self, agv: Agv) -> dict[str, list]:
        """Every intermediate quantity by its equation, for docs, tests and debugging."""
        sc = self.scenario
        servers = [sc.edge_servers[sc.es_index(e)] for e in agv.route]
        k_stops = len(servers)
        legs = sc.leg_times(agv)                       # eq. 1: L/v per leg
        cycle = sum(legs)                              # eq. 4: T = L_total / v (t_wait = 0)
        rate = [es.rate_kb_per_s for es in servers]    # E_i (per second here)
        cap = [es.capacity_kb for es in servers]       # C_i
        # eq. 8: what ES i can take in one cycle: E_i * T, at most C_i.
        greedy = [min(rate[k] * cycle, cap[k]) for k in range(k_stops)]
        # eq. 9: t_x^cal, driving time from stop x to the last stop.
        t_cal = [sum(legs[k + 1:k_stops]) for k in range(k_stops)]
        # eq. 10-11: Task_x^cal = min(RC_x, E_x * t_x^cal, RT) at every stop but the last.
        # RC is kept per server, so a route that visits a server twice shares its room.
        room = {es.id: es.capacity_kb for es in servers}
        remaining = agv.load_kb
        cal = [0.0] * k_stops
        for k in range(k_stops - 1):
            amount = max(0.0, min(room[servers[k].id], rate[k] * t_cal[k], remaining))
            cal[k] = amount
            room[servers[k].id] -= amount
            remaining -= amount
        # eq. 12: RT = Task - Task^cal. eq. 13-16: weighted polling of RT over the stops in
        # proportion to E_i, E_i = 0 once a server is full, capped at RC_i = C_i - Task_i^cal
        # (eq. 15); what does not fit (RT') is polled again until all is placed or all full.
        extra = [0.0] * k_stops
        while remaining > _EPS:
            open_stops = [k for k in range(k_stops) if room[servers[k].id] > _EPS]
            if not open_stops:
                break
            e_total = sum(rate[k] for k in open_stops)                     # eq. 13
            placed = 0.0
            for k in open_stops:                                           # eq. 14
                give = min(rate[k] / e_total * remaining, room[servers[k].id])
                extra[k] += give
                room[servers[k].id] -= give
                placed += give
            remaining -= placed
        balance = [cal[k] + extra[k] for k in range(k_stops)]              # eq. 16
        # eq. 17, read at the level of the whole scheme, as the paper's prose puts it: when
        # the servers of the route can take the whole load within one cycle (sum of eq. 8 >=
        # Task), the greedy scheme is chosen: fill the stops in order, each up to eq. 8's
        # sustainable amount; otherwise the weighted-polling scheme (eq. 16).
        use_greedy = sum(greedy) >= agv.load_kb - _EPS
        limit = greedy if use_greedy else balance
        plan = [0.0] * k_stops
        left = agv.load_kb
        for k in range(k_stops - 1):
            plan[k] = max(0.0, min(limit[k], left))
            left -= plan[k]
        plan[-1] = max(0.0, left)                      # the last stop takes everything left
        return {"legs_s": legs, "cycle_s": [cycle], "greedy": greedy, "t_cal_s": t_cal,
                "cal": cal, "balance": balance, "scheme": ["greedy" if use_greedy else "balance"],
                "plan": plan}

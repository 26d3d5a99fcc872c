"""A live run's outcome from the last AgvStatus of every AGV and EdgeServerState of every
edge server: the simulator's result shape (``simulate --json``), plus the cross-process
bookkeeping check that no kB was lost or counted twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import WAITING
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.sim_result import AgvResult, EsResult, SimResult


@dataclass
class RunReport:
    """``result`` is a :class:`SimResult`; ``problems`` lists every bookkeeping mismatch."""

    result: SimResult
    problems: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def collect(cls, scenario: Scenario, policy: str, statuses: list[Any], states: list[Any],
                tol_kb: float = 1e-6, pheromones: dict[str, int] | None = None
                ) -> "RunReport":
        """``pheromones``: per edge server, the pheromones lying there at the horizon (as
        the monitor saw them carried; 0 where not given)."""
        pheromones = pheromones or {}
        by_agv = {s.agv_id: s for s in statuses}
        by_es = {s.es_id: s for s in states}
        agv_ids = tuple(a.id for a in scenario.agvs)
        es_ids = tuple(e.id for e in scenario.edge_servers)
        problems = [f"no status from {a}" for a in agv_ids if a not in by_agv]
        problems += [f"no state from {e}" for e in es_ids if e not in by_es]
        admitted = {a: 0.0 for a in agv_ids}
        door: dict[str, float] = {}
        for st in states:
            for a, kb in zip(st.agv_ids, st.agv_admitted_kb):
                admitted[a] = admitted.get(a, 0.0) + float(kb)
            for a, kb in zip(st.door_queue, st.door_remaining_kb):
                door[a] = float(kb)
            residual = st.admitted_kb - st.processed_kb - st.backlog_kb
            if abs(residual) > tol_kb * max(1.0, st.admitted_kb):
                problems.append(f"{st.es_id}: admitted - processed - backlog = {residual:.3g} kB")
        agvs = {}
        for a in agv_ids:
            s = by_agv.get(a)
            if s is None:
                continue
            carried = door[a] if s.state == WAITING and a in door else s.remaining_kb
            carried += s.in_doubt_kb
            residual = s.loaded_kb - admitted[a] - carried
            if abs(residual) > tol_kb * max(1.0, s.loaded_kb):
                problems.append(f"{a}: loaded - admitted by servers - carried = "
                                f"{residual:.3g} kB (in doubt {s.in_doubt_kb:.3g} kB)")
            agvs[a] = AgvResult(s.cycle, s.wait_s, admitted[a], s.loaded_kb,
                                s.loaded_kb - admitted[a], s.waits)
        ess = {e: EsResult(by_es[e].processed_kb, by_es[e].backlog_kb, len(by_es[e].door_queue),
                           pheromones.get(e, 0)) for e in es_ids if e in by_es}
        result = SimResult(scenario.name, policy, scenario.horizon_s, agv_ids, es_ids, agvs,
                           ess, sum(s.decisions for s in statuses),
                           sum(pheromones.get(e, 0) for e in es_ids))
        extra = {"fallbacks": sum(s.fallbacks for s in statuses),
                 "retries": sum(s.retries for s in statuses),
                 "in_doubt_kb": sum(s.in_doubt_kb for s in statuses),
                 "duplicates": sum(s.duplicates for s in states),
                 "rejected": sum(s.rejected for s in states),
                 "restarts": sum(s.restarts for s in states)}
        return cls(result, problems, extra)

    def check(self) -> None:
        if self.problems:
            raise NodeError("work not conserved across the fleet: " + "; ".join(self.problems))

    def to_json(self) -> dict[str, Any]:
        out = self.result.to_json()
        out["live"] = {**self.extra, "problems": self.problems}
        return out

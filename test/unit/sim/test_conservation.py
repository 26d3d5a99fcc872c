"""Work conservation and the flow bound as properties over random factories (hypothesis)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from offload_ros.model import ScenarioGenerator, Seeding
from offload_ros.planning import FlowBound, PlannerRegistry
from offload_ros.sim import SimError, Simulator
from offload_ros.sim.sim_result import EsResult


class RandomFraction:
    """Asks for a seeded random share of what it carries (exercises every branch)."""

    name = "random-fraction"

    def __init__(self, seed: int) -> None:
        self.rng = Seeding.rng(seed, "test-policy")

    def decide(self, obs):
        return float(self.rng.uniform(-0.2, 1.2)) * obs.remaining_kb


@st.composite
def factories(draw):
    gen = ScenarioGenerator(
        agvs=draw(st.integers(1, 7)), es=draw(st.integers(1, 7)),
        route_min=draw(st.integers(1, 4)), route_max=draw(st.integers(4, 7)),
        rate_max=draw(st.sampled_from([50.0, 70.0, 90.0])),
        horizon_s=draw(st.sampled_from([600.0, 1800.0, 3600.0])),
        metric=draw(st.sampled_from(["manhattan", "euclidean"])))
    sc = gen.generate(draw(st.integers(0, 10_000)))
    starts = draw(st.lists(st.floats(0, 900), min_size=len(sc.agvs), max_size=len(sc.agvs)))
    agvs = tuple(dataclasses.replace(a, start_time_s=s) for a, s in zip(sc.agvs, starts))
    return dataclasses.replace(sc, agvs=agvs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=factories(), policy=st.sampled_from(["greedy", "balanced", "cooperative", "random"]),
       seed=st.integers(0, 1000))
def test_work_is_conserved_and_bounded(sc, policy, seed):
    pol = RandomFraction(seed) if policy == "random" else PlannerRegistry.make(policy, sc)
    res = Simulator(sc).run(pol)
    tol = 1e-6 * max(1.0, res.loaded_kb)
    assert abs(res.loaded_kb - res.delivered_kb - res.carried_kb) <= tol
    assert abs(res.delivered_kb - res.processed_kb - res.backlog_kb) <= tol
    for es in sc.edge_servers:
        out = res.edge_servers[es.id]
        assert -tol <= out.backlog_kb <= es.capacity_kb + tol
        assert 0 <= out.processed_kb <= es.rate_kb_per_s * sc.horizon_s + tol
    for agv in sc.agvs:
        a = res.agvs[agv.id]
        assert a.carried_kb >= -tol and a.wait_s >= 0 and a.cycles >= 0
        starts = a.cycles + 1 if agv.start_time_s <= sc.horizon_s else 0  # rule 1
        assert a.loaded_kb == agv.load_kb * starts
    assert res.processed_kb <= FlowBound(sc).solve().processed_kb + tol


def test_conservation_is_checked_after_every_episode():
    """A broken result is refused, not reported (the check is not decorative)."""
    sc = ScenarioGenerator(agvs=3, es=3).generate(1)
    res = Simulator(sc).run(PlannerRegistry.make("greedy", sc))
    es_id = sc.edge_servers[0].id
    broken = dataclasses.replace(res, edge_servers={
        **res.edge_servers, es_id: EsResult(res.edge_servers[es_id].processed_kb + 5.0,
                                            res.edge_servers[es_id].backlog_kb, 0, 0)})
    with pytest.raises(SimError, match="work not conserved"):
        broken.check_conservation()

"""The random factory generator follows Table 2 and its knobs, deterministically."""

from __future__ import annotations

import itertools

import pytest

from offload_ros.model import ModelError, ScenarioGenerator
from offload_ros.model.scenario_generator import PAPER_CAPACITIES, PAPER_LOADS, PAPER_RATES


def test_same_seed_same_factory_and_different_seed_different():
    gen = ScenarioGenerator(agvs=8, es=6)
    assert gen.generate(3).to_yaml() == gen.generate(3).to_yaml()
    assert gen.generate(3).to_yaml() != gen.generate(4).to_yaml()


@pytest.mark.parametrize("agvs,es,lo,hi,rate_max", [(8, 6, 4, 7, 90), (2, 9, 5, 5, 60),
                                                     (10, 6, 4, 4, 50), (1, 3, 4, 7, 70)])
def test_knobs_and_table_2_values(agvs, es, lo, hi, rate_max):
    gen = ScenarioGenerator(agvs=agvs, es=es, route_min=lo, route_max=hi, rate_max=rate_max)
    for seed in range(20):
        sc = gen.generate(seed)
        assert len(sc.agvs) == agvs and len(sc.edge_servers) == es
        for e in sc.edge_servers:
            assert e.rate_kb_per_min in PAPER_RATES and e.rate_kb_per_min <= rate_max
            assert e.capacity_kb in PAPER_CAPACITIES
            assert e.position[0] % 50 == 0 and e.position[1] % 50 == 0
        for a, b in itertools.combinations(sc.edge_servers, 2):
            assert sc.distance(a.position, b.position) >= 100
        for agv in sc.agvs:
            assert agv.load_kb in PAPER_LOADS
            assert min(lo, es) <= len(agv.route) <= min(hi, es)
            assert len(set(agv.route)) == len(agv.route)
            assert sc.speed_of(agv) == 5.0
        if agvs > 1:  # every route shares a server with another route
            for m, agv in enumerate(sc.agvs):
                others = {e for k, o in enumerate(sc.agvs) if k != m for e in o.route}
                assert others & set(agv.route), (seed, agv.id)
        assert sc.horizon_s == 3600


def test_bad_knobs_name_the_knob():
    with pytest.raises(ModelError, match="route_min 6 > route_max 4") as info:
        ScenarioGenerator(route_min=6, route_max=4)
    assert info.value.field == "route_min"
    with pytest.raises(ModelError) as info:
        ScenarioGenerator(agvs=0)
    assert info.value.field == "agvs"
    with pytest.raises(ModelError) as info:
        ScenarioGenerator(rate_max=40)
    assert info.value.field == "rate_max"

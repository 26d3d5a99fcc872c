"""Algorithm 1 (eq. 8-17) against hand-computed numbers."""

from __future__ import annotations

import pytest

from offload_ros.sim import DefaultPlan

ROUTE = """
name: alg1
edge_servers:
  - {{id: e1, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}}
  - {{id: e2, position: [200, 0], rate_kb_per_min: 120, capacity_kb: 150}}
  - {{id: e3, position: [300, 0], rate_kb_per_min: 30, capacity_kb: 180}}
agvs:
  - {{id: a, start: [0, 0], route: [e1, e2, e3], load_kb: {load}}}
"""
# legs 20, 20, 20 s out and 60 s back: T = 120 s. Rates 1, 2, 0.5 kB/s.


def test_greedy_scheme_when_one_cycle_covers_the_load(load_text):
    sc = load_text(ROUTE.format(load=300))
    info = DefaultPlan(sc).explain(sc.agvs[0])
    assert info["cycle_s"] == [120]
    # eq. 8: min(E*T, C) = min(120, 100), min(240, 150), min(60, 180)
    assert info["greedy"] == pytest.approx([100, 150, 60])
    assert info["scheme"] == ["greedy"]          # 310 >= 300
    assert info["plan"] == pytest.approx([100, 150, 50])


def test_weighted_polling_when_it_does_not(load_text):
    sc = load_text(ROUTE.format(load=500))
    info = DefaultPlan(sc).explain(sc.agvs[0])
    assert info["scheme"] == ["balance"]         # 310 < 500
    assert info["t_cal_s"] == pytest.approx([40, 20, 0])                    # eq. 9
    assert info["cal"] == pytest.approx([40, 40, 0])                        # eq. 10
    # eq. 12-16: RT = 420 over E = 1 + 2 + 0.5: shares 120, 240, 60 capped at the rooms
    # 60, 110, 180 → 60, 110, 60; RT' = 190 to e3 alone → 120 more (full); 70 left over.
    assert info["balance"] == pytest.approx([100, 150, 180])
    assert info["plan"] == pytest.approx([100, 150, 250])                   # last takes all


@pytest.mark.parametrize("load", [1, 50, 299, 300, 311, 500, 5000])
def test_plan_always_sums_to_the_load_and_is_non_negative(load_text, load):
    sc = load_text(ROUTE.format(load=load))
    plan = DefaultPlan(sc).for_agv(sc.agvs[0])
    assert sum(plan) == pytest.approx(load) and min(plan) >= 0

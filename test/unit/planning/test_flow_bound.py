"""The max-flow bound: hand-computed values, and a ceiling for every planner."""

from __future__ import annotations

import pytest

from offload_ros.model import Scenario
from offload_ros.planning import FlowBound, PlannerRegistry
from offload_ros.sim import Simulator
from test.conftest import SCENARIOS
from test.unit.sim.test_simulator_rules import DOOR, ONE


def test_supply_binds(load_text):
    # ONE: cycles start at 0, 40, 80 (3 x 100 kB); X (10 kB/s) from t=20: 800 kB.
    res = FlowBound(load_text(ONE)).solve()
    assert res.supply_kb == {"a": 300} and res.capacity_kb == {"X": pytest.approx(800)}
    assert res.processed_kb == pytest.approx(300)


def test_rate_binds(load_text):
    # DOOR: X (1 kB/s) from t=20 to 200: 180 kB, exactly what the simulator processes.
    sc = load_text(DOOR)
    res = FlowBound(sc).solve()
    assert res.processed_kb == pytest.approx(180)
    assert Simulator(sc).run(PlannerRegistry.make("greedy", sc)).processed_kb == \
        pytest.approx(res.processed_kb)


def test_bound_is_a_ceiling_on_shipped_scenarios():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = Scenario.load(path)
        bound = FlowBound(sc).solve().processed_kb
        for name in ("greedy", "balanced", "cooperative"):
            assert Simulator(sc).run(PlannerRegistry.make(name, sc)).processed_kb <= bound + 1e-6

"""Stepping an episode gives exactly what the callback simulator gives."""

from __future__ import annotations

import pytest

from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.planning.cooperative_planner import CooperativePlanner
from offload_ros.sim.episode import GLOBAL_STATE_SIZE, Episode
from offload_ros.sim.errors import SimError
from offload_ros.sim.simulator import Simulator


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stepping_equals_running(seed):
    sc = ScenarioGenerator(agvs=6).generate(seed)
    sim = Simulator(sc)
    want = sim.run(CooperativePlanner(sc), record=True)
    planner = CooperativePlanner(sc)
    ep = Episode(sim, label="cooperative")
    while not ep.done:
        assert len(ep.global_state()) == GLOBAL_STATE_SIZE
        before = ep.processed_kb()
        ep.step(planner.decide(ep.observation))
        assert ep.processed_kb() >= before - 1e-9
    assert ep.result.to_json() == want.to_json()
    assert ep.result.trace.requests == want.trace.requests
    with pytest.raises(SimError, match="is over"):
        ep.step(1.0)

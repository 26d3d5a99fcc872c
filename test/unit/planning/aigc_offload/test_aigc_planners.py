"""AIGC baselines: nearest, least expected finish time (one task after another, and knowing
the batching rule), random."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.planning.aigc_offload.aigc_planner_registry import AigcPlannerRegistry
from offload_ros.planning.errors import PlanningError
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator


@pytest.fixture
def observations():
    sc = ScenarioFamily(agvs_min=6, agvs_max=6).draw(3, "planner-test")
    sim = AigcSimulator(sc)
    sim.reset(1)
    out = []
    greedy = AigcPlannerRegistry.make("greedy")
    while not sim.done and len(out) < 200:
        obs = AigcObservation(sim)
        out.append(obs)
        sim.step(greedy.act(obs))
    return out


def test_each_planner_picks_by_its_rule(observations):
    greedy, nearest = AigcPlannerRegistry.make("greedy"), AigcPlannerRegistry.make("nearest")
    batch = AigcPlannerRegistry.make("batch_greedy")
    rnd = AigcPlannerRegistry.make("random", 3)
    busy = differ = 0
    for obs in observations:
        g, n, r, b = greedy.act(obs), nearest.act(obs), rnd.act(obs), batch.act(obs)
        for i in range(len(obs.active)):
            if not obs.active[i]:
                assert g[i] == n[i] == r[i] == b[i] == 0
                continue
            busy += 1
            differ += int(b[i] != g[i])
            assert obs.eft_s[i, g[i] - 1] == obs.eft_s[i][np.isfinite(obs.eft_s[i])].min()
            assert obs.eft_batch_s[i, b[i] - 1] == obs.eft_batch_s[i][
                np.isfinite(obs.eft_batch_s[i])].min()
            assert obs.distance_m[i, n[i] - 1] == obs.distance_m[i][
                np.isfinite(obs.eft_s[i])].min()
            assert np.isfinite(obs.eft_s[i, r[i] - 1])
    assert busy > 20 and differ > 0


def test_greedy_beats_nearest_and_random_on_latency():
    sc = ScenarioFamily(agvs_min=8, agvs_max=8).draw(0, "planner-test")
    lat = {}
    for name in ("greedy", "nearest", "random"):
        sim = AigcSimulator(sc)
        sim.reset(2)
        pol = AigcPlannerRegistry.make(name, 2)
        while not sim.done:
            sim.step(pol.act(AigcObservation(sim)))
        lat[name] = sim.summary()["mean_latency_s"]
    assert lat["greedy"] < lat["nearest"] and lat["greedy"] < lat["random"]


def test_unknown_planner():
    with pytest.raises(PlanningError, match="unknown AIGC planner 'x'"):
        AigcPlannerRegistry.make("x")

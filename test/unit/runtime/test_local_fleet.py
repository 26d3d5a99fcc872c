"""A fleet of runtime nodes (no middleware) reproduces the simulator exactly, and keeps every
kB accounted for when offers and answers are lost."""

from __future__ import annotations

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.agv_controller import AgvControllerConfig
from offload_ros.runtime.local_fleet import LocalFleet
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

CASES = [(f, p) for f in ("factory_5agv", "congested_2agv", "congested_8agv")
         for p in ("greedy", "balanced", "cooperative", "random")] + [("factory_5agv", "fixed")]


@pytest.mark.parametrize("name,policy", CASES)
def test_the_runtime_reproduces_the_simulator(name, policy):
    sc = Scenario.load(SCENARIOS / f"{name}.yaml")
    report = LocalFleet(sc, policy).run()
    sim = Simulator(sc).run(PolicyFactory.make(policy, sc))
    assert report.problems == []
    live = report.result
    for a in sim.agv_ids:
        assert live.agvs[a].cycles == sim.agvs[a].cycles, a
        assert live.agvs[a].delivered_kb == pytest.approx(sim.agvs[a].delivered_kb, abs=1e-6)
        assert live.agvs[a].wait_s == pytest.approx(sim.agvs[a].wait_s, abs=1e-6)
    for e in sim.es_ids:
        assert live.edge_servers[e].processed_kb == pytest.approx(
            sim.edge_servers[e].processed_kb, abs=1e-6)
    assert live.decisions == sim.decisions


@pytest.mark.parametrize("name,policy,noise_seed", [("factory_5agv", "greedy", 3),
                                                    ("congested_8agv", "cooperative", 1),
                                                    ("factory_5agv", "mcoo", 0)])
def test_the_runtime_under_a_noise_draw_reproduces_the_simulators_draw(name, policy,
                                                                       noise_seed):
    """The disturbance in the live kinematic fleet: every node runs the same draw as
    ``Simulator(scenario, noise_seed=...)`` (start offsets, leg times, server rates)."""
    import dataclasses

    from offload_ros.model.disturbance import Disturbance
    sc = dataclasses.replace(Scenario.load(SCENARIOS / f"{name}.yaml"), disturbance=Disturbance(
        start_jitter_s=30.0, leg_time_variation=0.05, rate_variation=0.05))
    report = LocalFleet(sc, policy, noise_seed=noise_seed).run()
    noisy = Simulator(sc, noise_seed=noise_seed).run(PolicyFactory.make(policy, sc))
    nominal = Simulator(dataclasses.replace(sc, disturbance=None)).run(
        PolicyFactory.make(policy, sc))
    assert report.problems == []
    assert noisy.processed_kb != pytest.approx(nominal.processed_kb, abs=1.0)   # it moved
    assert report.result.processed_kb == pytest.approx(noisy.processed_kb, abs=1e-6)
    for a in noisy.agv_ids:
        assert report.result.agvs[a].cycles == noisy.agvs[a].cycles, a
        assert report.result.agvs[a].wait_s == pytest.approx(noisy.agvs[a].wait_s, abs=1e-6)
    assert report.result.decisions == noisy.decisions


def test_a_silent_policy_falls_back_to_the_plan():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, None)
    report = fleet.run()
    sim = Simulator(sc).run(PolicyFactory.make("balanced", sc))
    assert report.extra["fallbacks"] == sim.decisions > 0
    assert report.result.processed_kb == pytest.approx(sim.processed_kb)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lost_offers_and_answers_lose_or_double_nothing(seed):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    rng = Seeding.rng(seed, "drop")
    dropped = {"request": 0, "answer": 0}

    def drop(where, es_id, request):
        if rng.random() < 0.25:
            dropped[where] += 1
            return True
        return False

    fleet = LocalFleet(sc, "balanced", drop=drop,
                       agv_config=AgvControllerConfig(offload_attempts=2))
    report = fleet.run()
    assert dropped["request"] > 0 and dropped["answer"] > 0
    assert report.problems == []
    r = report.result
    assert r.loaded_kb == pytest.approx(r.processed_kb + r.backlog_kb + r.carried_kb)
    assert report.extra["duplicates"] > 0          # lost answers were asked again by id
    assert report.extra["in_doubt_kb"] == 0.0       # every offer in doubt was resolved
    servers = sum(s.admitted for s in fleet.servers.values())
    agvs = sum(a.delivered for a in fleet.agvs.values())
    door = sum(d.remaining for s in fleet.servers.values() for d in s.queue)
    absorbed = sum(a.door[1] for a in fleet.agvs.values() if a.door) - door
    assert servers == pytest.approx(agvs + absorbed)   # each kB admitted once, known once

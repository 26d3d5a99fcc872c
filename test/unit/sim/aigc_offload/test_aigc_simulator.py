"""The AIGC offloading simulator: hand-checked latencies, bandwidth sharing, deadlines,
conservation and rewards."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_ros.model.agv import Agv
from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.edge_server import EdgeServer
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import (
    AigcSimulator,
    AigcSimulatorConfig,
)
from offload_ros.sim.errors import SimError


def parked(agvs: int = 1, rate: float = 60.0, **aigc) -> Scenario:
    """One ES at the origin and AGVs parked on it (a route with no length: they never move)."""
    return Scenario(edge_servers=(EdgeServer("es1", (0.0, 0.0), rate, 150.0),),
                    agvs=tuple(Agv(f"agv{k}", (0.0, 0.0), ("es1",), 100.0) for k in range(agvs)),
                    aigc=AigcSettings(**aigc))


def shannon(bandwidth: float, power: float, floor_m: float) -> float:
    """The rate by hand: W log2(1 + P g0 d^-3.5 / (N0 W)), g0 = -30 dB, N0 = -174 dBm/Hz,
    d = sqrt(floor^2 + 10^2)."""
    d = math.sqrt(floor_m ** 2 + 100.0)
    snr = power * 1e-3 * d ** -3.5 / (10 ** -17.4 * 1e-3 * bandwidth)
    return bandwidth * math.log2(1 + snr)


def run(sim: AigcSimulator, action: int = 1) -> list[np.ndarray]:
    rewards = []
    while not sim.done:
        rewards.append(sim.step([action] * sim.n_agvs))
        sim.check_conservation()
    return rewards


def test_a_lone_task_takes_upload_plus_compute_plus_download():
    sc = parked(rate=120.0, horizon_s=10.0)            # 2x the reference speed
    sim = AigcSimulator(sc)
    task = sim.make_task(0, 0.0, images=8, steps=20, resolution=32, input_kb=1000.0,
                         deadline_s=30.0)
    sim.reset(0, [task])
    run(sim)
    upload = 1000 * 8000 / shannon(1e6, 0.2, 0.0)
    compute = 20 * (0.0086 + 0.0084 * 8) / 2.0          # one batch of 8 at 32 px, 2x speed
    download = 8 * 32 * 32 * 8 / shannon(1e6, 1.0, 0.0)
    assert upload == pytest.approx(0.3344, abs=1e-4)    # 8 Mbit at ~23.9 Mbit/s, 10 m away
    wait = GenerationServiceConfig().max_wait_s             # 8 < 16 images: the batch waits
    assert task.latency_s == pytest.approx(upload + wait + compute + download, rel=1e-9)
    assert task.met and sim.summary()["completion_rate"] == 1.0


def test_two_uploads_share_the_band_then_share_a_batch_and_one_of_other_steps_follows():
    """By hand: A and B (20 steps) and C (30 steps) upload together; A and B make one model
    call of 8 images once the batch wait is over, C runs after it alone."""
    sc = parked(agvs=3, horizon_s=10.0)
    sim = AigcSimulator(sc)
    a = sim.make_task(0, 0.0, 4, 20, 32, 500.0, 60.0)
    b = sim.make_task(1, 0.0, 4, 20, 32, 500.0, 60.0)
    c = sim.make_task(2, 0.0, 4, 30, 32, 500.0, 60.0)
    sim.reset(0, [a, b, c])
    run(sim)
    shared = 500 * 8000 / shannon(1e6 / 3, 0.2, 0.0)     # each gets a third of the band
    alone = 500 * 8000 / shannon(1e6, 0.2, 0.0)
    assert shared > alone * 2
    wait = GenerationServiceConfig().max_wait_s
    batch_ab = 20 * (0.0086 + 0.0084 * 8)                 # one call: fixed cost once
    batch_c = 30 * (0.0086 + 0.0084 * 4)
    down_two = 4 * 1024 * 8 / shannon(0.5e6, 1.0, 0.0)
    down_alone = 4 * 1024 * 8 / shannon(1e6, 1.0, 0.0)
    assert a.latency_s == pytest.approx(shared + wait + batch_ab + down_two, rel=1e-6)
    assert b.latency_s == pytest.approx(a.latency_s, rel=1e-9)
    # C's own wait is over by then: it starts when the batch ends; its download runs alone
    assert c.latency_s == pytest.approx(shared + wait + batch_ab + batch_c + down_alone,
                                        rel=1e-6)
    server = sim.servers[0]
    assert server.batches == [(pytest.approx(shared + wait), ((a.id, 4), (b.id, 4))),
                              (pytest.approx(shared + wait + batch_ab), ((c.id, 4),))]
    assert batch_ab < 2 * 20 * (0.0086 + 0.0084 * 4)     # cheaper than one call each


def test_finish_s_knows_the_batching_rule_and_predicts_the_outcome():
    """A task placed behind a running call joins the queued task of its steps in one call:
    ``finish_s`` predicts when it is back (nothing else arrives), the one-after-another
    estimate ``eft`` pays the fixed cost twice."""
    sc = parked(agvs=3, horizon_s=3.0)
    sim = AigcSimulator(sc)
    x = sim.make_task(0, 0.0, 16, 50, 32, 500.0, 60.0)        # runs first, ~7.1 s
    y = sim.make_task(1, 0.0, 4, 20, 32, 500.0, 60.0)         # queues behind it
    z = sim.make_task(2, 0.5, 4, 20, 32, 500.0, 60.0)         # placed at t = 1
    sim.reset(0, [x, y, z])
    sim.step([1, 1, 0])
    assert sim.head(2) is z
    predicted = sim.finish_s(2, 0)
    eft = AigcObservation(sim).eft_s[2, 0]
    run(sim)
    assert z.finish_s - 1.0 == pytest.approx(predicted, abs=2e-3)   # download sharing aside
    s = sc.aigc_settings()
    assert eft - predicted == pytest.approx(s.task_s(4, 20, 32) * 2 - s.batch_s(8, 20, 32),
                                            abs=0.05)
    assert [call for _, call in sim.servers[0].batches] == [((x.id, 16),),
                                                           ((y.id, 4), (z.id, 4))]


def test_a_task_whose_deadline_passes_in_the_queue_expires_and_frees_the_server():
    sc = parked(agvs=2, horizon_s=5.0)
    sim = AigcSimulator(sc)
    big = sim.make_task(0, 0.0, 16, 50, 64, 500.0, 60.0)       # ~20 s of compute
    short = sim.make_task(1, 0.0, 4, 30, 32, 500.0, 5.0)       # other steps: waits behind
    sim.reset(0, [big, short])
    run(sim)
    assert short.expired and not short.met and big.met
    assert short.finish_s < big.finish_s                        # answered when big's batch ended
    assert short.finish_s == pytest.approx(sim.servers[0].batches[0][0] +
                                           sc.aigc_settings().batch_s(16, 50, 64))
    s = sim.summary()
    assert s["expired"] == 1 and s["finished"] == 2 and s["completion_rate"] == 0.5


def test_rate_matches_the_hand_formula_and_falls_with_distance_and_sharers():
    sim = AigcSimulator(parked())
    for d, k in ((0.0, 1), (150.0, 3), (400.0, 2)):
        assert sim.rate_bps(d, k) == pytest.approx(shannon(1e6 / k, 0.2, d))
        assert sim.rate_bps(d, k, True) == pytest.approx(shannon(1e6 / k, 1.0, d))
    assert sim.rate_bps(0, 1) > sim.rate_bps(200, 1) > sim.rate_bps(200, 2)


def test_deadlines_count_late_tasks_as_missed_and_penalise_them():
    sc = parked(horizon_s=5.0)
    cfg = AigcSimulatorConfig(latency_scale_s=1.0, miss_penalty=2.0, team_weight=0.0)
    sim = AigcSimulator(sc, cfg)
    late = sim.make_task(0, 0.0, 16, 50, 64, 4000.0, deadline_s=5.0)
    ok = sim.make_task(0, 0.5, 4, 20, 32, 500.0, deadline_s=60.0)
    sim.reset(0, [late, ok])
    rewards = run(sim)
    assert not late.met and ok.met
    assert sim.summary()["completion_rate"] == 0.5
    total = sum(float(r[0]) for r in rewards)
    assert total == pytest.approx(-(late.latency_s + ok.latency_s) - 2.0, rel=1e-9)


def test_holding_delays_and_unfinished_tasks_miss_at_the_end():
    sc = parked(horizon_s=3.0, drain_s=4.0)
    sim = AigcSimulator(sc)
    task = sim.make_task(0, 0.0, 4, 20, 32, 500.0, 60.0)
    sim.reset(0, [task])
    run(sim, action=0)                                # hold for ever
    s = sim.summary()
    assert task.holds == 7 and s["finished"] == 0 and s["completion_rate"] == 0.0
    assert s["mean_latency_s"] == pytest.approx(7.0)  # counted until the drain ran out


def test_a_full_server_refuses_and_the_task_is_retried():
    sc = parked(agvs=3, horizon_s=5.0, es_queue_max=1)
    sim = AigcSimulator(sc)
    tasks = [sim.make_task(k, 0.0, 4, 20, 32, 500.0, 60.0) for k in range(3)]
    sim.reset(0, tasks)
    run(sim)
    assert sim.refused > 0 and all(t.finish_s > 0 for t in tasks)
    assert sorted(t.refusals for t in tasks)[0] == 0 and max(t.refusals for t in tasks) > 0


@pytest.mark.parametrize("agvs", [2, 7])
def test_random_episodes_conserve_tasks_and_rewards_sum_to_latency(agvs):
    sc = ScenarioFamily(agvs_min=agvs, agvs_max=agvs).draw(1, "test")
    sim = AigcSimulator(sc, AigcSimulatorConfig(latency_scale_s=1.0, miss_penalty=0.0,
                                                team_weight=0.0))
    sim.reset(5)
    rng = np.random.default_rng(0)
    total = 0.0
    while not sim.done:
        total += float(sim.step(rng.integers(0, sim.n_es + 1, agvs)).sum())
        sim.check_conservation()
    lat = sim.latencies()
    assert len(lat) == len(sim.tasks) and sim.finished == len(sim.tasks)
    assert total == pytest.approx(-lat.sum(), rel=1e-9)


def test_same_seed_same_tasks_whatever_the_policy():
    sc = ScenarioFamily(agvs_min=3, agvs_max=3).draw(2, "test")
    a, b = AigcSimulator(sc), AigcSimulator(sc)
    a.reset(9)
    b.reset(9)
    assert [(t.arrival_s, t.images, t.input_kb) for t in a.tasks] == \
        [(t.arrival_s, t.images, t.input_kb) for t in b.tasks]
    b.reset(10)
    assert [t.arrival_s for t in a.tasks] != [t.arrival_s for t in b.tasks]


def test_agvs_drive_their_routes_and_observations_see_the_distance():
    sc = Scenario(edge_servers=(EdgeServer("es1", (100.0, 0.0), 60, 150),
                                EdgeServer("es2", (0.0, 100.0), 60, 150)),
                  agvs=(Agv("a", (0.0, 0.0), ("es1", "es2"), 100.0),))
    sim = AigcSimulator(sc)
    np.testing.assert_allclose(sim.positions(10.0)[0], (50.0, 0.0))   # 5 m/s along x
    # es1 -> es2 is 200 m of manhattan floor path: x first, then y
    np.testing.assert_allclose(sim.positions(50.0)[0], (0.0, 50.0))
    np.testing.assert_allclose(sim.positions(10.0 + sc.cycle_time(sc.agvs[0]))[0], (50.0, 0.0))
    task = sim.make_task(0, 0.0, 4, 20, 32, 500.0, 60.0)
    sim.reset(0, [task])
    obs = AigcObservation(sim)
    assert obs.active[0] and obs.distance_m[0].tolist() == [100.0, 100.0]
    assert obs.features.shape == (1, AigcObservation.size(2))
    assert obs.eft_s[0, 0] == pytest.approx(obs.eft_s[0, 1])   # same distance, same speed


def test_bad_actions_are_rejected():
    sim = AigcSimulator(parked())
    sim.reset(0, [sim.make_task(0, 0.0, 4, 20, 32, 500.0, 60.0)])
    with pytest.raises(SimError, match="action 5"):
        sim.step([5])
    with pytest.raises(SimError, match="need 1 actions"):
        sim.step([1, 1])

"""The ``disturbance:`` section: seeded draws, zero noise is the exact contract, bad values
name file, line and field, and the simulator and compare use the draws."""

from __future__ import annotations

import dataclasses

import pytest

from offload_ros.evaluation.comparison import Comparison
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model import ModelError, Scenario, ScenarioLoader
from offload_ros.model.disturbance import Disturbance
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

BASE = Scenario.load(SCENARIOS / "congested_8agv.yaml")
NOISE = Disturbance(start_jitter_s=30.0, leg_time_variation=0.05, rate_variation=0.05)
NOISY = dataclasses.replace(BASE, disturbance=NOISE)


def run(sc: Scenario, seed: int = 0, policy: str = "greedy"):
    return Simulator(sc, noise_seed=seed).run(PolicyFactory.make(policy, sc))


def test_the_same_seed_gives_the_same_draw_and_episode_and_others_differ():
    a, b, c = NOISE.draw(BASE, 3), NOISE.draw(BASE, 3), NOISE.draw(BASE, 4)
    assert a == b and a != c
    assert run(NOISY, 3).to_json() == run(NOISY, 3).to_json()
    assert run(NOISY, 3).processed_kb != run(NOISY, 4).processed_kb


def test_draws_stay_within_their_bounds_and_no_agv_starts_before_zero():
    for seed in range(20):
        d = NOISE.draw(BASE, seed)
        assert len(d.start_offset_s) == len(BASE.agvs) and len(d.rate_factor) == 6
        for agv, off, legs in zip(BASE.agvs, d.start_offset_s, d.leg_factor):
            assert -30.0 <= off <= 30.0 and agv.start_time_s + off >= 0.0
            assert len(legs) == len(agv.route) + 1
            assert all(0.95 <= f <= 1.05 for f in legs)
        assert all(0.95 <= f <= 1.05 for f in d.rate_factor)


def test_no_section_or_zero_noise_is_the_exact_contract_whatever_the_seed():
    nominal = run(BASE).to_json()
    zero = dataclasses.replace(BASE, disturbance=Disturbance())
    for seed in (0, 1, 7):
        assert run(BASE, seed).to_json() == nominal
        assert run(zero, seed).to_json() == nominal
    assert run(NOISY, 0).to_json() != nominal


def test_a_disturbed_episode_still_conserves_work():
    for seed in range(5):
        res = run(NOISY, seed, "cooperative")
        assert res.conservation()["loaded_minus_delivered_carried"] == pytest.approx(0, abs=1e-6)


def test_the_section_roundtrips_through_yaml():
    back = ScenarioLoader().loads(NOISY.to_yaml(), source="x.yaml")
    assert back.disturbance == NOISE and back == NOISY


@pytest.mark.parametrize("section,field,words", [
    ("{start_jitter_s: -5}", "disturbance.start_jitter_s", "must be >= 0"),
    ("{leg_time_variation: 1.5}", "disturbance.leg_time_variation", "must be < 1"),
    ("{rate_variation: lots}", "disturbance.rate_variation", "number"),
    ("{start_jiter_s: 5}", "disturbance.start_jiter_s", "did you mean 'start_jitter_s'"),
    ("[5]", "disturbance", "must be a mapping"),
])
def test_bad_sections_name_file_line_and_field(section, field, words):
    text = BASE.to_yaml() + f"disturbance: {section}\n"
    line = len(text.splitlines())
    with pytest.raises(ModelError) as info:
        ScenarioLoader().loads(text, source="bad.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("bad.yaml", line, field), str(err)
    assert words in str(err)


def test_compare_averages_paired_noise_draws():
    rows = Comparison([NOISY], ["greedy", "rollout"], noise_seeds=3).run()
    for row in rows:
        per_seed = [run(NOISY, s, row.policy).processed_kb_per_h for s in range(3)]
        stats = Statistics.of(per_seed)
        assert row.noise_seeds == 3
        assert row.processed_kb_per_h == pytest.approx(stats.mean)
        assert row.ci95_kb_per_h == pytest.approx(stats.half_width)
    greedy, rollout = rows
    assert rollout.processed_kb_per_h > greedy.processed_kb_per_h
    nominal = Comparison([BASE], ["greedy"]).run()[0]
    assert (nominal.noise_seeds, nominal.ci95_kb_per_h) == (1, 0.0)

"""Eq. 25 per decision: D_j = G - G(decision j answered by the plan), by hand and against
from-scratch replays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.episode import Episode
from offload_ros.sim.errors import SimError
from offload_ros.sim.simulator import Simulator

# a: start -> X (t=10) -> Y (t=20) -> start (t=40); b: start -> X (t=20), its only stop.
# X and Y: 1 kB/s. a's Algorithm 1 plan at X is 55 kB (balance scheme: eq. 8 gives 40 + 40 <
# 100, eq. 10 gives 10 at X, weighted polling splits the other 90 evenly) -> docs/algorithm1.md
HAND = """
name: hand
horizon_s: 45
speed_mps: 10
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}
  - {id: Y, position: [200, 0], rate_kb_per_min: 60, capacity_kb: 1000}
agvs:
  - {id: a, start: [0, 0], route: [X, Y], load_kb: 100}
  - {id: b, start: [100, 200], route: [X], load_kb: 100}
"""


def play(sim: Simulator, choices: list[list[float]]) -> Episode:
    """An episode where AGV m's n-th decision asks choices[m][n] x plan (inf: all)."""
    ep = Episode(sim, per_decision=True)
    seen = [0] * len(choices)
    while not ep.done:
        obs = ep.observation
        c = choices[obs.agv][seen[obs.agv]]
        seen[obs.agv] += 1
        ep.step(obs.remaining_kb if c == math.inf else c * obs.plan_kb)
    return ep


@pytest.mark.parametrize("choice,processed,difference", [
    # none: X idle until b hands over 100 at t=20 (25 kB by 45); Y gets a's 100 at t=20 (25)
    (0.0, 50.0, -10.0),
    # all: X busy from t=10 (35 kB by 45), b waits at the door; Y gets nothing from a
    (math.inf, 35.0, -25.0),
])
def test_a_single_decision_against_the_plan_by_hand(load_text, choice, processed, difference):
    # the plan itself (55 at X): X busy from t=10 (35 by 45), Y gets 45 at t=20 (25): G = 60
    sim = Simulator(load_text(HAND))
    assert sim.run(lambda o: o.plan_kb).processed_kb == pytest.approx(60.0)
    ep = play(sim, [[choice], []])
    assert ep.result.processed_kb == pytest.approx(processed)
    assert CounterfactualReplay(sim).decision_differences(ep.result, [[choice], []]) == \
        {0: pytest.approx(difference)}


def test_a_choice_with_the_plans_effect_needs_no_replay(load_text):
    sim = Simulator(load_text(HAND))
    ep = play(sim, [[1.0], []])
    assert ep.result.trace.decision_snapshots == {}
    assert CounterfactualReplay(sim).decision_differences(ep.result, [[1.0], []]) == {}


def test_differences_match_replays_from_scratch():
    sc = ScenarioGenerator(agvs=7).generate(11)
    sim = Simulator(sc)
    rng = np.random.default_rng(5)
    fractions = [math.inf if f is None else f for f in ActionSet.FRACTIONS]
    choices = [[fractions[int(i)] for i in rng.integers(0, len(fractions), 80)]
               for _ in sc.agvs]
    ep = play(sim, choices)
    # the episode itself is what a from-scratch replay of the same choices gives
    assert sim.resume(None, choices, -1, "scratch", relative=True).processed_kb == \
        pytest.approx(ep.result.processed_kb, abs=1e-9)
    diffs = CounterfactualReplay(sim).decision_differences(ep.result, choices)
    assert len(diffs) > 10 and any(abs(d) > 1.0 for d in diffs.values())
    for j in list(diffs)[::3]:
        _, m, *_ = ep.result.trace.decisions[j]
        n = sum(1 for d in ep.result.trace.decisions[:j] if d[1] == m)
        changed = [list(c) for c in choices]
        changed[m][n] = 1.0
        scratch = sim.resume(None, changed, -1, "scratch", relative=True).processed_kb
        assert diffs[j] == pytest.approx(ep.result.processed_kb - scratch, abs=1e-6)


def test_per_decision_differences_need_per_decision_snapshots(load_text):
    sim = Simulator(load_text(HAND))
    res = sim.run(lambda o: 0.0, record=True)
    with pytest.raises(SimError, match="per_decision"):
        CounterfactualReplay(sim).decision_differences(res, [[0.0], []])


def test_global_step_rewards_add_up_to_what_was_processed_after_each_first_decision():
    sc = ScenarioGenerator(agvs=5).generate(3)
    sim = Simulator(sc)
    res = sim.run(lambda o: 0.5 * o.remaining_kb, record=True)
    rewards = CounterfactualReplay(sim).step_rewards(res)
    for m in range(len(sc.agvs)):
        own = [d for d in res.trace.decisions if d[1] == m]
        assert len(rewards[m]) == len(own)
        assert sum(rewards[m]) == pytest.approx(res.processed_kb - own[0][8])
        assert all(r >= -1e-9 for r in rewards[m])   # processed work never falls

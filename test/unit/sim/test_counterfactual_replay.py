"""Counterfactual replay (for MCOO eq. 25): snapshots give exactly the from-scratch answer."""

from __future__ import annotations

import pytest

from offload_ros.model import Scenario, ScenarioGenerator
from offload_ros.planning import BalancedPlanner, CooperativePlanner, PlannerRegistry
from offload_ros.sim import CounterfactualReplay, SimError, Simulator
from test.conftest import DATA
from test.unit.sim.test_conservation import RandomFraction


class ReplayPolicy:
    """The counterfactual written against the public Policy API, from scratch: AGV ``agent``
    asks for its plan; every other AGV repeats its recorded requests in order."""

    name = "replay"

    def __init__(self, agent, requests):
        self.agent, self.requests = agent, requests
        self.count = [0] * len(requests)

    def decide(self, obs):
        n = self.count[obs.agv]
        self.count[obs.agv] += 1
        if obs.agv == self.agent or n >= len(self.requests[obs.agv]):
            return obs.plan_kb
        return self.requests[obs.agv][n]


def policies(sc):
    return [PlannerRegistry.make("greedy", sc), CooperativePlanner(sc), RandomFraction(3)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_snapshot_replay_equals_replay_from_scratch(seed):
    sc = ScenarioGenerator(agvs=6, es=6).generate(seed)
    sim = Simulator(sc)
    replay = CounterfactualReplay(sim)
    for pol in policies(sc):
        episode = sim.run(pol, record=True)
        for m in range(len(sc.agvs)):
            fast = replay.replay(episode, m)
            slow = sim.run(ReplayPolicy(m, episode.trace.requests))
            assert fast.processed_kb == pytest.approx(slow.processed_kb, abs=1e-9)
            for aid in fast.agvs:
                assert fast.agvs[aid].delivered_kb == pytest.approx(slow.agvs[aid].delivered_kb)
                assert fast.agvs[aid].wait_s == pytest.approx(slow.agvs[aid].wait_s)
                assert fast.agvs[aid].cycles == slow.agvs[aid].cycles


def test_an_agv_on_its_plan_needs_no_replay_and_has_zero_difference_reward():
    sc = Scenario.load(DATA / "yield_helps.yaml")
    sim = Simulator(sc)
    episode = sim.run(BalancedPlanner(sc), record=True)
    assert episode.trace.snapshots == {}
    replay = CounterfactualReplay(sim)
    assert replay.replay(episode, 0) is episode
    assert replay.difference_rewards(episode) == [0.0, 0.0]


def test_difference_reward_on_a_hand_built_factory():
    # A yields at X (cooperative); B has no decision (X is its only stop). Replacing A by its
    # default gives exactly the balanced run, so D_A = coop - balanced > 0 and D_B = 0.
    sc = Scenario.load(DATA / "yield_helps.yaml")
    sim = Simulator(sc)
    coop = sim.run(CooperativePlanner(sc), record=True)
    balanced = sim.run(BalancedPlanner(sc))
    d_a, d_b = CounterfactualReplay(sim).difference_rewards(coop)
    assert d_a == pytest.approx(coop.processed_kb - balanced.processed_kb)
    assert d_a > 50 and d_b == 0.0


def test_replay_needs_a_recorded_episode():
    sc = ScenarioGenerator(agvs=2, es=2).generate(0)
    sim = Simulator(sc)
    with pytest.raises(SimError, match="record=True"):
        CounterfactualReplay(sim).replay(sim.run(RandomFraction(0)), 0)
    with pytest.raises(SimError, match="no AGV with index 5"):
        CounterfactualReplay(sim).replay(sim.run(RandomFraction(0), record=True), 5)

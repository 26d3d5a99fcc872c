"""The PettingZoo AEC environment: API conformance, seeding, rewards."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test
from pettingzoo.test.seed_test import check_environment_deterministic

from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.errors import SimError
from offload_ros.sim.offload_aec_env import OffloadAecEnv, OffloadEnvConfig
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

SMALL = ScenarioFamily(agvs_min=2, agvs_max=4, horizon_s=1200)


@pytest.mark.parametrize("reward", ["difference", "global"])
def test_passes_the_pettingzoo_api_test(reward):
    api_test(OffloadAecEnv(SMALL, OffloadEnvConfig(reward=reward)), num_cycles=400)


def test_same_seed_same_episode():
    check_environment_deterministic(OffloadAecEnv(SMALL), OffloadAecEnv(SMALL), 300)


def play(env: OffloadAecEnv, seed: int, action: int) -> tuple[list, dict]:
    env.reset(seed=seed)
    turns, total = [], {}
    for agent in env.agent_iter():
        obs, reward, term, trunc, _ = env.last()
        total[agent] = total.get(agent, 0.0) + reward
        turns.append((agent, obs.tobytes()))
        env.step(None if term or trunc else action)
    return turns, total


def test_seeds_pick_factories_and_reproduce_them():
    env = OffloadAecEnv(SMALL)
    a = play(env, 3, 4)
    assert play(env, 3, 4) == a
    assert play(env, 4, 4)[0] != a[0]


def test_difference_rewards_are_eq_25_per_agv_at_the_end():
    env = OffloadAecEnv(SMALL, OffloadEnvConfig(reward="difference", reward_scale_kb=1.0))
    _, total = play(env, 7, 0)          # "none" everywhere: far from the plan
    res = env.episode.result
    want = CounterfactualReplay(Simulator(env.scenario)).difference_rewards(
        Simulator(env.scenario).run(lambda o: 0.0, record=True))
    assert res.processed_kb == pytest.approx(Simulator(env.scenario).run(lambda o: 0.0)
                                             .processed_kb)
    assert [total[a.id] for a in env.scenario.agvs] == pytest.approx(want)
    assert any(abs(d) > 1 for d in want)


def test_global_rewards_add_up_to_the_processed_work():
    env = OffloadAecEnv(SMALL, OffloadEnvConfig(reward="global", reward_scale_kb=1.0))
    turns, total = play(env, 2, 4)
    first = env.scenario.agvs[0].id
    # every agent sees every increment from the first decision on
    assert total[first] == pytest.approx(total[env.scenario.agvs[-1].id])
    assert 0 < total[first] <= env.episode.result.processed_kb + 1e-9


def test_a_bad_action_names_the_agent_and_the_actions():
    env = OffloadAecEnv(SMALL)
    env.reset(seed=0)
    with pytest.raises(SimError, match=rf"{env.agent_selection}: action must be one of 0..4"):
        env.step(9)


def test_files_family_and_observations_in_their_space():
    fam = ScenarioFamily(scenarios=f"{SCENARIOS / 'congested_4agv.yaml'},congested_6agv")
    env = OffloadAecEnv(fam)
    assert set(env.possible_agents) >= {f"agv{i}" for i in range(1, 7)}
    env.reset(seed=1)
    obs = env.observe(env.agent_selection)
    assert env.observation_space(env.agent_selection).contains(obs) and obs.any()
    assert env.state().shape == env.state_space.shape
    assert np.all((env.state() >= 0) & (env.state() <= 1))


def test_bad_reward_mode_is_rejected():
    with pytest.raises(SimError, match="reward: must be one of global, difference"):
        OffloadEnvConfig(reward="local")

"""The AIGC offloading PettingZoo parallel environment: API conformance and seeding."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test
from pettingzoo.test.seed_test import parallel_seed_test

from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.aigc_offload.aigc_offload_env import AigcOffloadEnv
from offload_ros.sim.errors import SimError


@pytest.mark.parametrize("agvs", [2, 7])
def test_passes_the_parallel_api_test(agvs):
    parallel_api_test(AigcOffloadEnv(ScenarioFamily(), agvs=agvs), num_cycles=400)


def test_seed_test():
    parallel_seed_test(lambda: AigcOffloadEnv(ScenarioFamily(), agvs=3), num_cycles=200)


def play(env: AigcOffloadEnv, seed: int) -> tuple[list[bytes], float, int]:
    obs, infos = env.reset(seed=seed)
    trace, total, steps = [], 0.0, 0
    while env.agents:
        acts = {a: int(np.flatnonzero(infos[a]["action_mask"])[-1]) for a in env.agents}
        obs, rew, term, trunc, infos = env.step(acts)
        trace.append(b"".join(o.tobytes() for o in obs.values()))
        total += sum(rew.values())
        steps += 1
    return trace, total, steps


def test_same_seed_same_episode_other_seed_other_factory():
    env = AigcOffloadEnv(ScenarioFamily(), agvs=3)
    first = play(env, 4)
    assert play(env, 4) == first
    assert play(env, 5)[0] != first[0]
    assert first[2] >= env.sim.settings.horizon_s / env.sim.settings.epoch_s


def test_masks_allow_only_hold_without_a_task_and_episode_truncates_everyone():
    env = AigcOffloadEnv(ScenarioFamily(), agvs=2)
    _, infos = env.reset(seed=1)
    for a, info in infos.items():
        if not info["active"]:
            assert info["action_mask"].tolist() == [1] + [0] * env.n_es
    last = None
    while env.agents:
        last = env.step({a: 0 for a in env.agents})
    assert all(last[3].values()) and not any(last[2].values())


def test_a_range_of_fleet_sizes_needs_a_fixed_count():
    with pytest.raises(SimError, match="fixed number of agents"):
        AigcOffloadEnv(ScenarioFamily(agvs_min=2, agvs_max=5))

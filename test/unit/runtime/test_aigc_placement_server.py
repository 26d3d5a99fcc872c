"""A policy node's AIGC placement: a policy by name acting on one AGV's row, and requests
that are not this factory's observation refused by field."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_placement_server import AigcPlacementServer
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator

SC = Scenario.load(PackagePaths.share() / "config" / "scenarios" / "factory_5agv.yaml")


def busy_observation() -> AigcObservation:
    sim = AigcSimulator(SC)
    sim.reset(5)
    while not any(sim.head(i) for i in range(sim.n_agvs)):
        sim.step([0] * sim.n_agvs)
    return AigcObservation(sim)


@pytest.mark.parametrize("policy", ["greedy", "batch_greedy", "nearest", "amarl"])
def test_the_action_for_one_row_is_the_policy_s_action_for_that_agv(policy):
    obs = busy_observation()
    i = int(np.flatnonzero(obs.active)[0])
    server = AigcPlacementServer(SC, policy)
    from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
    assert server.decide(obs.row(i)) == int(AigcPolicyFactory.make(policy).act(obs)[i])
    assert server.decide(obs.row(i)) >= 1


def test_requests_that_are_not_this_factory_s_observation_are_named():
    obs = busy_observation().row(0)
    server = AigcPlacementServer(SC, "greedy")
    short = AigcObservation.of(obs.features[:, :-1], obs.eft_s, obs.eft_batch_s,
                               obs.distance_m, obs.active)
    with pytest.raises(NodeError, match="features: 61 values, this factory's observation "
                                        "has 62"):
        server.decide(short)
    wide = AigcObservation.of(obs.features, np.zeros((1, 7)), obs.eft_batch_s,
                              obs.distance_m, obs.active)
    with pytest.raises(NodeError, match="eft_s: 7 values, this factory has 6 edge servers"):
        server.decide(wide)
    with pytest.raises(NodeError, match="policy node: unknown AIGC offloading policy 'nope'"):
        AigcPlacementServer(SC, "nope")

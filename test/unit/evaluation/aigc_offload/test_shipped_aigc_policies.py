"""The AIGC offloading policies shipped in ``models/`` load by name and act for fleets of 2
and 10 AGVs, placing tasks on edge servers (not holding them for ever)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator


@pytest.mark.parametrize("name", ["amarl", "concat", "idqn"])
@pytest.mark.parametrize("agvs", [2, 10])
def test_shipped_checkpoint_loads_by_name_and_places_tasks(name, agvs):
    assert PolicyFactory.checkpoint_path(name).is_file(), f"models/{name}/policy.pt is missing"
    sc = ScenarioFamily(agvs_min=agvs, agvs_max=agvs).draw(0, "shipped-aigc", evaluation=True)
    sc = dataclasses.replace(sc, aigc=dataclasses.replace(sc.aigc_settings(), horizon_s=60.0,
                                                          drain_s=60.0))
    sim = AigcSimulator(sc)
    sim.reset(7)
    policy = AigcPolicyFactory.make(name, 7)
    placed = held = 0
    while not sim.done:
        obs = AigcObservation(sim)
        act = np.asarray(policy.act(obs))
        assert act.shape == (agvs,) and ((0 <= act) & (act <= sim.n_es)).all()
        placed += int((act[obs.active] > 0).sum())
        held += int((act[obs.active] == 0).sum())
        sim.step(act)
    sim.check_conservation()
    summary = sim.summary()
    assert summary["tasks"] > 0 and placed >= summary["tasks"] - held
    assert summary["finished"] >= 0.8 * summary["tasks"]
    assert summary["completion_rate"] > 0.5 and np.isfinite(summary["mean_latency_s"])

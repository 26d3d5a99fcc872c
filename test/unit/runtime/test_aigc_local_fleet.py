"""Live AIGC placement, its parts wired in one process (AGVs' placers, their policy nodes, the
edge servers), reproduces ``aigc offload`` for the same scenario, policy and task seed."""

from __future__ import annotations

import pytest

from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import AigcOffloadEvaluation
from offload_ros.model.scenario import Scenario
from offload_ros.model.package_paths import PackagePaths
from offload_ros.runtime.aigc_local_fleet import AigcLocalFleet

SCENARIOS = PackagePaths.share() / "config" / "scenarios"


@pytest.mark.parametrize("name,policy", [("factory_5agv", "greedy"),
                                         ("factory_5agv", "batch_greedy"),
                                         ("factory_5agv", "amarl"),
                                         ("congested_10agv", "nearest"),
                                         ("congested_10agv", "batch_greedy"),
                                         ("congested_10agv", "concat")])
def test_live_placement_gives_the_model_s_latencies(name, policy):
    sc = Scenario.load(SCENARIOS / f"{name}.yaml")
    seed = AigcOffloadEvaluation.task_seed(0, 3)
    model, _ = AigcOffloadEvaluation(policy).episode(sc, seed)
    live = AigcLocalFleet(sc, policy, seed).run()
    assert live["tasks"] > 20 * len(sc.agvs) and live["finished"] == live["tasks"]
    for key in ("tasks", "finished", "expired", "refusals", "holds", "epochs"):
        assert live[key] == model[key], key
    for key in ("mean_latency_s", "p95_latency_s", "completion_rate", "end_s"):
        assert live[key] == pytest.approx(model[key], rel=1e-9), key

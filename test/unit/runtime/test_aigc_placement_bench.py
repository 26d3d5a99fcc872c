"""``bench placement`` measures decisions that happened and compares with the model."""

from __future__ import annotations

import pytest

from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_placement_bench import AigcPlacementBench


def test_each_placement_is_timed_and_live_matches_the_model():
    sc = Scenario.load(PackagePaths.share() / "config" / "scenarios" / "factory_5agv.yaml")
    (row,) = AigcPlacementBench([sc], ("greedy",)).run()
    assert row["decisions"] > 50 and row["agvs"] == 5
    assert 0 < row["epoch_p50_ms"] <= row["epoch_p99_ms"]
    assert row["state_bytes_max"] > 200                   # tasks were held and broadcast
    assert row["live_over_model"] == pytest.approx(1.0, rel=1e-9)

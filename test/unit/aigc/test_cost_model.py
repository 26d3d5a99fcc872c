"""The AIGC cost model: arithmetic by hand, a measured fit, save/load."""

from __future__ import annotations

import pytest

from offload_ros.aigc.cost_model import CostModel
from offload_ros.aigc.errors import AigcError


def test_task_cost_by_hand():
    cost = CostModel(resolution=32, fixed_s=0.01, per_image_s=0.002, max_batch=4)
    # 6 images = a batch of 4 (0.018 s/step) + a batch of 2 (0.014 s/step), 10 steps
    assert cost.task_s(6, 10) == pytest.approx(0.32)
    assert cost.task_s(6, 10, resolution=64) == pytest.approx(1.28)   # 4x the pixels
    assert cost.seconds_per_image_step(4) == pytest.approx(0.0045)
    with pytest.raises(AigcError):
        cost.task_s(0, 10)


def test_measure_fits_and_roundtrips(tiny_model, tmp_path):
    cost = CostModel.measure(tiny_model, batches=(1, 4), steps=2, repeats=1)
    assert [b for b, _ in cost.timings] == [1, 4]
    assert cost.max_batch == 4 and cost.resolution == 32
    assert cost.per_image_s > 0 and cost.fixed_s >= 0
    path = cost.save(tmp_path)
    assert CostModel.load(tmp_path) == cost
    path.write_text("[1, 2")
    with pytest.raises(AigcError, match="unreadable cost model"):
        CostModel.load(tmp_path)
    with pytest.raises(AigcError, match="no cost model"):
        CostModel.load(tmp_path / "elsewhere")

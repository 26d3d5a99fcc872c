"""The shipped model in models/aigc loads from disk alone and generates what is asked for."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.aigc.cost_model import CostModel
from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.defect_image_generator import CLASSES
from test.conftest import ROOT

SHIPPED = ROOT / "models" / "aigc"


@pytest.fixture(scope="module")
def shipped():
    return DefectDiffusionModel.load(SHIPPED)


def test_loads_offline_with_the_procedural_classes(shipped):
    assert shipped.class_names == CLASSES
    assert shipped.resolution == 32
    assert shipped.info["trained_steps"] == shipped.config.steps
    weights = SHIPPED / "unet" / "diffusion_pytorch_model.safetensors"
    assert weights.stat().st_size < 8 * 2 ** 20                      # "a few MB"


def test_generates_the_requested_shape(shipped):
    img = shipped.generate("crack", 2, steps=4, seed=0)
    assert img.shape == (2, 32, 32) and img.dtype == np.uint8
    assert img.std() > 0                                             # not a blank image


def test_ships_its_cost_model():
    cost = CostModel.load(SHIPPED)
    assert cost.resolution == 32 and len(cost.timings) >= 2
    assert cost.task_s(4, 20) > cost.task_s(1, 20) > 0

"""A tiny diffusion model (two 8/16-channel levels, a few kB) built from a fixed seed: fast
enough for every test, and the same numbers on every machine with the pinned torch."""

from __future__ import annotations

import pytest

from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.defect_image_generator import CLASSES
from offload_ros.aigc.diffusion_config import DiffusionConfig

TINY = DiffusionConfig(channels="8,16", per_class=4, steps=4, batch=4, checkpoint_every=2,
                       warmup=1)


@pytest.fixture(scope="session")
def tiny_model():
    return DefectDiffusionModel.build(TINY, CLASSES)

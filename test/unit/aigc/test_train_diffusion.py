"""A few-step training run: it writes a model that loads and generates, and resuming from its
checkpoint gives exactly the weights of an uninterrupted run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.errors import AigcError
from offload_ros.aigc.train_diffusion import TrainDiffusion
from test.unit.aigc.conftest import TINY


def test_smoke_training_writes_a_model_that_generates(tmp_path):
    trainer = TrainDiffusion(TINY, tmp_path, progress=False)
    before = {k: v.clone() for k, v in trainer.unet.state_dict().items()}
    trainer.run()
    after = trainer.unet.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)   # it learned something
    model = DefectDiffusionModel.load(tmp_path)
    assert model.info["trained_steps"] == 4
    assert model.generate("stain", 2, steps=2).shape == (2, 32, 32)
    for name in ("checkpoint.pt", "training.csv", "training.png", "samples/step_000002.png",
                 "samples/step_000004.png"):
        assert (tmp_path / name).is_file(), name


def test_resume_matches_an_uninterrupted_run(tmp_path):
    straight = TrainDiffusion(TINY, tmp_path / "a", progress=False)
    straight.run()
    half = TrainDiffusion(TINY, tmp_path / "b", progress=False)
    half.train_step()
    half.train_step()
    half.save(wall_s=1.0)              # what the checkpoint at step 2 of 4 holds
    resumed = TrainDiffusion(TINY, tmp_path / "b", progress=False, resume=True)
    assert resumed.step == 2
    resumed.run()
    for key, value in straight.unet.state_dict().items():
        assert torch.equal(value, resumed.unet.state_dict()[key]), key
    a = DefectDiffusionModel.load(tmp_path / "a").generate("pit", 1, steps=3)
    b = DefectDiffusionModel.load(tmp_path / "b").generate("pit", 1, steps=3)
    assert np.array_equal(a, b)                      # the EMA weights agree as well


def test_resume_needs_a_checkpoint_and_the_same_shape(tmp_path):
    with pytest.raises(AigcError, match="nothing to resume"):
        TrainDiffusion(TINY, tmp_path, progress=False, resume=True)
    TrainDiffusion(replace(TINY, steps=2), tmp_path, progress=False).run()
    with pytest.raises(AigcError, match="channels"):
        TrainDiffusion(replace(TINY, channels="8,8"), tmp_path, progress=False, resume=True)
    (tmp_path / "checkpoint.pt").write_bytes(b"garbage")
    with pytest.raises(AigcError, match="cannot resume"):
        TrainDiffusion(TINY, tmp_path, progress=False, resume=True)


def test_bad_config_names_the_field():
    with pytest.raises(AigcError, match="channels"):
        replace(TINY, channels="8,12")
    with pytest.raises(AigcError, match="steps"):
        replace(TINY, steps=0)

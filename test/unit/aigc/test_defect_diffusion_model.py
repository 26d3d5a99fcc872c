"""The diffusion model: a tiny UNet against stored output slices, offline save/load, bad
folders and bad requests."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from offload_ros.aigc.defect_diffusion_model import INFO, DefectDiffusionModel
from offload_ros.aigc.errors import AigcError

# Computed once with the pinned torch and diffusers (constraints.txt) from TINY, seed 0.
FIRST_ROW = [-0.06702, 0.15339, 0.02073, 0.06062, -0.02749, 0.1204]
LAST_ROW = [-0.42874, -0.56009, -0.17133, -0.27426, -0.34761, -0.10657]
NOISE = [-0.57068, 0.59474, -0.55444, -1.81348]
PIXELS_0 = [71, 254, 251, 13, 0, 67, 255, 65]        # DDIM, 3 steps, guidance 2
PIXELS_1 = [16, 255, 18, 255, 0, 242, 243, 255]


def test_tiny_unet_expected_slices(tiny_model):
    x = tiny_model.noise(7, 0)
    assert x[0, 0, 0, :4].tolist() == pytest.approx(NOISE, abs=1e-5)
    with torch.no_grad():
        out = tiny_model.unet(x, torch.tensor([500]), class_labels=torch.tensor([2])).sample
    assert out.shape == (1, 1, 32, 32)
    assert out[0, 0, 0, :6].tolist() == pytest.approx(FIRST_ROW, abs=1e-4)
    assert out[0, 0, -1, -6:].tolist() == pytest.approx(LAST_ROW, abs=1e-4)


def test_tiny_generation_expected_pixels(tiny_model):
    img = tiny_model.generate("crack", 2, steps=3, seed=1)
    assert img.shape == (2, 32, 32) and img.dtype == np.uint8
    assert np.abs(img[0, 0, :8].astype(int) - PIXELS_0).max() <= 1
    assert np.abs(img[1, 5, :8].astype(int) - PIXELS_1).max() <= 1


def test_build_leaves_global_rng_alone(tiny_model):
    torch.manual_seed(123)
    a = torch.rand(3)
    torch.manual_seed(123)
    DefectDiffusionModel.build(tiny_model.config, tiny_model.class_names)
    assert torch.equal(torch.rand(3), a)


def test_save_load_roundtrip_offline(tiny_model, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    tiny_model.save(tmp_path / "m", trained_steps=0)
    assert (tmp_path / "m" / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    assert (tmp_path / "m" / "scheduler" / "scheduler_config.json").is_file()
    loaded = DefectDiffusionModel.load(tmp_path / "m")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert loaded.class_names == tiny_model.class_names
    assert loaded.info["trained_steps"] == 0
    assert np.array_equal(loaded.generate("pit", 2, steps=4, seed=5),
                          tiny_model.generate("pit", 2, steps=4, seed=5))


def test_missing_folder(tmp_path):
    with pytest.raises(AigcError, match="no such model folder"):
        DefectDiffusionModel.load(tmp_path / "none")


def test_folder_without_description(tmp_path):
    (tmp_path / "unet").mkdir()
    with pytest.raises(AigcError, match=f"no {INFO}"):
        DefectDiffusionModel.load(tmp_path)


def test_corrupt_weights(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    weights = tmp_path / "unet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(AigcError, match="corrupt or incomplete"):
        DefectDiffusionModel.load(tmp_path)


def test_other_format_and_bad_json(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    meta = json.loads((tmp_path / INFO).read_text())
    (tmp_path / INFO).write_text(json.dumps(dict(meta, format="other/9")))
    with pytest.raises(AigcError, match="format"):
        DefectDiffusionModel.load(tmp_path)
    (tmp_path / INFO).write_text("{not json")
    with pytest.raises(AigcError, match="unreadable model description"):
        DefectDiffusionModel.load(tmp_path)


@pytest.mark.parametrize("call, field", [
    (lambda m: m.generate("rust", 1), "unknown class 'rust'"),
    (lambda m: m.generate(9, 1), "unknown class 9"),
    (lambda m: m.generate("crack", 1, steps=0), "steps"),
    (lambda m: m.generate("crack", 1, steps=2.5), "steps"),
    (lambda m: m.generate("crack", 0), "num"),
])
def test_bad_requests(tiny_model, call, field):
    with pytest.raises(AigcError, match=field):
        call(tiny_model)


def test_guidance_uses_the_unconditional_pass(tiny_model):
    plain = tiny_model.generate("scratch", 1, steps=3, seed=2)
    guided = tiny_model.generate("scratch", 1, steps=3, seed=2, guidance=3.0)
    assert plain.shape == guided.shape and not np.array_equal(plain, guided)

"""Real datasets in the folder layout root/<class>/*.png, and their bad forms."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from offload_ros.aigc.defect_dataset import DefectDataset
from offload_ros.aigc.errors import AigcError


def write(path, array, mode="L"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path)


def test_folder_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (32, 32), dtype=np.uint8)
    write(tmp_path / "scratch" / "1.png", a)
    write(tmp_path / "scratch" / "2.png", a[::-1].copy())
    write(tmp_path / "crack" / "x.png", rng.integers(0, 256, (50, 40, 3), dtype=np.uint8), "RGB")
    (tmp_path / "crack" / "notes.txt").write_text("ignored")
    data = DefectDataset.load(str(tmp_path), resolution=32)
    assert data.class_names == ("crack", "scratch")            # sorted folder names
    assert data.labels.tolist() == [0, 1, 1]
    assert data.images.shape == (3, 32, 32)
    assert np.array_equal(data.images[1], a)                  # exact at the native size


def test_no_images(tmp_path):
    (tmp_path / "crack").mkdir()
    (tmp_path / "crack" / "readme.txt").write_text("x")
    with pytest.raises(AigcError, match="no images found"):
        DefectDataset.from_folder(tmp_path, 32)


def test_missing_folder(tmp_path):
    with pytest.raises(AigcError, match="no such dataset folder"):
        DefectDataset.from_folder(tmp_path / "nope", 32)


def test_corrupt_image_is_named(tmp_path):
    write(tmp_path / "a" / "ok.png", np.zeros((32, 32), np.uint8))
    bad = tmp_path / "b" / "broken.png"
    bad.parent.mkdir()
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(AigcError, match="broken.png"):
        DefectDataset.from_folder(tmp_path, 32)


def test_one_class_is_not_enough(tmp_path):
    write(tmp_path / "only" / "a.png", np.zeros((32, 32), np.uint8))
    with pytest.raises(AigcError, match="at least two"):
        DefectDataset.from_folder(tmp_path, 32)


def test_subset_takes_per_class():
    data = DefectDataset.procedural(32, 6, seed=0)
    sub = data.subset(2, np.random.default_rng(0))
    assert np.bincount(sub.labels).tolist() == [2] * 5


def test_split_is_disjoint_and_keeps_every_class():
    data = DefectDataset.procedural(32, 6, seed=0)
    rest, test = data.split(4, np.random.default_rng(0))
    assert np.bincount(test.labels).tolist() == [3] * 5          # at most half of a class
    assert np.bincount(rest.labels).tolist() == [3] * 5
    seen = {img.tobytes() for img in rest.images}
    assert not any(img.tobytes() in seen for img in test.images)


def test_relabel_follows_the_given_order():
    data = DefectDataset(np.zeros((3, 2, 2), np.uint8), np.array([0, 1, 1]), ("crack", "pit"),
                         "t")
    assert data.relabel(("pit", "crack")).labels.tolist() == [1, 0, 0]
    with pytest.raises(AigcError, match="not"):
        data.relabel(("pit", "stain"))

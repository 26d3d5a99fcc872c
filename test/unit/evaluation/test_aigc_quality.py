"""The AIGC quality and few-shot measurements on a tiny model: their bookkeeping is right (the
numbers a real model gets are in docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.defect_image_generator import CLASSES
from offload_ros.evaluation.aigc_quality import AigcQuality
from offload_ros.evaluation.aigc_quality_config import AigcQualityConfig
from offload_ros.evaluation.errors import EvaluationError
from test.unit.aigc.conftest import TINY

SMALL = AigcQualityConfig(per_class=4, judge_per_class=40, shots=2, generated=3, trials=2,
                          test_per_class=20, steps=2, updates=60)


@pytest.fixture(scope="module")
def model():
    return DefectDiffusionModel.build(TINY, CLASSES)


def test_quality_counts_and_judge(model, tmp_path):
    ticks = []
    q = AigcQuality(model, SMALL, progress=lambda: ticks.append(1))
    res = q.quality()
    assert len(ticks) == q.quality_total() == 5
    assert set(res["per_class"]) == set(CLASSES)
    assert all(r in (0, 0.25, 0.5, 0.75, 1.0) for r in res["per_class"].values())
    assert res["judge_real_accuracy"] > 0.5          # the judge itself sees the classes
    table, grid = AigcQuality.write_quality(res, tmp_path, CLASSES)
    assert table.read_text().count("\n") == 1 + 5 + 2 and grid.is_file()
    from PIL import Image
    side = res["samples"].shape[1] * 4 + 2                 # scaled image and its padding
    with Image.open(grid) as img:                          # a row per class, as labelled,
        assert img.height == len(CLASSES) * side + 2       # also with 4 (< 8) per class


def test_fewshot_pairs_trials_and_zero_generated_changes_nothing(model, tmp_path):
    from dataclasses import replace
    res = AigcQuality(model, replace(SMALL, generated=0)).fewshot()
    assert len(res["rows"]) == 2
    for row in res["rows"]:  # same samples, same classifier seed: identical accuracy
        assert row["with_generated"] == row["real_only"]
    assert res["gain"].mean == 0
    res = AigcQuality(model, SMALL).fewshot()
    assert res["real_only"].n == res["with_generated"].n == 2
    table, png = AigcQuality.write_fewshot(res, tmp_path)
    assert table.read_text().count("\n") == 3 and png.is_file()


def test_folder_with_other_classes_is_refused(model, tmp_path):
    import numpy as np
    from PIL import Image
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / name / "0.png")
    from dataclasses import replace
    with pytest.raises(EvaluationError, match="differ from the model"):
        AigcQuality(model, replace(SMALL, data=str(tmp_path))).quality()


def test_config_checks():
    with pytest.raises(EvaluationError, match="trials"):
        AigcQualityConfig(trials=0)


def test_folder_test_images_are_held_out(model, tmp_path):
    import numpy as np
    from dataclasses import replace
    from PIL import Image
    for label, name in enumerate(CLASSES):        # every image unique
        (tmp_path / name).mkdir()
        for k in range(10):
            Image.fromarray(np.full((32, 32), label * 40 + k, np.uint8)).save(
                tmp_path / name / f"{k}.png")
    q = AigcQuality(model, replace(SMALL, data=str(tmp_path), test_per_class=4))
    held = q.real(4, "test")
    assert held.class_names == CLASSES                   # folder order mapped to the model's
    assert all(img[0, 0] // 40 == label for img, label in zip(held.images, held.labels))
    test = {img.tobytes() for img in held.images}
    for stream in ("judge-train", "fewshot-pool"):
        assert not test & {img.tobytes() for img in q.real(6, stream).images}

"""The procedural defect images: seeded, stable, and telling the classes apart."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.aigc.defect_classifier import DefectClassifier
from offload_ros.aigc.defect_image_generator import CLASSES, DefectImageGenerator
from offload_ros.aigc.errors import AigcError


def test_same_seed_same_images_and_prefix_stable():
    gen = DefectImageGenerator()
    a = gen.images(2, 6, seed=3)
    assert a.shape == (6, 32, 32) and a.dtype == np.uint8
    assert np.array_equal(a, gen.images(2, 6, seed=3))
    assert np.array_equal(a[:4], gen.images(2, 4, seed=3))      # more images keep the first
    assert not np.array_equal(a, gen.images(2, 6, seed=4))
    assert not np.array_equal(a, gen.images(2, 6, seed=3, stream="test"))


def test_64px_and_dataset_labels():
    imgs, labels = DefectImageGenerator(resolution=64).dataset(3, seed=0)
    assert imgs.shape == (15, 64, 64)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]


def test_classes_are_learnable_from_the_images():
    gen = DefectImageGenerator()
    x, y = gen.dataset(60, seed=0, stream="train")
    xt, yt = gen.dataset(40, seed=0, stream="test")
    clf = DefectClassifier(len(CLASSES), seed=0).fit(x, y, updates=250)
    assert clf.accuracy(xt, yt) > 0.85


@pytest.mark.parametrize("kwargs, field", [({"resolution": 48}, "resolution"),
                                           ({"background": "wood"}, "background"),
                                           ({"noise": -1.0}, "noise")])
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(AigcError, match=field):
        DefectImageGenerator(**kwargs)


def test_unknown_label():
    with pytest.raises(AigcError, match="class label"):
        DefectImageGenerator().images(7, 1, seed=0)

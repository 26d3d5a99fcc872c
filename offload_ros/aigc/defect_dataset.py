"""Labelled grayscale images for training and evaluation: procedural, or a real dataset in
the usual folder layout (``root/<class>/*.png``, as NEU or MVTec-AD style exports)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from offload_ros.aigc.defect_image_generator import CLASSES, DefectImageGenerator
from offload_ros.aigc.errors import AigcError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


@dataclass
class DefectDataset:
    """``images``: uint8 (N, side, side); ``labels``: int64 (N,) indexing ``class_names``."""

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def load(cls, spec: str, resolution: int = 32, per_class: int = 1000, seed: int = 0,
             stream: str = "train") -> "DefectDataset":
        """``procedural`` draws ``per_class`` images per class; anything else is a folder."""
        if spec == "procedural":
            return cls.procedural(resolution, per_class, seed, stream)
        return cls.from_folder(Path(spec), resolution)

    @classmethod
    def procedural(cls, resolution: int, per_class: int, seed: int,
                   stream: str = "train") -> "DefectDataset":
        images, labels = DefectImageGenerator(resolution=resolution).dataset(per_class, seed,
                                                                             stream)
        return cls(images, labels, CLASSES, f"procedural(seed={seed}, stream={stream})")

    @classmethod
    def from_folder(cls, root: Path, resolution: int) -> "DefectDataset":
        """One subfolder per class (sorted names are the labels); images are converted to
        grayscale and resized to ``resolution``. Unreadable files are errors naming them."""
        from PIL import Image, UnidentifiedImageError
        root = Path(root)
        if not root.is_dir():
            raise AigcError(f"{root}: no such dataset folder (want root/<class>/*.png)")
        classes = sorted(p.name for p in root.iterdir() if p.is_dir()
                         and not p.name.startswith("."))
        images, labels, names = [], [], []
        for folder in classes:
            files = sorted(f for f in (root / folder).iterdir()
                           if f.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                continue
            for f in files:
                try:
                    with Image.open(f) as im:
                        im = im.convert("L")
                        if im.size != (resolution, resolution):
                            im = im.resize((resolution, resolution), Image.BILINEAR)
                        images.append(np.asarray(im, dtype=np.uint8))
                except (OSError, UnidentifiedImageError) as err:
                    raise AigcError(f"{f}: not a readable image ({err})") from err
                labels.append(len(names))
            names.append(folder)
        if not images:
            raise AigcError(f"{root}: no images found (want root/<class>/*.png; looked in "
                            f"{len(classes)} class folders for {', '.join(IMAGE_SUFFIXES)})")
        if len(names) < 2:
            raise AigcError(f"{root}: only one class folder with images ({names[0]}); a "
                            "class-conditional model needs at least two")
        return cls(np.stack(images), np.asarray(labels, np.int64), tuple(names), str(root))

    def relabel(self, class_names: tuple[str, ...]) -> "DefectDataset":
        """The same images with labels in the order of ``class_names`` (the same names)."""
        if set(class_names) != set(self.class_names):
            raise AigcError(f"{self.source}: classes {', '.join(sorted(self.class_names))} are "
                            f"not {', '.join(sorted(class_names))}")
        order = np.array([class_names.index(n) for n in self.class_names], np.int64)
        return DefectDataset(self.images, order[self.labels], tuple(class_names), self.source)

    def split(self, test_per_class: int, rng: np.random.Generator
              ) -> tuple["DefectDataset", "DefectDataset"]:
        """Disjoint (rest, test): ``test_per_class`` random images of each class for the test
        set, at most half of a class, so both sides keep some of every class."""
        test = []
        for c in range(len(self.class_names)):
            idx = np.flatnonzero(self.labels == c)
            test.append(rng.choice(idx, size=min(test_per_class, len(idx) // 2), replace=False))
        is_test = np.zeros(len(self), bool)
        is_test[np.concatenate(test)] = True
        return self._take(np.flatnonzero(~is_test), "rest"), \
            self._take(np.flatnonzero(is_test), "test")

    def _take(self, keep: np.ndarray, tag: str) -> "DefectDataset":
        return DefectDataset(self.images[keep], self.labels[keep], self.class_names,
                             f"{self.source}[{tag}]")

    def subset(self, per_class: int, rng: np.random.Generator) -> "DefectDataset":
        """``per_class`` random images of each class (all of a class that has fewer)."""
        keep = []
        for c in range(len(self.class_names)):
            idx = np.flatnonzero(self.labels == c)
            keep.append(rng.choice(idx, size=min(per_class, len(idx)), replace=False))
        return self._take(np.sort(np.concatenate(keep)), f"{per_class}/class")

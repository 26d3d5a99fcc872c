"""Procedural industrial surface images with defects: the stand-in for scarce real defect data.

Each image is a textured background (brushed metal or woven fabric) with at most one defect
class drawn on it, with random geometry, contrast and sensor noise. Grayscale, uint8, square.
The same seed gives the same images (``Seeding``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from offload_ros.aigc.errors import AigcError
from offload_ros.model.seeding import Seeding

#: The classes, in label order. ``good`` is a defect-free surface.
CLASSES = ("good", "scratch", "crack", "pit", "stain")
BACKGROUNDS = ("metal", "fabric", "mixed")


@dataclass(frozen=True)
class DefectImageGenerator:
    """Draws labelled surface images. Geometry is in fractions of the image side, so 32x32 and
    64x64 images show the same scenes."""

    resolution: int = field(default=32, metadata={"help": "image side (32 or 64)", "unit": "px"})
    background: str = field(default="mixed", metadata={
        "help": "metal (brushed streaks), fabric (weave) or mixed (either, per image)"})
    noise: float = field(default=6.0, metadata={
        "help": "largest sensor noise standard deviation", "unit": "grey levels"})

    def __post_init__(self) -> None:
        if self.resolution not in (32, 64):
            raise AigcError(f"resolution: must be 32 or 64, got {self.resolution!r}")
        if self.background not in BACKGROUNDS:
            raise AigcError(f"background: must be one of {', '.join(BACKGROUNDS)}, "
                            f"got {self.background!r}")
        if self.noise < 0:
            raise AigcError(f"noise: must be >= 0, got {self.noise!r}")

    # ------------------------------------------------------------------ public
    def images(self, label: int, n: int, seed: int, stream: str = "train") -> np.ndarray:
        """``n`` images of class ``label``: uint8 array (n, side, side). Image ``k`` depends
        only on (seed, stream, label, k), so asking for more images keeps the first ones."""
        if not 0 <= label < len(CLASSES):
            raise AigcError(f"class label: must be in 0..{len(CLASSES) - 1}, got {label!r}")
        return np.stack([self.image(label, Seeding.rng(seed, "defect-image", stream, label, k))
                         for k in range(n)]) if n else np.zeros((0, self.resolution,
                                                                 self.resolution), np.uint8)

    def dataset(self, per_class: int, seed: int, stream: str = "train"
                ) -> tuple[np.ndarray, np.ndarray]:
        """``per_class`` images of every class: (images uint8 (N, side, side), labels int64)."""
        imgs = [self.images(c, per_class, seed, stream) for c in range(len(CLASSES))]
        labels = np.repeat(np.arange(len(CLASSES)), per_class)
        return np.concatenate(imgs), labels.astype(np.int64)

    def image(self, label: int, rng: np.random.Generator) -> np.ndarray:
        s = self.resolution
        y, x = np.mgrid[0:s, 0:s].astype(np.float64) / s  # pixel coordinates in [0, 1)
        kind = self.background if self.background != "mixed" else \
            ("metal", "fabric")[int(rng.integers(2))]
        img = self._metal(rng, x, y) if kind == "metal" else self._fabric(rng, x, y)
        draw = (None, self._scratch, self._crack, self._pit, self._stain)[label]
        if draw is not None:
            img = draw(rng, img, x, y)
        img = img + rng.normal(0.0, rng.uniform(0.3, 1.0) * self.noise, img.shape)
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)

    # ------------------------------------------------------------------ backgrounds
    def _metal(self, rng, x, y):
        """Brushed metal: streaks along one direction, a gentle illumination gradient."""
        s = self.resolution
        base = rng.uniform(110, 170)
        streak = np.convolve(rng.normal(0, 1, s + 8), np.ones(3) / 3, mode="same")[4:4 + s]
        streak = streak[(y * s).astype(int)] * rng.uniform(3, 8)
        if rng.random() < 0.5:
            streak = streak.T
        angle = rng.uniform(0, 2 * np.pi)
        grad = (np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5)) * rng.uniform(0, 30)
        return base + streak + grad

    def _fabric(self, rng, x, y):
        """Woven fabric: two crossing periodic threads."""
        s = self.resolution
        base = rng.uniform(90, 160)
        period = rng.uniform(3.0, 5.0) / s
        phase = rng.uniform(0, 2 * np.pi, 2)
        amp = rng.uniform(6, 14)
        weave = np.sin(2 * np.pi * x / period + phase[0]) * np.sin(2 * np.pi * y / period
                                                                   + phase[1])
        return base + amp * weave

    # ------------------------------------------------------------------ defects
    @staticmethod
    def _segment_distance(x, y, p, q):
        """Distance of every pixel to the segment p-q (image fractions)."""
        d = q - p
        t = np.clip(((x - p[0]) * d[0] + (y - p[1]) * d[1]) / max(d @ d, 1e-12), 0, 1)
        return np.hypot(x - (p[0] + t * d[0]), y - (p[1] + t * d[1]))

    def _line(self, img, dist, width, contrast):
        """Adds ``contrast`` along a line of half-width ``width`` (in pixels), anti-aliased."""
        px = dist * self.resolution
        return img + contrast * np.clip(width + 0.5 - px, 0, 1)

    def _scratch(self, rng, img, x, y):
        """A long, thin, straight scratch, usually bright (exposed metal)."""
        centre = rng.uniform(0.3, 0.7, 2)
        angle = rng.uniform(0, np.pi)
        half = rng.uniform(0.3, 0.45)
        d = np.array([np.cos(angle), np.sin(angle)]) * half
        contrast = rng.uniform(45, 80) * (1 if rng.random() < 0.75 else -1)
        return self._line(img, self._segment_distance(x, y, centre - d, centre + d),
                          rng.uniform(0.3, 0.7), contrast)

    def _crack(self, rng, img, x, y):
        """A dark, jagged crack: a random walk of short segments, sometimes branching."""
        dist = np.full(img.shape, np.inf)
        p = rng.uniform(0.2, 0.8, 2)
        heading = rng.uniform(0, 2 * np.pi)
        branch = None
        for k in range(int(rng.integers(7, 11))):
            heading += rng.normal(0, 0.7)
            q = np.clip(p + 0.09 * np.array([np.cos(heading), np.sin(heading)]), 0.02, 0.98)
            dist = np.minimum(dist, self._segment_distance(x, y, p, q))
            if k == 3:
                branch = (q.copy(), heading + rng.choice([-1, 1]) * rng.uniform(0.6, 1.2))
            p = q
        if branch is not None and rng.random() < 0.7:
            p, heading = branch
            for _ in range(int(rng.integers(2, 4))):
                heading += rng.normal(0, 0.5)
                q = np.clip(p + 0.08 * np.array([np.cos(heading), np.sin(heading)]), 0.02, 0.98)
                dist = np.minimum(dist, self._segment_distance(x, y, p, q))
                p = q
        return self._line(img, dist, rng.uniform(0.5, 0.9), -rng.uniform(55, 90))

    def _pit(self, rng, img, x, y):
        """One to three small round pits: a dark core with a faint bright rim."""
        for _ in range(int(rng.integers(1, 4))):
            c = rng.uniform(0.15, 0.85, 2)
            r = rng.uniform(1.5, 3.0) / 32
            d = np.hypot(x - c[0], y - c[1]) / r
            img = img - rng.uniform(50, 85) * np.clip(1.5 - d, 0, 1) + \
                rng.uniform(10, 25) * np.exp(-((d - 1.3) ** 2) / 0.1)
        return img

    def _stain(self, rng, img, x, y):
        """A large, soft, irregular blotch (oil or rust), darker or lighter."""
        c = rng.uniform(0.3, 0.7, 2)
        rx, ry = rng.uniform(0.15, 0.3, 2)
        angle = rng.uniform(0, np.pi)
        u = ((x - c[0]) * np.cos(angle) + (y - c[1]) * np.sin(angle)) / rx
        v = (-(x - c[0]) * np.sin(angle) + (y - c[1]) * np.cos(angle)) / ry
        theta = np.arctan2(v, u)
        wobble = 1 + 0.2 * np.sin(3 * theta + rng.uniform(0, 2 * np.pi)) \
            + 0.1 * np.sin(5 * theta + rng.uniform(0, 2 * np.pi))
        r = np.hypot(u, v) / wobble
        contrast = rng.uniform(35, 60) * (-1 if rng.random() < 0.7 else 1)
        return img + contrast / (1 + np.exp((r - 1) * 6))

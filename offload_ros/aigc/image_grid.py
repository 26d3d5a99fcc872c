"""Writes images as PNG files and as one labelled grid image."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


class ImageGrid:
    """Rows of uint8 grayscale images, scaled up (nearest) so small images stay crisp."""

    @staticmethod
    def save(images: np.ndarray, path: Path, columns: int = 8, scale: int = 4,
             row_labels: Sequence[str] | None = None) -> Path:
        from PIL import Image, ImageDraw
        images = np.asarray(images, np.uint8)
        n, h, w = images.shape
        columns = max(1, min(columns, n))
        rows = -(-n // columns)
        pad = 2
        font, label_w = None, 0
        if row_labels:
            font = ImageGrid._label_font(max(12, min(18, h * scale // 6)))
            probe = ImageDraw.Draw(Image.new("L", (1, 1)))
            label_w = int(max(probe.textlength(s, font=font) for s in row_labels)) + 10
        grid = np.full((rows * (h * scale + pad) + pad,
                        label_w + columns * (w * scale + pad) + pad), 255, np.uint8)
        for k, img in enumerate(images):
            r, c = divmod(k, columns)
            y0 = pad + r * (h * scale + pad)
            x0 = label_w + pad + c * (w * scale + pad)
            grid[y0:y0 + h * scale, x0:x0 + w * scale] = np.kron(img, np.ones((scale, scale),
                                                                              np.uint8))
        out = Image.fromarray(grid)
        if row_labels:
            draw = ImageDraw.Draw(out)
            for r, text in enumerate(row_labels[:rows]):
                top, bottom = draw.textbbox((0, 0), text, font=font)[1::2]
                y = pad + r * (h * scale + pad) + (h * scale - (bottom - top)) // 2 - top
                draw.text((4, y), text, fill=0, font=font)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        out.save(path)
        return path

    @staticmethod
    def _label_font(size: int):
        """Pillow's built-in font at ``size`` px (readable beside scaled-up images); its
        small bitmap font where Pillow has no FreeType."""
        from PIL import ImageFont
        try:
            return ImageFont.load_default(size=size)
        except (TypeError, OSError, ImportError):      # pragma: no cover - Pillow < 10.1
            return ImageFont.load_default()

    @staticmethod
    def save_each(images: np.ndarray, folder: Path, stem: str) -> list[Path]:
        from PIL import Image
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for k, img in enumerate(np.asarray(images, np.uint8)):
            p = folder / f"{stem}_{k:03d}.png"
            Image.fromarray(img).save(p)
            paths.append(p)
        return paths

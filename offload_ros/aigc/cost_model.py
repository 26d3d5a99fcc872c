"""Seconds of compute an AIGC task costs on an edge server, measured from the shipped model.

One denoising step of a batch of ``b`` images takes ``fixed_s + per_image_s * b`` seconds (a
least-squares line through timings at several batch sizes); a task of ``n`` images and ``k``
steps, run in batches of at most ``max_batch``, costs ``k`` times that per batch. The AIGC
offloading environment scales it by an edge server's relative speed. ``cost_model.json`` beside
the model folder holds the fit and the raw timings.
"""

from __future__ import annotations

import json
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from offload_ros.aigc.diffusion_config import GUIDANCE
from offload_ros.aigc.errors import AigcError

FILE = "cost_model.json"


@dataclass(frozen=True)
class CostModel:
    """Defaults: a documented stand-in for when no measurement exists, the shipped model's
    fit on the 2-core development machine (32x32, guidance 2; docs/benchmarks.md)."""

    resolution: int = field(default=32, metadata={"help": "image side the fit is for",
                                                  "unit": "px"})
    fixed_s: float = field(default=0.0086, metadata={"help": "per denoising step and batch",
                                                     "unit": "s"})
    per_image_s: float = field(default=0.0084, metadata={"help": "per step and image",
                                                         "unit": "s"})
    max_batch: int = field(default=16, metadata={"help": "images per batch when serving"})
    guidance: float = GUIDANCE
    device: str = "default (not measured)"
    timings: tuple[tuple[int, float], ...] = ()     # (batch, seconds per step)

    def step_s(self, batch: int) -> float:
        return self.fixed_s + self.per_image_s * batch

    def task_s(self, images: int, steps: int, resolution: int | None = None) -> float:
        """Compute seconds of a task alone on the server; other resolutions scale by pixels."""
        if images < 1 or steps < 1:
            raise AigcError(f"images and steps must be >= 1, got {images}, {steps}")
        full, rest = divmod(images, self.max_batch)
        per_step = full * self.step_s(self.max_batch) + (self.step_s(rest) if rest else 0.0)
        scale = 1.0 if resolution is None else (resolution / self.resolution) ** 2
        return steps * per_step * scale

    def seconds_per_image_step(self, batch: int) -> float:
        return self.step_s(batch) / batch

    # ------------------------------------------------------------------ measure, save, load
    @classmethod
    def measure(cls, model, batches: Sequence[int] = (1, 2, 4, 8, 16), steps: int = 5,
                repeats: int = 3, guidance: float = GUIDANCE) -> "CostModel":
        """Times ``model.denoise`` at each batch size (best of ``repeats``) with the serving
        guidance (above 1 it costs two passes per step) and fits the line."""
        timings = []
        for b in batches:
            noise = torch.cat([model.noise(0, k) for k in range(b)])
            labels = torch.zeros(b, dtype=torch.long)
            model.denoise(noise, labels, 1, guidance)  # warm-up
            best = math.inf
            for _ in range(repeats):
                t0 = time.perf_counter()
                model.denoise(noise, labels, steps, guidance)
                best = min(best, (time.perf_counter() - t0) / steps)
            timings.append((int(b), best))
        x = np.array([b for b, _ in timings], float)
        y = np.array([s for _, s in timings])
        per_image, fixed = np.polyfit(x, y, 1) if len(x) > 1 else (y[0], 0.0)
        device = f"{platform.machine()} {model.device_name()}"
        return cls(model.resolution, max(float(fixed), 0.0), max(float(per_image), 1e-9),
                   max(batches), guidance, device, tuple(timings))

    def save(self, folder: Path) -> Path:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = Path(folder) / FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, folder: Path) -> "CostModel":
        path = Path(folder) / FILE
        try:
            raw = json.loads(path.read_text())
            raw["timings"] = tuple(tuple(t) for t in raw.get("timings", ()))
            return cls(**raw)
        except FileNotFoundError as err:
            raise AigcError(f"{path}: no cost model (run offload-ros aigc cost)") from err
        except (ValueError, TypeError) as err:
            raise AigcError(f"{path}: unreadable cost model ({err})") from err

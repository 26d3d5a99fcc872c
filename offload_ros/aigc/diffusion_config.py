"""Every knob of the defect diffusion model and its training (one source of defaults and docs:
``offload-ros aigc train`` flags are built from it, and the model folder stores it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from offload_ros.aigc.errors import AigcError
from offload_ros.model.aigc_offload.generation_service_config import GUIDANCE  # noqa: F401


@dataclass(frozen=True)
class DiffusionConfig:
    """A small class-conditional ``UNet2DModel`` (grayscale, ~1.1 M parameters at the
    defaults) trained with a DDPM noise schedule; sampled with DDIM."""

    data: str = field(default="procedural", metadata={
        "help": "procedural (the built-in defect generator) or a folder root/<class>/*.png"})
    resolution: int = field(default=32, metadata={"help": "image side", "unit": "px"})
    per_class: int = field(default=1000, metadata={
        "help": "procedural images drawn per class for the training pool"})
    steps: int = field(default=6000, metadata={"help": "optimiser steps"})
    batch: int = field(default=32, metadata={"help": "images per step"})
    lr: float = field(default=2e-3, metadata={"help": "peak learning rate (AdamW), after a "
                                              "linear warm-up, cosine decay to 10%"})
    warmup: int = field(default=200, metadata={"help": "warm-up steps"})
    ema_decay: float = field(default=0.999, metadata={"help": "EMA of the weights (shipped)"})
    channels: str = field(default="32,64,64", metadata={
        "help": "UNet block widths; attention at the lowest resolution"})
    train_timesteps: int = field(default=1000, metadata={"help": "DDPM noise levels"})
    beta_schedule: str = field(default="squaredcos_cap_v2", metadata={
        "help": "DDPM beta schedule (linear, scaled_linear, squaredcos_cap_v2)"})
    uncond_prob: float = field(default=0.1, metadata={
        "help": "share of training images shown without their class (for classifier-free "
                "guidance)"})
    seed: int = field(default=0, metadata={"help": "seeds data, weights and noise"})
    checkpoint_every: int = field(default=500, metadata={
        "help": "steps between resumable checkpoints and sample grids"})

    def __post_init__(self) -> None:
        checks = {
            "resolution": (self.resolution in (32, 64), "32 or 64"),
            "per_class": (self.per_class >= 1, ">= 1"),
            "steps": (self.steps >= 1, ">= 1"), "batch": (self.batch >= 1, ">= 1"),
            "lr": (self.lr > 0, "> 0"), "warmup": (self.warmup >= 0, ">= 0"),
            "ema_decay": (0 <= self.ema_decay < 1, "in [0, 1)"),
            "train_timesteps": (self.train_timesteps >= 10, ">= 10"),
            "beta_schedule": (self.beta_schedule in ("linear", "scaled_linear",
                                                     "squaredcos_cap_v2"),
                              "linear, scaled_linear or squaredcos_cap_v2"),
            "uncond_prob": (0 <= self.uncond_prob < 1, "in [0, 1)"),
            "checkpoint_every": (self.checkpoint_every >= 1, ">= 1"),
        }
        for name, (ok, want) in checks.items():
            if not ok:
                raise AigcError(f"{name}: must be {want}, got {getattr(self, name)!r}")
        widths = self.widths()
        if any(w % 8 for w in widths):
            raise AigcError(f"channels: every width must be a multiple of 8 (group norm), "
                            f"got {self.channels!r}")

    def widths(self) -> tuple[int, ...]:
        try:
            widths = tuple(int(w) for w in self.channels.split(","))
        except ValueError as err:
            raise AigcError(f"channels: comma-separated integers, got {self.channels!r}") \
                from err
        if not 2 <= len(widths) <= 4 or min(widths) < 8:
            raise AigcError(f"channels: 2 to 4 widths of at least 8, got {self.channels!r}")
        return widths

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

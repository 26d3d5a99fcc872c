"""Batching and limits of the edge generation service (one source of defaults and docs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from offload_ros.aigc.diffusion_config import GUIDANCE
from offload_ros.aigc.errors import AigcError


@dataclass(frozen=True)
class GenerationServiceConfig:
    """Batching, limits and the guidance of the edge generation service."""

    max_batch: int = field(default=16, metadata={"help": "images per model call"})
    max_wait_s: float = field(default=0.02, metadata={
        "help": "longest wait for a batch to fill after its oldest image arrived", "unit": "s"})
    max_images: int = field(default=64, metadata={"help": "images one request may ask for"})
    max_queue: int = field(default=1024, metadata={"help": "requests waiting at most"})
    guidance: float = field(default=GUIDANCE, metadata={
        "help": "classifier-free guidance scale (1 = plain conditional sampling, half the "
                "compute)"})

    def __post_init__(self) -> None:
        checks = {"max_batch": self.max_batch >= 1, "max_wait_s": self.max_wait_s >= 0,
                  "max_images": self.max_images >= 1, "max_queue": self.max_queue >= 1,
                  "guidance": self.guidance >= 0}
        for name, ok in checks.items():
            if not ok:
                raise AigcError(f"{name}: out of range, got {getattr(self, name)!r}")

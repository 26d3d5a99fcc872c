"""Batching, limits and device of the edge generation service (one source of defaults and
docs). It sits in the model layer because two components read it: the live service
(``aigc/generation_service.py``) and the AIGC offloading simulator, whose edge servers batch
exactly as the live one does (:class:`GenerationBatching`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from offload_ros.model.errors import ModelError

#: Classifier-free guidance scale for sampling by default: on the shipped model 2 lifts the
#: share of images a classifier recognises as the requested class from 81% to 91%, at twice
#: the compute (docs/aigc.md).
GUIDANCE = 2.0


@dataclass(frozen=True)
class GenerationServiceConfig:
    """Batching, limits, guidance and device of the edge generation service."""

    max_batch: int = field(default=16, metadata={"help": "images per model call"})
    max_wait_s: float = field(default=0.02, metadata={
        "help": "longest wait for a batch to fill after its oldest image arrived", "unit": "s"})
    max_images: int = field(default=64, metadata={"help": "images one request may ask for"})
    max_queue: int = field(default=1024, metadata={"help": "requests waiting at most"})
    guidance: float = field(default=GUIDANCE, metadata={
        "help": "classifier-free guidance scale (1 = plain conditional sampling, half the "
                "compute)"})
    device: str = field(default="cpu", metadata={
        "help": "torch device of the diffusion model: cpu, cuda, cuda:N, or auto (a GPU "
                "where torch sees one)"})

    def __post_init__(self) -> None:
        checks = {"max_batch": self.max_batch >= 1, "max_wait_s": self.max_wait_s >= 0,
                  "max_images": self.max_images >= 1, "max_queue": self.max_queue >= 1,
                  "guidance": self.guidance >= 0,
                  "device": isinstance(self.device, str) and bool(self.device.strip())}
        for name, ok in checks.items():
            if not ok:
                raise ModelError(f"out of range, got {getattr(self, name)!r}", field=name)

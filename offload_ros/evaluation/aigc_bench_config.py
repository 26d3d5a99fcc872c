"""Sizes of ``offload-ros bench aigc`` (one source of defaults and docs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from offload_ros.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class AigcBenchConfig:
    requests: int = field(default=32, metadata={"help": "concurrent requests"})
    images: str = field(default="1,2,4", metadata={
        "help": "images per request, cycled over the requests"})
    steps: int = field(default=20, metadata={"help": "DDIM steps per request"})
    max_batch: int = field(default=16, metadata={"help": "service batch size (images)"})
    max_wait_s: float = field(default=0.02, metadata={"help": "service batch wait",
                                                      "unit": "s"})
    device: str = field(default="cpu", metadata={
        "help": "torch device of the model: cpu, cuda, cuda:N or auto"})

    def sizes(self) -> list[int]:
        try:
            sizes = [int(s) for s in self.images.split(",")]
        except ValueError as err:
            raise EvaluationError(f"images: comma-separated integers, got {self.images!r}") \
                from err
        if not sizes or min(sizes) < 1 or self.requests < 1 or self.steps < 1:
            raise EvaluationError("requests, steps and every --images entry must be >= 1")
        return sizes

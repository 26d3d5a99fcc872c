"""Sizes of ``offload-ros aigc quality`` and ``aigc fewshot`` (one source of defaults and docs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from offload_ros.aigc.diffusion_config import GUIDANCE
from offload_ros.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class AigcQualityConfig:
    """Sizes of the judge and the few-shot trials."""

    data: str = field(default="procedural", metadata={
        "help": "real samples: procedural, or a folder root/<class>/*.png"})
    per_class: int = field(default=100, metadata={
        "help": "quality: generated images per class"})
    judge_per_class: int = field(default=400, metadata={
        "help": "quality: real images per class that train the judge"})
    shots: int = field(default=5, metadata={"help": "fewshot: real samples per class"})
    generated: int = field(default=50, metadata={
        "help": "fewshot: generated samples per class added"})
    trials: int = field(default=10, metadata={"help": "fewshot: trials (CI over these)"})
    test_per_class: int = field(default=200, metadata={
        "help": "held-out real test images per class"})
    steps: int = field(default=20, metadata={"help": "DDIM steps per image"})
    guidance: float = field(default=GUIDANCE, metadata={
        "help": "classifier-free guidance scale"})
    updates: int = field(default=400, metadata={"help": "classifier training steps"})
    seed: int = field(default=0, metadata={"help": "seeds samples, noise and classifiers"})

    def __post_init__(self) -> None:
        for name in ("per_class", "judge_per_class", "shots", "trials", "test_per_class",
                     "steps", "updates"):
            if getattr(self, name) < 1:
                raise EvaluationError(f"{name}: must be >= 1, got {getattr(self, name)!r}")
        if self.generated < 0:
            raise EvaluationError(f"generated: must be >= 0, got {self.generated!r}")

"""Means with 95% confidence intervals (Student's t)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from scipy import stats


@dataclass(frozen=True)
class Statistics:
    """Mean, the half-width of its 95% CI, and the sample size."""

    mean: float
    half_width: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float], level: float = 0.95) -> "Statistics":
        n = len(values)
        if n == 0:
            return cls(math.nan, math.nan, 0)
        mean = sum(values) / n
        if n == 1:
            return cls(mean, math.nan, 1)
        var = sum((v - mean) ** 2 for v in values) / (n - 1)
        half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * math.sqrt(var / n)
        return cls(mean, half, n)

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

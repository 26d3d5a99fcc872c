"""What every training run shows and keeps while it runs: the wall-clock budget, the progress
bar and the TensorBoard writer (``TrainingRun`` and ``AigcTrainingRun`` build on it)."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Sequence


class TrainingLog:
    def __init__(self, algo: str, minutes: float, out: Path, progress: bool) -> None:
        self.algo, self.out, self.minutes, self.show = algo, Path(out), minutes, progress
        self.out.mkdir(parents=True, exist_ok=True)
        self._writer = None
        self._bar = None
        self.begin()

    def begin(self) -> None:
        """Start the budget now (a subclass calls it again once its set-up is done)."""
        self.start = time.monotonic()
        self.deadline = self.start + self.minutes * 60.0
        if self.show and self._bar is None:
            from tqdm import tqdm
            self._bar = tqdm(total=int(self.minutes * 60), unit="s", desc=f"train {self.algo}",
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} s "
                                        "[{elapsed}<{remaining}{postfix}]")

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def tick(self, postfix: dict | None = None) -> None:
        """Redraw the bar (at most once a second unless there is a new ``postfix``)."""
        if self._bar is None:
            return
        n = min(self._bar.total, int(self.elapsed()))
        if postfix is None and n == self._bar.n:
            return
        self._bar.n = n
        if postfix is not None:
            self._bar.set_postfix(postfix, refresh=False)
        self._bar.refresh()

    def scalars(self, row: dict[str, float], keys, step: int) -> None:
        """``row[key]`` for each key to TensorBoard as ``ALGO/key`` at ``step``."""
        if self._writer is None:
            from tensorboardX import SummaryWriter
            self._writer = SummaryWriter(str(self.out / "tensorboard"))
        for key in keys:
            self._writer.add_scalar(f"{self.algo}/{key}", row[key], step)
        self._writer.flush()

    def write_curve(self, curve: Sequence[dict], fields: Sequence[str]) -> Path:
        """``OUT/training.csv``: one row per validation point."""
        path = self.out / "training.csv"
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(fields))
            w.writeheader()
            w.writerows(curve)
        return path

    def close(self) -> None:
        if self._bar is not None:
            self._bar.n = self._bar.total if self.over() else int(self.elapsed())
            self._bar.close()
        if self._writer is not None:
            self._writer.close()

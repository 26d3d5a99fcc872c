"""``offload-ros experiment training-curves``: the shape of MCOO's Fig. 4 from the shipped
models' own training logs (validation quality against wall-clock, same budget each)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.factory_training import FactoryTraining
from offload_ros.model.plot_style import PlotStyle

ALGOS = ("mcoo", "dqn", "ac")


class TrainingCurves:
    """Reads ``MODELS/<algo>/training.csv`` for each algorithm."""

    def __init__(self, models: Path, algos: Sequence[str] = ALGOS) -> None:
        self.models, self.algos = Path(models), list(algos)

    def read(self) -> dict[str, list[dict[str, float]]]:
        out = {}
        for algo in self.algos:
            path = self.models / algo / "training.csv"
            if not path.is_file():
                raise EvaluationError(f"{path}: no training log (train with `offload-ros train "
                                      f"--algo {algo} --out {self.models / algo}`)")
            out[algo] = FactoryTraining.curve(path.parent)
        return out

    @staticmethod
    def time_to_final(rows: list[dict[str, float]], share: float = 0.95) -> float:
        """Wall-clock until validation first reaches ``share`` of the way from the first
        point's quality to the final one (the final point's time if it never does earlier)."""
        start, final = rows[0]["val_vs_greedy"], rows[-1]["val_vs_greedy"]
        goal = start + share * (final - start)
        for r in rows:
            if (final >= start and r["val_vs_greedy"] >= goal) or \
                    (final < start and r["val_vs_greedy"] <= goal):
                return r["wall_s"]
        return rows[-1]["wall_s"]  # pragma: no cover - the last row always qualifies

    def write(self, out: Path) -> tuple[Path, Path]:
        curves = self.read()
        out.mkdir(parents=True, exist_ok=True)
        table = out / "training-curves.csv"
        with table.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["algo", "wall_s", "episodes", "val_kb_per_h", "val_vs_greedy"])
            for algo, rows in curves.items():
                for r in rows:
                    w.writerow([algo, r["wall_s"], int(r["episodes"]), r["val_kb_per_h"],
                                r["val_vs_greedy"]])
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7.4, 4.2), layout="constrained")
        for algo, rows in curves.items():
            ax.plot([r["wall_s"] for r in rows], [r["val_vs_greedy"] for r in rows],
                    marker="o", markersize=3, label=algo)
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="greedy")
        ax.set_xlabel("training wall-clock [s] (2 CPU cores)")
        ax.set_ylabel("validation processed work / greedy's [ratio]")
        ax.set_title("Fig. 4 shape: training curves (held-back training factories)")
        PlotStyle.legend_beside(ax)
        ax.grid(alpha=0.3)
        png = out / "training-curves.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, png

"""``offload-ros aigc experiment``: AIGC offloading against the number of AGVs, and
convergence curves of the trained policies.

``agvs``: for each fleet size, ``seeds`` held-out random factories (generator seeds in the
evaluation range) with held-out task seeds; every policy plays the same episodes, so besides
each policy's mean (95% CI over episodes) the CSV has its paired difference to the first
policy (AMARL by default), episode by episode.

``convergence``: reads ``training.csv`` of each run folder (validation return against
episodes and wall-clock) and reports episodes and seconds to 95% of the way from the first
point's return to the final one, and the best return with the episodes it took (the actor a
``keep: best`` run saves).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import (
    AigcOffloadEvaluation,
)
from offload_ros.evaluation.csv_table import CsvTable
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.job_pool import JobPool
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario_family import ScenarioFamily

METRICS = (("mean_latency_s", "mean latency [s]"), ("completion_rate", "deadline completion rate"))


@dataclass(frozen=True)
class AigcExperimentConfig:
    seeds: int = field(default=200, metadata={"help": "held-out factories (episodes) per size"})
    agvs: str = field(default="2,3,4,5,6,7,8,9,10", metadata={
        "help": "comma-separated fleet sizes"})
    policies: str = field(
        default="amarl,concat,idqn,greedy,batch_greedy,nearest,random",
        metadata={"help": "comma-separated policies (the first is the reference of the paired "
                          "differences)"})
    sample: bool = field(default=False, metadata={
        "help": "trained actors draw their actions instead of taking the most probable"})
    workers: int = field(default=2, metadata={"help": "processes"})


class AigcExperiment:
    def __init__(self, config: AigcExperimentConfig | None = None) -> None:
        self.config = config or AigcExperimentConfig()
        if self.config.seeds < 2:
            raise EvaluationError("--seeds must be >= 2 for a confidence interval")
        try:
            self.sizes = [int(x) for x in self.config.agvs.split(",") if x.strip()]
        except ValueError as err:
            raise EvaluationError(f"--agvs: not a list of whole numbers: "
                                  f"{self.config.agvs!r}") from err
        if not self.sizes or min(self.sizes) < 1:
            raise EvaluationError("--agvs: give fleet sizes >= 1")
        self.policies = [p.strip() for p in self.config.policies.split(",") if p.strip()]
        if not self.policies:
            raise EvaluationError("--policies names no policy")
        # unknown names fail here, before any work
        self.evaluations = {p: AigcOffloadEvaluation(p, self.config.sample)
                            for p in self.policies}

    def jobs(self) -> list[tuple[int, int]]:
        return [(n, k) for n in self.sizes for k in range(self.config.seeds)]

    def run(self, progress: Callable[[], None] | None = None) -> list[dict]:
        """One row per (size, episode) with every policy's latency and completion rate."""
        return JobPool.map(self._job, self.jobs(), self.config.workers, progress, chunksize=4)

    def _job(self, job: tuple[int, int]) -> dict:
        n, k = job
        family = ScenarioFamily(agvs_min=n, agvs_max=n)
        sc = family.draw(0, "aigc-experiment", k, evaluation=True)
        row: dict = {"agvs": n, "episode": k, "scenario": sc.name}
        for p, ev in self.evaluations.items():
            summary, _ = ev.episode(sc, ev.task_seed(0, n * 10_000 + k))
            row[f"{p}.mean_latency_s"] = summary["mean_latency_s"]
            row[f"{p}.completion_rate"] = summary["completion_rate"]
            row["tasks"] = summary["tasks"]
        return row

    def summarise(self, rows: Sequence[dict]) -> list[dict]:
        base = self.policies[0]
        out = []
        for n in self.sizes:
            mine = [r for r in rows if r["agvs"] == n]
            for p in self.policies:
                rec: dict = {"agvs": n, "policy": p, "episodes": len(mine)}
                for metric, _ in METRICS:
                    s = Statistics.of([r[f"{p}.{metric}"] for r in mine])
                    d = Statistics.of([r[f"{p}.{metric}"] - r[f"{base}.{metric}"] for r in mine])
                    rec.update({metric: s.mean, f"{metric}_ci95": s.half_width,
                                f"{metric}_minus_{base}": d.mean,
                                f"{metric}_minus_{base}_ci95": d.half_width})
                out.append(rec)
        return out

    def write(self, rows: Sequence[dict], out: Path) -> tuple[Path, Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        summary = self.summarise(rows)
        table = out / "aigc-agvs.csv"
        CsvTable.write(table, summary)
        per = out / "aigc-agvs_per_episode.csv"
        CsvTable.write(per, rows)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
        units = {"completion_rate": " [share of tasks]"}
        for ax, (metric, label) in zip(axes, METRICS):
            for p in self.policies:
                pts = [r for r in summary if r["policy"] == p]
                ax.errorbar([r["agvs"] for r in pts], [r[metric] for r in pts],
                            yerr=[r[f"{metric}_ci95"] for r in pts], capsize=3, marker="o",
                            markersize=3, label=p)
            ax.set_xlabel("number of AGVs")
            PlotStyle.integer_ticks(ax.xaxis)
            ax.set_ylabel(f"{label}{units.get(metric, '')}\nmean ± 95% CI")
            ax.set_title(label.split(" [")[0])
            ax.grid(alpha=0.3)
        PlotStyle.figure_legend(fig, axes[0])
        fig.suptitle(f"AIGC offloading: {self.config.seeds} held-out factories per size")
        png = out / "aigc-agvs.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, per, png


class AigcConvergence:
    """Training curves of runs (folders holding ``training.csv``), on one budget."""

    def __init__(self, runs: Sequence[Path]) -> None:
        self.runs = [Path(r) for r in runs]

    def read(self) -> dict[str, list[dict[str, float]]]:
        out = {}
        for run in self.runs:
            path = run / "training.csv"
            if not path.is_file():
                raise EvaluationError(f"{path}: no training log (train with `offload-ros train "
                                      f"--algo amarl --out {run}`)")
            with path.open() as fh:
                rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]
            if len(rows) < 2:
                raise EvaluationError(f"{path}: fewer than 2 validation points")
            out[run.name] = rows
        return out

    @staticmethod
    def to_final(rows: list[dict[str, float]], share: float = 0.95) -> dict[str, float]:
        """First point at ``share`` of the way from the first validation return to the final
        one (the last if none earlier): its episodes and wall-clock."""
        start, final = rows[0]["val_return"], rows[-1]["val_return"]
        goal = start + share * (final - start)
        for r in rows:
            if (final >= start and r["val_return"] >= goal) or \
                    (final < start and r["val_return"] <= goal):
                return {"episodes": r["episodes"], "wall_s": r["wall_s"]}
        return {"episodes": rows[-1]["episodes"], "wall_s": rows[-1]["wall_s"]}  # pragma: no cover

    def write(self, out: Path) -> tuple[Path, Path, list[dict]]:
        curves = self.read()
        out.mkdir(parents=True, exist_ok=True)
        summary = []
        for name, rows in curves.items():
            hit = self.to_final(rows)
            best = max(rows, key=lambda r: r["val_return"])
            summary.append({"run": name, "final_val_return": rows[-1]["val_return"],
                            "best_val_return": best["val_return"],
                            "episodes_to_best": int(best["episodes"]),
                            "final_val_latency_s": rows[-1]["val_latency_s"],
                            "final_val_completion": rows[-1]["val_completion"],
                            "episodes_to_95pct": int(hit["episodes"]),
                            "wall_s_to_95pct": hit["wall_s"],
                            "budget_wall_s": rows[-1]["wall_s"]})
        table = out / "aigc-convergence.csv"
        CsvTable.write(table, summary)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
        for name, rows in curves.items():
            for ax, key in zip(axes, ("episodes", "wall_s")):
                ax.plot([r[key] for r in rows], [r["val_return"] for r in rows], marker="o",
                        markersize=3, label=name)
        axes[0].set_xlabel("training episodes")
        PlotStyle.integer_ticks(axes[0].xaxis)
        axes[0].set_title("by episodes")
        axes[1].set_xlabel("training wall-clock [s] (one CPU thread)")
        axes[1].set_title("by wall-clock")
        for ax in axes:
            ax.set_ylabel("validation return [reward units]\n(minus latency and misses)")
            ax.grid(alpha=0.3)
        PlotStyle.figure_legend(fig, axes[0])
        fig.suptitle("AIGC offloading: convergence on held-back training factories")
        png = out / "aigc-convergence.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, png, summary


"""``offload-ros experiment training-curves --scenario F --train-s S``: the shape of MCOO's
Fig. 4 with seeds. Each learned policy is trained ``seeds`` times for one factory with the
same wall-clock budget (``FactoryTraining``: ``offload-ros train``'s defaults per algorithm);
each trained actor, and each planner named beside them, is then evaluated on the factory's
nominal episode and on held-out noise draws. Differences between algorithms are paired by
training seed, with 95 % CIs over the seeds."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.experiment import ExperimentConfig
from offload_ros.evaluation.factory_training import FactoryTraining
from offload_ros.evaluation.policy_factory import TRAINED, PolicyFactory
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.sim.plan_search import PlanSearch
from offload_ros.sim.simulator import Simulator

#: points of the averaged curves over the budget
GRID = 41


class TrainingComparison:
    """``run(progress)`` → one row per (policy, training seed); ``write(rows, out)``."""

    def __init__(self, scenario: Scenario, config: ExperimentConfig, models: Path) -> None:
        if config.train_s <= 0:
            raise EvaluationError("training-curves --scenario needs --train-s > 0 (the "
                                  "wall-clock budget each algorithm gets)")
        if config.seeds < 2:
            raise EvaluationError("--seeds must be >= 2 for a confidence interval")
        self.scenario = dataclasses.replace(scenario, disturbance=None)
        self.config = config
        self.policies = config.names()
        self.learned = [p for p in self.policies if p in TRAINED]
        if not self.learned:
            raise EvaluationError(f"--policies names no learned policy to train (of "
                                  f"{', '.join(TRAINED)})")
        if "greedy" not in self.policies:
            self.policies.insert(0, "greedy")           # the reference of every ratio
        self.training = FactoryTraining(config.train_s, models)
        noise = scenario.disturbance or PlanSearch.DEFAULT_NOISE
        disturbed = dataclasses.replace(self.scenario, disturbance=noise)
        self.noise = noise
        self.sims = [Simulator(self.scenario)] + [
            Simulator(disturbed, noise_seed=s) for s in Seeding.evaluation_seeds(config.eval_draws)]

    def jobs(self) -> int:
        return len(self.learned) * self.config.seeds

    def evaluate(self, name: str) -> tuple[float, float]:
        """``name``'s nominal kB/h and its mean over the noise draws."""
        policy = PolicyFactory.make(name, self.scenario)
        got = [sim.run(policy, name=name).processed_kb_per_h for sim in self.sims]
        return got[0], float(np.mean(got[1:])) if len(got) > 1 else got[0]

    def run(self, progress: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        rows = []
        for seed in range(self.config.seeds):
            for algo in self.learned:
                path = self.training.checkpoint(algo, self.scenario, seed)
                nominal, noisy = self.evaluate(f"{algo}:{path}")
                curve = FactoryTraining.curve(path.parent)
                rows.append({"policy": algo, "seed": seed, "nominal_kb_per_h": nominal,
                             "noisy_kb_per_h": noisy, "path": str(path), "curve": curve,
                             "episodes": int(curve[-1]["episodes"]),
                             "best_val_vs_greedy": max(p["val_vs_greedy"] for p in curve)})
                if progress:
                    progress()
        # planners after the training: each run's budget includes its own teacher search,
        # which `searched` then reuses (PlanSearch.best)
        for name in self.policies:
            if name not in TRAINED:
                nominal, noisy = self.evaluate(name)
                rows.append({"policy": name, "seed": -1, "nominal_kb_per_h": nominal,
                             "noisy_kb_per_h": noisy, "path": ""})
        greedy = next(r for r in rows if r["policy"] == "greedy")
        for r in rows:
            r["nominal_vs_greedy"] = r["nominal_kb_per_h"] / greedy["nominal_kb_per_h"]
            r["noisy_vs_greedy"] = r["noisy_kb_per_h"] / greedy["noisy_kb_per_h"]
        return rows

    def summary(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per policy (``paired`` False): ``nominal`` and ``noisy``, the mean ± CI over seeds
        of its ratios to greedy; per pair of learned policies (``paired`` True): the paired
        difference by seed (first learned minus the other) in kB/h."""
        out = []
        for name in self.policies:
            mine = [r for r in rows if r["policy"] == name]
            out.append({"policy": name, "runs": len(mine), "paired": False,
                        "nominal": Statistics.of([r["nominal_vs_greedy"] for r in mine]),
                        "noisy": Statistics.of([r["noisy_vs_greedy"] for r in mine])})
        first = self.learned[0]
        for other in self.learned[1:]:
            entry = {"policy": f"{first} - {other}", "runs": self.config.seeds, "paired": True}
            for side in ("nominal", "noisy"):
                key = f"{side}_kb_per_h"
                by = {r["seed"]: r[key] for r in rows if r["policy"] == other}
                entry[side] = Statistics.of([r[key] - by[r["seed"]] for r in rows
                                             if r["policy"] == first])
            out.append(entry)
        return out

    def curves(self, rows: Sequence[dict[str, Any]]
               ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per learned policy: a time grid over the budget, the mean over seeds of the
        validation ratio reached by then (each run's latest point), and its CI half-width."""
        grid = np.linspace(0.0, self.config.train_s, GRID)
        out = {}
        for algo in self.learned:
            runs = []
            for r in rows:
                if r["policy"] != algo:
                    continue
                t = np.array([p["wall_s"] for p in r["curve"]])
                v = np.array([p["val_vs_greedy"] for p in r["curve"]])
                k = np.searchsorted(t, grid, side="right") - 1
                runs.append(np.where(k >= 0, v[np.clip(k, 0, None)], np.nan))
            runs_a = np.array(runs)
            stats = [Statistics.of([x for x in col if np.isfinite(x)]) for col in runs_a.T]
            out[algo] = (grid, np.array([s.mean for s in stats]),
                         np.array([s.half_width for s in stats]))
        return out

    def write(self, rows: Sequence[dict[str, Any]], out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        table = out / "training-comparison.csv"
        keys = ["policy", "seed", "nominal_kb_per_h", "noisy_kb_per_h", "nominal_vs_greedy",
                "noisy_vs_greedy", "episodes", "best_val_vs_greedy", "path"]
        with table.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax, bars) = plt.subplots(1, 2, figsize=(12.4, 4.4), layout="constrained")
        for algo, (grid, mean, half) in self.curves(rows).items():
            line, = ax.plot(grid, mean, label=f"{algo} (validation)")
            ax.fill_between(grid, mean - np.nan_to_num(half), mean + np.nan_to_num(half),
                            color=line.get_color(), alpha=0.2)
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="greedy")
        ax.set_xlabel("training wall-clock [s] (2 CPU cores)")
        ax.set_ylabel("validation / greedy, mean ± 95% CI over seeds")
        ax.grid(alpha=0.3)
        summary = [s for s in self.summary(rows) if not s["paired"]]
        xs = np.arange(len(summary))
        for k, (key, label) in enumerate((("nominal", "nominal"),
                                          ("noisy", f"{len(self.sims) - 1} unseen noise "
                                           "draws"))):
            bars.bar(xs + 0.4 * k - 0.2, [s[key].mean for s in summary], 0.4,
                     yerr=[np.nan_to_num(s[key].half_width) for s in summary], capsize=3,
                     label=label)
        bars.set_xticks(xs, [s["policy"] for s in summary])
        means = [s[k].mean for s in summary for k in ("nominal", "noisy")]
        bars.set_ylim(min(means) - 0.02, max(means) + 0.02)
        bars.axhline(1.0, color="black", linewidth=1)
        bars.set_ylabel("processed / greedy's, mean ± 95% CI")
        bars.grid(alpha=0.3, axis="y")
        fig.suptitle(f"Fig. 4 shape on {self.scenario.name}: {self.config.seeds} seeds x "
                     f"{self.config.train_s:g} s of training per algorithm")
        PlotStyle.legend_beside(ax)
        PlotStyle.legend_beside(bars)
        png = out / "training-comparison.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, png

"""``offload-ros experiment``: the shapes of MCOO's Fig. 5-7 over held-out random factories."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.factory_training import FactoryTraining
from offload_ros.evaluation.job_pool import JobPool
from offload_ros.evaluation.policy_factory import TRAINED, PolicyFactory
from offload_ros.evaluation.statistics import Statistics
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.model.seeding import Seeding
from offload_ros.planning.flow_bound import FlowBound
from offload_ros.sim.simulator import Simulator

BOUND = "flow bound"


@dataclass(frozen=True)
class ExperimentKind:
    """One sweep: which generator knob it varies, over which values."""

    label: str
    values: tuple[float, ...]
    generator: Callable[[float], ScenarioGenerator]
    figure: str
    #: timing noise at x (each factory runs the draw of its own seed); None: nominal
    disturbance: Callable[[float], Disturbance] | None = None


KINDS: dict[str, ExperimentKind] = {
    "agv-count": ExperimentKind(
        "number of AGVs", (2, 4, 6, 8, 10),
        lambda x: ScenarioGenerator(agvs=int(x), es=6), "Fig. 5"),
    "es-count": ExperimentKind(
        "edge servers per route", (4, 5, 6, 7),
        lambda x: ScenarioGenerator(agvs=5, es=8, route_min=int(x), route_max=int(x)), "Fig. 6"),
    "congested": ExperimentKind(
        "number of AGVs (congested: 6 ES)", (5, 6, 7, 8, 9, 10),
        lambda x: ScenarioGenerator(agvs=int(x), es=6), "learning target"),
    "es-rate": ExperimentKind(
        "ES rate bound [kB/min]", (50, 60, 70, 80, 90),
        lambda x: ScenarioGenerator(agvs=5, es=6, rate_max=float(x)), "Fig. 7"),
    "noise": ExperimentKind(
        "timing noise x (starts ±5x s; legs, rates ±1x %)", (0, 1, 2, 4, 6),
        lambda x: ScenarioGenerator(agvs=8, es=6), "8 AGVs, 6 ES: noise curve",
        lambda x: Disturbance(start_jitter_s=5.0 * x, leg_time_variation=0.01 * x,
                              rate_variation=0.01 * x)),
}


@dataclass(frozen=True)
class ExperimentConfig:
    """An experiment run."""

    seeds: int = field(default=200, metadata={"help": "held-out random factories per point"})
    policies: str = field(default="greedy,balanced,cooperative,mcoo,dqn,ac",
                          metadata={"help": "comma-separated policies (the first is the "
                                    "reference of the paired differences)"})
    horizon_s: float = field(default=3600.0, metadata={"help": "horizon", "unit": "s"})
    train_s: float = field(default=0.0, metadata={
        "help": "per-factory learning: each learned policy named bare (mcoo, dqn, ac) is "
                "trained for this many wall-clock seconds on each factory, as `offload-ros "
                "train --scenarios FACTORY` would (teacher search included), and evaluated "
                "on it; 0: the shipped models", "unit": "s"})
    eval_draws: int = field(default=10, metadata={
        "help": "training-curves: held-out noise draws (the factory's disturbance, else "
                "±5 s / ±1 %) each policy is evaluated on besides the nominal episode"})
    workers: int = field(default=1, metadata={
        "help": "sweeps: factories evaluated at once, each in a process of its own (with "
                "--train-s each also trains with `train`'s 2 workers, and its wall-clock "
                "budget means what it says only while the machine has the cores for all)"})
    ray: str = field(default="", metadata={
        "help": "sweeps: run the factories on Ray instead: 'local' (a Ray of --workers CPUs "
                "here), 'auto' (the cluster this machine joined with `ray start`) or "
                "'ray://HEAD:10001'; with --train-s each factory holds as many CPUs as its "
                "training's workers ('' = no Ray)"})

    def names(self) -> list[str]:
        """``policies`` as a list."""
        return [p.strip() for p in self.policies.split(",") if p.strip()]


@dataclass(frozen=True)
class ExperimentPoint:
    x: float
    policy: str
    stats: Statistics
    paired: Statistics      # policy minus the first policy, factory by factory


class Experiment:
    """Runs one sweep; ``progress`` is called after each scenario (for a progress bar).
    Every policy is made for the factory as generated (its file, nominal): a sweep's timing
    noise is the evaluation's alone. With ``train_s``, learned policies are trained per
    factory under ``models`` (reused when the same run is asked again)."""

    def __init__(self, kind: str, config: ExperimentConfig | None = None,
                 models: Path = Path("out/experiments/models")) -> None:
        if kind not in KINDS:
            raise EvaluationError(f"unknown experiment {kind!r} (known: {', '.join(KINDS)})")
        self.kind_name = kind
        self.kind = KINDS[kind]
        self.config = config or ExperimentConfig()
        if self.config.seeds < 2:
            raise EvaluationError("--seeds must be >= 2 for a confidence interval")
        self.policies = self.config.names()
        if not self.policies:
            raise EvaluationError("--policies names no policy")
        if self.config.workers < 1:
            raise EvaluationError(f"--workers: must be >= 1, got {self.config.workers}")
        self.training = FactoryTraining(self.config.train_s, models) \
            if self.config.train_s != 0 else None

    def __getstate__(self) -> dict:
        """Pickled for worker processes without the generator functions (looked up again
        by name)."""
        state = dict(self.__dict__)
        del state["kind"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.kind = KINDS[self.kind_name]

    def policy_name(self, name: str, factory: Scenario, seed: int = 0) -> str:
        """``name`` as :class:`PolicyFactory` takes it: with ``train_s``, a bare learned name
        becomes ``NAME:CHECKPOINT`` of its model trained for ``factory``."""
        if self.training is None or name not in TRAINED:
            return name
        return f"{name}:{self.training.checkpoint(name, factory, seed)}"

    def total(self) -> int:
        return len(self.kind.values) * self.config.seeds

    def factory(self, job: tuple[float, int]) -> dict:
        """One factory of the sweep, ``(x, seed)``: the flow bound and every policy's
        processed kB/h on it (a row of ``*_per_seed.csv``)."""
        x, seed = job
        gen = replace(self.kind.generator(x), horizon_s=self.config.horizon_s)
        factory = sc = gen.generate(seed)
        if self.kind.disturbance is not None:
            sc = replace(sc, disturbance=self.kind.disturbance(x))
        sim = Simulator(sc, noise_seed=seed)
        row = {"x": x, "seed": seed, BOUND: FlowBound(sc).solve().processed_kb_per_h}
        # training first: its budget includes the teacher's plan search, which `searched`
        # then reuses (PlanSearch.best)
        named = {name: self.policy_name(name, factory) for name in self.policies}
        for name in self.policies:
            policy = PolicyFactory.make(named[name], factory)
            row[name] = sim.run(policy, name=name).processed_kb_per_h
        return row

    def run(self, progress: Callable[[], None] | None = None
            ) -> tuple[list[ExperimentPoint], list[dict]]:
        """Every factory of every point (over ``workers`` processes or Ray, rows in the
        same order and with the same numbers whichever runs them), then the statistics."""
        jobs = [(x, seed) for x in self.kind.values
                for seed in Seeding.evaluation_seeds(self.config.seeds)]
        cpus = TrainingConfig().workers if self.training is not None else 1
        raw = JobPool.map(self.factory, jobs, self.config.workers, progress,
                          ray_address=self.config.ray, cpus_per_job=cpus)
        base = self.policies[0]
        points = [ExperimentPoint(x, name, Statistics.of([r[name] for r in raw if r["x"] == x]),
                                  Statistics.of([r[name] - r[base] for r in raw if r["x"] == x]))
                  for x in self.kind.values for name in self.policies + [BOUND]]
        return points, raw

    def write(self, points: Sequence[ExperimentPoint], raw: Sequence[dict], out: Path
              ) -> tuple[Path, Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        summary = out / f"{self.kind_name}.csv"
        with summary.open("w", newline="") as fh:
            w = csv.writer(fh)
            base = self.policies[0]
            w.writerow(["experiment", "x", "policy", "n", "mean_kb_per_h", "ci95_low",
                        "ci95_high", f"minus_{base}_mean", f"minus_{base}_ci95_low",
                        f"minus_{base}_ci95_high"])
            for p in points:
                w.writerow([self.kind_name, p.x, p.policy, p.stats.n, f"{p.stats.mean:.3f}",
                            f"{p.stats.low:.3f}", f"{p.stats.high:.3f}",
                            f"{p.paired.mean:.3f}", f"{p.paired.low:.3f}",
                            f"{p.paired.high:.3f}"])
        per_seed = out / f"{self.kind_name}_per_seed.csv"
        with per_seed.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(raw[0]))
            w.writeheader()
            w.writerows(raw)
        return summary, per_seed, self.plot(points, out / f"{self.kind_name}.png")

    def figure(self, points: Sequence[ExperimentPoint]) -> Any:
        """:meth:`plot`'s curves as a matplotlib Figure (the caller closes it)."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (ax, gain) = plt.subplots(1, 2, figsize=(12.4, 4.4), layout="constrained")
        base = self.policies[0]
        for name in self.policies + [BOUND]:
            pts = [p for p in points if p.policy == name]
            style = {"color": "black", "linestyle": "--"} if name == BOUND else {"marker": "o"}
            line = ax.errorbar([p.x for p in pts], [p.stats.mean for p in pts],
                               yerr=[p.stats.half_width for p in pts], capsize=3, label=name,
                               **style)
            if name not in (base, BOUND):
                gain.errorbar([p.x for p in pts], [p.paired.mean for p in pts],
                              yerr=[p.paired.half_width for p in pts], capsize=3,
                              color=line[0].get_color(), marker="o")
        gain.axhline(0.0, color="black", linewidth=1)
        for a in (ax, gain):
            a.set_xlabel(self.kind.label)
            if all(float(v).is_integer() for v in self.kind.values):
                PlotStyle.integer_ticks(a.xaxis)
            a.grid(alpha=0.3)
        ax.set_ylabel("processed work [kB/h], mean ± 95% CI")
        gain.set_ylabel(f"minus {base}, factory by factory\n[kB/h], mean ± 95% CI")
        fig.suptitle(f"{self.kind.figure} shape: {self.kind.label}\n"
                     f"({self.config.seeds} held-out factories per point"
                     + (f"; learned policies trained {self.config.train_s:g} s per factory)"
                        if self.training else ")"))
        PlotStyle.legend_beside(gain, *ax.get_legend_handles_labels())
        return fig

    def plot(self, points: Sequence[ExperimentPoint], path: Path) -> Path:
        import matplotlib.pyplot as plt

        fig = self.figure(points)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path

"""``offload-ros headroom aigc``: how much an AIGC offloading policy could gain over the
least-finish-time greedy, and whether an AGV's local observation can tell where.

At every decision epoch of a greedy episode, for each AGV placing a task, each edge server that
would take it is tried on a copy of the simulator (the other AGVs greedy now, everyone greedy
afterwards) for ``lookahead_s`` of epochs; the fleet's summed reward (minus the seconds its
tasks spend in the system, over ``latency_scale_s``, minus missed-deadline penalties) is that
choice's value. The copy knows the tasks that will arrive (they are drawn up front), so these
are clairvoyant values: unbiased for the expected value given the whole state, noisy given
less.

- ``lookahead``: held-out episodes played by the one-step lookahead itself (each AGV's
  choice the best of its tries): a centralised, clairvoyant reference, not a deployable
  policy.
- ``fitted``: an :class:`AdvantageRegressor` on the actor's features
  (:class:`AigcObservation`) fitted to the values minus greedy's on training episodes; on
  held-out episodes each AGV takes its predicted best ES where that beats greedy's by more
  than ``margin``. Both are reported as mean latency and completion rate against greedy's,
  paired over the same episodes (95% CIs).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from offload_ros.evaluation.csv_table import CsvTable
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.job_pool import JobPool
from offload_ros.evaluation.statistics import Statistics
from offload_ros.learning.advantage_regressor import AdvantageRegressor
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator


@dataclass(frozen=True)
class AigcRolloutHeadroomConfig:
    train: int = field(default=16, metadata={"help": "training episodes (regressor data)"})
    seeds: int = field(default=10, metadata={"help": "held-out episodes (evaluation)"})
    agvs: str = field(default="5,10", metadata={
        "help": "comma-separated fleet sizes, taken in turn"})
    lookahead_s: int = field(default=60, metadata={
        "help": "epochs each try is played on", "unit": "s"})
    margin: float = field(default=0.1, metadata={
        "help": "fitted rule: leave greedy where the predicted gain exceeds this (reward "
                "units)"})
    epochs: int = field(default=30, metadata={"help": "regressor training epochs"})
    seed: int = field(default=0, metadata={"help": "factories, tasks and regressor"})
    workers: int = field(default=2, metadata={"help": "processes"})


class AigcRolloutHeadroom:
    def __init__(self, config: AigcRolloutHeadroomConfig | None = None) -> None:
        c = self.config = config or AigcRolloutHeadroomConfig()
        if c.train < 1:
            raise EvaluationError(f"--train: must be >= 1, got {c.train}")
        if c.seeds < 2:
            raise EvaluationError("--seeds must be >= 2 for a confidence interval")
        if c.lookahead_s < 1 or c.epochs < 1 or c.workers < 1:
            raise EvaluationError("--lookahead-s, --epochs and --workers must be >= 1")
        try:
            self.sizes = [int(x) for x in c.agvs.split(",") if x.strip()]
        except ValueError as err:
            raise EvaluationError(f"--agvs: not a list of whole numbers: {c.agvs!r}") from err
        if not self.sizes or min(self.sizes) < 1:
            raise EvaluationError("--agvs: give fleet sizes >= 1")

    # ------------------------------------------------------------------ episodes
    def episode(self, split: str, k: int) -> tuple[AigcSimulator, int]:
        """A fresh simulator of episode ``k`` of ``split`` and its task seed."""
        n = self.sizes[k % len(self.sizes)]
        held = split == "held-out"
        sc = ScenarioFamily(agvs_min=n, agvs_max=n).draw(self.config.seed, "aigc-headroom",
                                                         split, k, evaluation=held)
        base = Seeding.EVALUATION_SEED_BASE if held else 0
        return AigcSimulator(sc), base + Seeding.int_seed(self.config.seed, "aigc-headroom",
                                                          split, k) % 100_000

    def jobs(self) -> list[tuple[str, int]]:
        return [("train", k) for k in range(self.config.train)] + \
            [("held-out", k) for k in range(self.config.seeds)]

    @staticmethod
    def _greedy(sim: AigcSimulator) -> np.ndarray:
        obs = AigcObservation(sim)
        return obs.least(obs.eft_s)

    def values(self, sim: AigcSimulator, obs: AigcObservation, greedy: np.ndarray
               ) -> dict[int, np.ndarray]:
        """Per AGV placing a task: the value of each ES (NaN where it is full)."""
        out = {}
        for i in np.flatnonzero(greedy > 0):
            v = np.full(sim.n_es, np.nan)
            for j in np.flatnonzero(np.isfinite(obs.eft_s[i])):
                trial = greedy.copy()
                trial[i] = j + 1
                twin = copy.deepcopy(sim)
                total, act = 0.0, trial
                for _ in range(self.config.lookahead_s):
                    if twin.done:
                        break
                    total += float(twin.step(act).sum())
                    act = self._greedy(twin)
                v[j] = total
            out[int(i)] = v
        return out

    def _job(self, job: tuple[str, int]) -> dict:
        """Training: features and advantages along a greedy episode. Held-out: greedy's and
        the lookahead's outcomes (the fitted rule is played later, once it exists)."""
        split, k = job
        sim, seed = self.episode(split, k)
        sim.reset(seed)
        x, adv = [], []
        lookahead = split == "held-out"
        while not sim.done:
            obs = AigcObservation(sim)
            greedy = obs.least(obs.eft_s)
            vals = self.values(sim, obs, greedy)
            act = greedy.copy()
            for i, v in vals.items():
                if lookahead:
                    act[i] = int(np.nanargmax(v)) + 1
                else:
                    x.append(obs.features[i])
                    adv.append(v - v[greedy[i] - 1])
            sim.step(act)
        sim.check_conservation()
        out = {"split": split, "k": k, "agvs": sim.n_agvs}
        if lookahead:
            out["lookahead"] = _outcome(sim)
            sim.reset(seed)
            while not sim.done:
                sim.step(self._greedy(sim))
            out["greedy"] = _outcome(sim)
        else:
            width = AigcObservation.size(sim.n_es)
            out["x"] = np.asarray(x, np.float32).reshape(len(x), width)
            out["adv"] = np.asarray(adv).reshape(len(adv), sim.n_es)
        return out

    def collect(self, progress: Callable[[], None] | None = None) -> list[dict]:
        return JobPool.map(self._job, self.jobs(), self.config.workers, progress)

    # ------------------------------------------------------------------ analysis
    def fit(self, rows: list[dict]) -> AdvantageRegressor:
        train = [r for r in rows if r["split"] == "train"]
        x = np.concatenate([r["x"] for r in train])
        adv = np.concatenate([r["adv"] for r in train])
        reg = AdvantageRegressor(x.shape[1], adv.shape[1], seed=self.config.seed)
        reg.fit(x, adv, epochs=self.config.epochs)
        return reg

    def play_fitted(self, reg: AdvantageRegressor, split: str, k: int) -> dict:
        sim, seed = self.episode(split, k)
        sim.reset(seed)
        while not sim.done:
            obs = AigcObservation(sim)
            act = obs.least(obs.eft_s)
            live = np.flatnonzero(act > 0)
            if len(live):
                pred = reg.predict(obs.features[live])
                pred = np.where(np.isfinite(obs.eft_s[live]), pred, -np.inf)
                best = pred.argmax(1)
                gain = pred[np.arange(len(live)), best]
                act[live] = np.where(gain > self.config.margin, best + 1, act[live])
            sim.step(act)
        sim.check_conservation()
        return _outcome(sim)

    def analyse(self, rows: list[dict], reg: AdvantageRegressor) -> list[dict]:
        held = [r for r in rows if r["split"] == "held-out"]
        for r in held:
            r["fitted"] = self.play_fitted(reg, "held-out", r["k"])
        out = []
        for n in self.sizes:
            mine = [r for r in held if r["agvs"] == n]
            if not mine:
                continue
            rec: dict = {"agvs": n, "episodes": len(mine)}
            for name in ("greedy", "lookahead", "fitted"):
                lat = Statistics.of([r[name][0] for r in mine])
                rec[f"{name}_latency_s"] = lat.mean
                rec[f"{name}_completion"] = float(np.mean([r[name][1] for r in mine]))
                if name != "greedy":
                    d = Statistics.of([r[name][0] - r["greedy"][0] for r in mine])
                    c = Statistics.of([r[name][1] - r["greedy"][1] for r in mine])
                    rec[f"{name}_minus_greedy_latency_s"] = d.mean
                    rec[f"{name}_minus_greedy_latency_s_ci95"] = d.half_width
                    rec[f"{name}_minus_greedy_completion"] = c.mean
                    rec[f"{name}_minus_greedy_completion_ci95"] = c.half_width
            out.append(rec)
        return out

    def write(self, summary: list[dict], out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        table = CsvTable.write(out / "headroom-aigc.csv", summary)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.2), layout="constrained")
        xs = np.arange(len(summary))
        for ax, (key, label, title) in zip(axes, (
                ("latency_s", "mean latency minus greedy's [s]", "latency (lower is better)"),
                ("completion", "completion rate minus greedy's [share of tasks]",
                 "deadline completion (higher is better)"))):
            for off, name in ((-0.2, "lookahead"), (0.2, "fitted")):
                ax.bar(xs + off, [r[f"{name}_minus_greedy_{key}"] for r in summary], 0.4,
                       yerr=[r[f"{name}_minus_greedy_{key}_ci95"] for r in summary],
                       capsize=3, label="clairvoyant lookahead" if name == "lookahead"
                       else "fitted local rule")
            ax.axhline(0.0, color="grey", lw=0.8)
            ax.set_xticks(xs, [f"{r['agvs']} AGVs" for r in summary])
            ax.set_xlabel("fleet size")
            ax.set_ylabel(label)
            ax.set_title(title)
        PlotStyle.figure_legend(fig, axes[0])
        fig.suptitle("AIGC offloading headroom over greedy (paired, 95% CI)")
        png = out / "headroom-aigc.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, png


def _outcome(sim: AigcSimulator) -> tuple[float, float]:
    s = sim.summary()
    return s["mean_latency_s"], s["completion_rate"]

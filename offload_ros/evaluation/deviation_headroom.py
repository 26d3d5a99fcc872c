"""``offload-ros headroom mcoo``: how much a learned MCOO policy could gain over the
Algorithm 1 plan, and whether its local observation can tell where.

On each congested random factory every AGV follows its plan; then, for every decision, the
episode is replayed from the start with that one decision answered by each other action of
:class:`ActionSet` (everyone else on plan). The difference in processed work is that
decision's exact single-deviation advantage (the simulator is deterministic), the quantity
MCOO's difference reward (eq. 25) estimates.

- ``oracle``: the mean over decisions of the best advantage (0 where none helps): what a
  policy that knew, decision by decision, which deviation pays would gain per decision.
- ``fitted``: an :class:`AdvantageRegressor` on the actor's features
  (:class:`ObservationFeatures`) fitted on training factories; on held-out factories it
  deviates wherever its predicted best advantage exceeds a margin. Reported per margin: the
  share of decisions it deviates at, the realised single-deviation advantage per decision,
  and the processed kB/h of the rule played as a policy by every AGV at once, minus the
  plan's, paired over the same factories (95% CIs).
"""

from __future__ import annotations

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
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.episode import Episode
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.simulator import Simulator

#: The actions other than the plan, and their requests as multiples of the plan.
ALTERNATIVES = tuple(a for a in range(ActionSet.size()) if a != ActionSet.DEFAULT)
_MULTIPLE = tuple(ActionSet.MULTIPLES[a] for a in ALTERNATIVES)


@dataclass(frozen=True)
class DeviationHeadroomConfig:
    train: int = field(default=200, metadata={
        "help": "training factories (the regressor's data)"})
    seeds: int = field(default=80, metadata={"help": "held-out factories (evaluation)"})
    agvs_min: int = field(default=5, metadata={"help": "fewest AGVs of a factory"})
    agvs_max: int = field(default=10, metadata={"help": "most AGVs of a factory"})
    margins: str = field(default="0,10,30,60", metadata={
        "help": "comma-separated kB: deviate where the predicted best advantage exceeds it"})
    epochs: int = field(default=12, metadata={"help": "regressor training epochs"})
    seed: int = field(default=0, metadata={"help": "factories and regressor"})
    workers: int = field(default=2, metadata={"help": "processes"})


class DeviationHeadroom:
    def __init__(self, config: DeviationHeadroomConfig | None = None) -> None:
        c = self.config = config or DeviationHeadroomConfig()
        if c.train < 1:
            raise EvaluationError(f"--train: must be >= 1, got {c.train}")
        if c.seeds < 2:
            raise EvaluationError("--seeds must be >= 2 for a confidence interval")
        if c.epochs < 1 or c.workers < 1:
            raise EvaluationError("--epochs and --workers must be >= 1")
        try:
            self.margins = [float(m) for m in c.margins.split(",") if m.strip()]
        except ValueError as err:
            raise EvaluationError(f"--margins: not a list of numbers: {c.margins!r}") from err
        if not self.margins:
            raise EvaluationError("--margins names no margin")
        self.family = ScenarioFamily(agvs_min=c.agvs_min, agvs_max=c.agvs_max)

    # ------------------------------------------------------------------ data
    def factory(self, split: str, k: int):
        return self.family.draw(self.config.seed, "headroom", split, k,
                                evaluation=split == "held-out")

    def jobs(self) -> list[tuple[str, int]]:
        return [("train", k) for k in range(self.config.train)] + \
            [("held-out", k) for k in range(self.config.seeds)]

    @staticmethod
    def advantages(scenario) -> tuple[np.ndarray, np.ndarray, float]:
        """Features ``[D, F]`` and single-deviation advantages ``[D, len(ALTERNATIVES)]`` (kB)
        of every decision of the plan episode, in decision order, and its processed kB."""
        sim = Simulator(scenario)
        feats = ObservationFeatures(scenario)
        ep = Episode(sim, record=False, label="plan")
        x, who = [], []
        count = [0] * len(sim.agv_ids)
        while not ep.done:
            obs = ep.observation
            x.append(feats(obs))
            who.append((obs.agv, count[obs.agv]))
            count[obs.agv] += 1
            ep.step(obs.plan_kb)
        base = ep.result.processed_kb
        adv = np.zeros((len(x), len(ALTERNATIVES)))
        for d, (m, n) in enumerate(who):
            requests = [[1.0] * c for c in count]
            for j, mult in enumerate(_MULTIPLE):
                requests[m][n] = mult
                res = sim.resume(None, requests, -1, "deviation", relative=True)
                adv[d, j] = res.processed_kb - base
        return np.asarray(x, np.float32).reshape(len(x), ObservationFeatures.SIZE), adv, base

    def _job(self, job: tuple[str, int]) -> tuple[str, int, np.ndarray, np.ndarray, float]:
        split, k = job
        x, adv, base = self.advantages(self.factory(split, k))
        return split, k, x, adv, base

    def collect(self, progress: Callable[[], None] | None = None) -> dict[str, list]:
        """``{"train": [...], "held-out": [...]}`` of ``(k, features, advantages, kB)``."""
        out: dict[str, list] = {"train": [], "held-out": []}
        results = JobPool.map(self._job, self.jobs(), self.config.workers, progress,
                              chunksize=4)
        for split, k, x, adv, base in results:
            out[split].append((k, x, adv, base))
        return out

    # ------------------------------------------------------------------ analysis
    def fit(self, data: dict[str, list]) -> AdvantageRegressor:
        x = np.concatenate([d[1] for d in data["train"]])
        adv = np.concatenate([d[2] for d in data["train"]])
        reg = AdvantageRegressor(ObservationFeatures.SIZE, len(ALTERNATIVES), scale=100.0,
                                 seed=self.config.seed)
        reg.fit(x, adv, epochs=self.config.epochs)
        return reg

    @staticmethod
    def rule(reg: AdvantageRegressor, margin: float, scenario) -> Callable:
        """The fitted rule as a policy: the predicted best deviation where it beats the
        plan by more than ``margin`` kB, else the plan."""
        feats = ObservationFeatures(scenario)

        def decide(obs) -> float:
            pred = reg.predict(feats(obs)[None])[0]
            j = int(pred.argmax())
            if pred[j] > margin:
                return ActionSet.amount(ALTERNATIVES[j], obs)
            return obs.plan_kb
        return decide

    def analyse(self, data: dict[str, list], reg: AdvantageRegressor) -> dict:
        held = data["held-out"]
        x = np.concatenate([d[1] for d in held])
        adv = np.concatenate([d[2] for d in held])
        best = np.maximum(adv.max(1), 0.0)
        pred = reg.predict(x)
        choice = pred.argmax(1)
        realised_if = adv[np.arange(len(adv)), choice]
        per_action = [{"action": ActionSet.NAMES[a],
                       "mean_advantage_kb": float(adv[:, j].mean()),
                       "share_positive": float((adv[:, j] > 0).mean())}
                      for j, a in enumerate(ALTERNATIVES)]
        plans, policies = [], {m: [] for m in self.margins}
        for k, _, _, _ in held:
            sc = self.factory("held-out", k)
            sim = Simulator(sc)
            plans.append(sim.run(lambda o: o.plan_kb, name="plan").processed_kb_per_h)
            for margin in self.margins:
                policies[margin].append(
                    sim.run(self.rule(reg, margin, sc), name="fitted").processed_kb_per_h)
        rows = []
        for margin in self.margins:
            dev = pred.max(1) > margin
            realised = Statistics.of(list(np.where(dev, realised_if, 0.0)))
            paired = Statistics.of([p - q for p, q in zip(policies[margin], plans)])
            rows.append({"margin_kb": margin, "share_deviating": float(dev.mean()),
                         "realised_kb_per_decision": realised.mean,
                         "realised_ci95": realised.half_width,
                         "policy_minus_plan_kb_per_h": paired.mean,
                         "policy_minus_plan_ci95": paired.half_width,
                         "plan_kb_per_h": float(np.mean(plans))})
        return {"train_decisions": int(sum(len(d[1]) for d in data["train"])),
                "held_out_decisions": int(len(x)),
                "oracle_kb_per_decision": float(best.mean()),
                "share_with_helpful_deviation": float((adv.max(1) > 0).mean()),
                "per_action": per_action, "margins": rows}

    def write(self, result: dict, data: dict[str, list], out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        table = out / "headroom-mcoo.csv"
        CsvTable.write(table, [{"oracle_kb_per_decision": result["oracle_kb_per_decision"],
                            **r} for r in result["margins"]])
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        adv = np.concatenate([d[2] for d in data["held-out"]])
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
        lo, hi = np.percentile(adv, [1, 99])
        bins = np.linspace(lo, hi, 60)
        for j, a in enumerate(ALTERNATIVES):
            ax1.hist(np.clip(adv[:, j], lo, hi), bins=bins, histtype="step",
                     label=ActionSet.NAMES[a].replace("_", " "))
        ax1.set_yscale("log")
        ax1.set_xlabel("single-deviation advantage over the plan [kB]\n"
                       "(1st-99th percentile; the tails in the end bins)")
        ax1.set_ylabel("decisions (held-out, log scale)")
        ax1.set_title("advantage of each alternative request")
        PlotStyle.legend_beside(ax1)
        rows = result["margins"]
        xs = np.arange(len(rows))
        ax2.bar(xs, [r["realised_kb_per_decision"] for r in rows],
                yerr=[r["realised_ci95"] for r in rows], capsize=3, label="fitted rule")
        ax2.axhline(result["oracle_kb_per_decision"], color="k", ls="--", label="oracle")
        ax2.axhline(0.0, color="grey", lw=0.8)
        ax2.set_xticks(xs, [f"{r['margin_kb']:g}" for r in rows])
        ax2.set_xlabel("margin [kB]")
        ax2.set_ylabel("realised advantage per decision [kB]")
        ax2.set_title("fitted rule (mean, 95% CI) against the oracle")
        PlotStyle.legend_beside(ax2)
        fig.suptitle(f"MCOO headroom: {result['held_out_decisions']} decisions on "
                     f"{self.config.seeds} held-out factories")
        png = out / "headroom-mcoo.png"
        fig.savefig(png, dpi=120)
        plt.close(fig)
        return table, png


"""``offload-ros compare``: policies side by side on scenarios, with the flow bound as ceiling."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario import Scenario
from offload_ros.planning.flow_bound import FlowBound
from offload_ros.sim.simulator import Simulator


@dataclass(frozen=True)
class ComparisonRow:
    scenario: str
    policy: str
    processed_kb_per_h: float
    processed_kb: float
    delivered_kb: float
    wait_s: float
    waits: float                           # whole numbers for one episode; means over K
    cycles: float
    bound_kb_per_h: float
    noise_seeds: int = 1                   # episodes averaged (noise draws 0..K-1)
    ci95_kb_per_h: float = 0.0             # half-width of processed_kb_per_h's 95 % CI

    @property
    def of_bound(self) -> float:
        return self.processed_kb_per_h / self.bound_kb_per_h if self.bound_kb_per_h else 0.0


class Comparison:
    """Runs every policy on every scenario: one episode each (the simulator is
    deterministic), or with ``noise_seeds`` K the mean over noise draws 0..K-1 of the
    scenario's ``disturbance:`` section (the same draws for every policy: paired). The flow
    bound is the nominal factory's."""

    def __init__(self, scenarios: Sequence[Scenario], policies: Sequence[str],
                 noise_seeds: int = 1) -> None:
        if noise_seeds < 1:
            raise EvaluationError(f"noise_seeds: must be >= 1, got {noise_seeds!r}")
        self.scenarios = list(scenarios)
        self.policies = list(policies)
        self.noise_seeds = noise_seeds

    def run(self) -> list[ComparisonRow]:
        rows = []
        for sc in self.scenarios:
            sims = [Simulator(sc, noise_seed=s) for s in range(self.noise_seeds)]
            bound = FlowBound(sc).solve().processed_kb_per_h
            for name in self.policies:
                runs = [sim.run(PolicyFactory.make(name, sc), name=name) for sim in sims]
                k = len(runs)

                def mean(values: list[float]) -> float:
                    return values[0] if k == 1 else sum(values) / k
                per_h = Statistics.of([r.processed_kb_per_h for r in runs])
                rows.append(ComparisonRow(
                    sc.name, name, per_h.mean, mean([r.processed_kb for r in runs]),
                    mean([r.delivered_kb for r in runs]), mean([r.wait_s for r in runs]),
                    mean([sum(a.waits for a in r.agvs.values()) for r in runs]),
                    mean([r.cycles for r in runs]), bound, k,
                    0.0 if k == 1 else per_h.half_width))
        return rows

    @staticmethod
    def table(rows: Sequence[ComparisonRow]):
        from rich.table import Table
        seeds = max((r.noise_seeds for r in rows), default=1)
        table = Table(title="processed work per hour (flow bound = ceiling)" + (
            f"; mean ± 95 % CI over {seeds} noise draws" if seeds > 1 else ""))
        for col, just in (("scenario", "left"), ("policy", "left"), ("kB/h", "right"),
                          ("of bound", "right"), ("wait s", "right"), ("waits", "right"),
                          ("cycles", "right")):
            table.add_column(col, justify=just)
        last = None
        for r in rows:
            if last is not None and r.scenario != last:
                table.add_section()
            if r.scenario != last:
                table.add_row(r.scenario, "[dim]flow bound[/dim]", f"{r.bound_kb_per_h:,.0f}",
                              "100.0%", "", "", "")
            last = r.scenario
            kb = f"{r.processed_kb_per_h:,.0f}" + (f" ± {r.ci95_kb_per_h:,.0f}"
                                                    if r.noise_seeds > 1 else "")
            table.add_row("", r.policy, kb, f"{r.of_bound:.1%}", f"{r.wait_s:,.0f}",
                          f"{r.waits:g}", f"{r.cycles:g}")
        return table

    @staticmethod
    def write_csv(rows: Sequence[ComparisonRow], path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])))
            writer.writeheader()
            for r in rows:
                writer.writerow(asdict(r))
        return path

    @staticmethod
    def figure(rows: Sequence[ComparisonRow]):
        """The bars of :meth:`plot` as a matplotlib Figure (the caller closes it)."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        scenarios = list(dict.fromkeys(r.scenario for r in rows))
        policies = list(dict.fromkeys(r.policy for r in rows))
        by = {(r.scenario, r.policy): r for r in rows}
        width = 0.8 / max(1, len(policies))
        fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(scenarios) * len(policies) / 2)
                                        + 1.6, 4.2), layout="constrained")
        for p_idx, pol in enumerate(policies):
            xs = [s_idx - 0.4 + width * (p_idx + 0.5) for s_idx in range(len(scenarios))]
            ax.bar(xs, [by[(s, pol)].processed_kb_per_h for s in scenarios], width, label=pol)
        for s_idx, s in enumerate(scenarios):
            bound = by[(s, policies[0])].bound_kb_per_h
            ax.hlines(bound, s_idx - 0.45, s_idx + 0.45, colors="black", linestyles="--",
                      label="flow bound" if s_idx == 0 else None)
        if len(scenarios) > 1:
            ax.set_xticks(range(len(scenarios)), scenarios, rotation=15, ha="right")
        else:
            ax.set_xticks(range(len(scenarios)), scenarios)
        ax.set_xlabel("scenario")
        ax.set_ylabel("processed work [kB/h]")
        ax.set_title("Processed work per hour by policy")
        PlotStyle.legend_beside(ax)
        return fig

    @staticmethod
    def plot(rows: Sequence[ComparisonRow], path: Path) -> Path:
        import matplotlib.pyplot as plt

        fig = Comparison.figure(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path

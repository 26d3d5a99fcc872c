"""``experiment`` and ``headroom``: sweeps over held-out random factories."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from offload_ros.cli.command import Command
from offload_ros.evaluation.aigc_offload.aigc_rollout_headroom import (
    AigcRolloutHeadroom,
    AigcRolloutHeadroomConfig,
)
from offload_ros.evaluation.deviation_headroom import (
    DeviationHeadroom,
    DeviationHeadroomConfig,
)
from offload_ros.evaluation.experiment import KINDS, Experiment, ExperimentConfig
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import TRAINED, PolicyFactory
from offload_ros.evaluation.training_comparison import TrainingComparison
from offload_ros.evaluation.training_curves import TrainingCurves
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.scenario_generator import ScenarioGenerator


class ExperimentCommand(Command):
    """Sweeps and studies over held-out random factories."""

    commands = ("experiment", "headroom")

    def experiment_parser(self, sub) -> None:
        e = sub.add_parser("experiment", help="Fig. 5-7 shapes over random factories")
        e.add_argument("kind", choices=list(KINDS) + ["training-curves"],
                       help="a sweep over held-out random factories, or training-curves "
                       "(Fig. 4 shape: with --scenario and --train-s, each learned policy of "
                       "--policies trained --seeds times for that factory with the same "
                       "budget; without, the shipped models' MODELS/<algo>/training.csv)")
        e.add_argument("--models", type=Path, help="training-curves: the models folder "
                       "(default: the shipped models/)")
        e.add_argument("--trained", type=Path, default=Path("out/experiments/models"),
                       help="with --train-s: where the models trained per factory are kept "
                       "(a run asked again reuses them)")
        e.add_argument("--scenario", help="training-curves: the factory to train for (a "
                       "scenario file or shipped name)")
        ConfigSchema(ExperimentConfig).add_arguments(e)
        e.add_argument("--out", type=Path, default=Path("out/experiments"))
        e.set_defaults(run=self.experiment)

    def headroom_parser(self, sub) -> None:
        hr = sub.add_parser("headroom", help="what a learned policy could gain over its default, "
                            "and whether its local observation can tell where")
        hrsub = hr.add_subparsers(dest="headroom_kind", required=True, metavar="KIND")
        hm = hrsub.add_parser("mcoo", help="exact single-deviation advantages over the "
                              "Algorithm 1 plan, and a regressor on the actor's features")
        ConfigSchema(DeviationHeadroomConfig).add_arguments(hm)
        hm.add_argument("--out", type=Path, default=Path("out/experiments"))
        hm.add_argument("--json", action="store_true", help="print the result as JSON")
        hm.set_defaults(run=self.headroom_mcoo)
        ha = hrsub.add_parser("aigc", help="clairvoyant one-step lookahead over the "
                              "least-finish-time greedy, and a regressor on the actor's "
                              "features")
        ConfigSchema(AigcRolloutHeadroomConfig).add_arguments(ha)
        ha.add_argument("--out", type=Path, default=Path("out/experiments"))
        ha.add_argument("--json", action="store_true", help="print the summary as JSON")
        ha.set_defaults(run=self.headroom_aigc)

    def experiment(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(ExperimentConfig).from_namespace(args)
        if args.kind == "training-curves" and args.scenario:
            return self.training_comparison(args, config)
        if args.scenario:
            raise EvaluationError(f"--scenario: only training-curves trains for one factory; "
                                  f"experiment {args.kind} draws held-out random ones")
        if args.kind == "training-curves":
            curves = TrainingCurves(args.models or PackagePaths.share() / "models")
            table, png = curves.write(args.out)
            for algo, rows in curves.read().items():
                print(f"{algo:5s} {rows[-1]['wall_s']:7.0f} s, {int(rows[-1]['episodes']):7d} "
                      f"episodes: validation {rows[-1]['val_vs_greedy']:.4f} x greedy "
                      f"(best {max(r['val_vs_greedy'] for r in rows):.4f}); 95% of its final "
                      f"change after {TrainingCurves.time_to_final(rows):.0f} s")
            print(f"wrote {table} and {png}")
            return 0
        exp = Experiment(args.kind, config, args.trained)
        for name in exp.policies:  # fail before the long run, not in the middle of it
            if exp.training is None or name not in TRAINED:
                PolicyFactory.make(name, ScenarioGenerator().generate(0))
        with self.bar(exp.total(), f"experiment {args.kind}", "factory") as bar:
            points, raw = exp.run(progress=lambda: bar.update(1))
        summary, per_seed, png = exp.write(points, raw, args.out)
        from rich.table import Table
        t = Table(title=f"{args.kind}: processed kB/h, mean ± 95% CI over {args.seeds} "
                  "held-out factories")
        t.add_column(exp.kind.label)
        names = exp.policies + ["flow bound"]
        for name in names:
            t.add_column(name, justify="right")
        for x in exp.kind.values:
            cells = {p.policy: p.stats for p in points if p.x == x}
            t.add_row(f"{x:g}", *[f"{cells[n].mean:,.0f} ± {cells[n].half_width:,.0f}"
                                  for n in names])
        con = self.console()
        con.print(t)
        if len(exp.policies) > 1:
            base = exp.policies[0]
            d = Table(title=f"paired difference to {base} (same factories), mean ± 95% CI")
            d.add_column(exp.kind.label)
            for name in exp.policies[1:]:
                d.add_column(f"{name} - {base}", justify="right")
            for x in exp.kind.values:
                cells = {p.policy: p.paired for p in points if p.x == x}
                d.add_row(f"{x:g}", *[f"{cells[n].mean:+,.0f} ± {cells[n].half_width:,.0f}"
                                      for n in exp.policies[1:]])
            con.print(d)
        con.print(f"wrote {summary}, {per_seed} and {png}")
        return 0

    def training_comparison(self, args: argparse.Namespace, config: ExperimentConfig) -> int:
        family = ScenarioFamily(scenarios=args.scenario)
        study = TrainingComparison(Scenario.load(family.files()[0]), config,
                                   args.trained)
        for name in study.policies:  # fail before the long run, not in the middle of it
            if name not in TRAINED:
                PolicyFactory.make(name, study.scenario)
        with self.bar(study.jobs(), "training-curves", "run") as bar:
            rows = study.run(lambda: bar.update(1))
        table, png = study.write(rows, args.out)
        from rich.table import Table
        t = Table(title=f"{study.scenario.name}: {config.seeds} training seeds x "
                  f"{config.train_s:g} s per learned policy; processed / greedy, mean ± 95% "
                  f"CI over seeds (nominal, and {config.eval_draws} unseen draws of "
                  f"{study.noise.describe()})")
        for col in ("policy", "runs", "nominal", "under noise"):
            t.add_column(col, justify="left" if col == "policy" else "right")
        for s in study.summary(rows):
            cells = [s["nominal"], s["noisy"]]
            if s["paired"]:
                text = [f"{c.mean:+,.0f} ± {c.half_width:,.0f} kB/h" for c in cells]
            else:
                text = [f"{c.mean:.4f}" + (f" ± {c.half_width:.4f}" if c.n > 1 else "")
                        for c in cells]
            t.add_row(s["policy"], str(s["runs"]), *text)
        con = self.console()
        con.print(t)
        con.print(f"wrote {table} and {png}")
        return 0

    def headroom_mcoo(self, args: argparse.Namespace) -> int:
        study = DeviationHeadroom(ConfigSchema(DeviationHeadroomConfig).from_namespace(args))
        with self.bar(len(study.jobs()), "headroom mcoo", "factory") as bar:
            data = study.collect(lambda: bar.update(1))
        result = study.analyse(data, study.fit(data))
        table, png = study.write(result, data, args.out)
        if args.json:
            print(json.dumps(result))
            return 0
        con = self.console()
        con.print(f"{result['held_out_decisions']:,} held-out decisions (regressor fitted on "
                  f"{result['train_decisions']:,}); a deviation helps at "
                  f"{100 * result['share_with_helpful_deviation']:.1f} %; oracle "
                  f"{result['oracle_kb_per_decision']:.1f} kB per decision")
        for a in result["per_action"]:
            con.print(f"  {a['action']:>18}: mean advantage {a['mean_advantage_kb']:+8.1f} kB, "
                      f"helps at {100 * a['share_positive']:.1f} %")
        for r in result["margins"]:
            con.print(f"  fitted rule, margin {r['margin_kb']:g} kB: deviates at "
                      f"{100 * r['share_deviating']:.1f} %, realises "
                      f"{r['realised_kb_per_decision']:+.2f} ± {r['realised_ci95']:.2f} kB per "
                      f"decision; as a policy {r['policy_minus_plan_kb_per_h']:+.0f} ± "
                      f"{r['policy_minus_plan_ci95']:.0f} kB/h against the plan's "
                      f"{r['plan_kb_per_h']:,.0f}")
        con.print(f"wrote {table} and {png}")
        return 0

    def headroom_aigc(self, args: argparse.Namespace) -> int:
        study = AigcRolloutHeadroom(ConfigSchema(AigcRolloutHeadroomConfig).from_namespace(args))
        with self.bar(len(study.jobs()), "headroom aigc", "episode") as bar:
            rows = study.collect(lambda: bar.update(1))
        summary = study.analyse(rows, study.fit(rows))
        table, png = study.write(summary, args.out)
        if args.json:
            print(json.dumps(summary))
            return 0
        con = self.console()
        for r in summary:
            con.print(f"{r['agvs']:>2} AGVs, {r['episodes']} held-out episodes: greedy "
                      f"{r['greedy_latency_s']:.2f} s / {100 * r['greedy_completion']:.1f} %")
            for name in ("lookahead", "fitted"):
                con.print(f"  {name:>9}: latency {r[f'{name}_minus_greedy_latency_s']:+.2f} ± "
                          f"{r[f'{name}_minus_greedy_latency_s_ci95']:.2f} s, completion "
                          f"{100 * r[f'{name}_minus_greedy_completion']:+.1f} ± "
                          f"{100 * r[f'{name}_minus_greedy_completion_ci95']:.1f} points")
        con.print(f"wrote {table} and {png}")
        return 0

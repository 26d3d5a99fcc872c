"""``aigc``: the defect diffusion model (train, generate, quality, few-shot, cost) and
the AIGC offloading game (offload, experiment)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from offload_ros.aigc.diffusion_config import DiffusionConfig
from offload_ros.aigc.errors import AigcError
from offload_ros.cli.command import Command
from offload_ros.evaluation.aigc_offload.aigc_experiment import AigcExperimentConfig
from offload_ros.evaluation.aigc_quality_config import AigcQualityConfig
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.package_paths import PackagePaths


class AigcCommand(Command):
    """The diffusion model's commands and the AIGC offloading game's."""

    commands = ("aigc",)

    def aigc_parser(self, sub) -> None:
        ai = sub.add_parser("aigc", help="the defect diffusion model: train, generate, "
                            "measure quality and cost")
        asub = ai.add_subparsers(dest="aigc_command", required=True, metavar="ACTION")
        model_help = "model folder (default: the shipped models/aigc)"

        tr = asub.add_parser("train", help="train the class-conditional diffusion model",
                             description="Train the defect diffusion model on procedural "
                             "images or on a folder root/<class>/*.png. Writes the model "
                             "(EMA weights, diffusers format), checkpoint.pt, samples/ grids "
                             "and training.csv/png under --out.")
        ConfigSchema(DiffusionConfig).add_arguments(tr)
        tr.add_argument("--out", type=Path, default=Path("out/aigc"),
                        help="output folder (default: out/aigc)")
        tr.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint.pt up to --steps in all")
        tr.add_argument("--quiet", action="store_true", help="no progress bar")
        tr.set_defaults(run=self.aigc_train)

        g = asub.add_parser("generate", help="generate defect images of one class")
        g.add_argument("--class", dest="class_name", required=True,
                       help="a class of the model (shipped: good, scratch, crack, pit, stain)")
        g.add_argument("--num", type=int, default=16, help="images (default: 16)")
        g.add_argument("--steps", type=int, default=20, help="DDIM steps (default: 20)")
        g.add_argument("--seed", type=int, default=0)
        g.add_argument("--guidance", type=float, default=GenerationServiceConfig.guidance,
                       help="classifier-free guidance scale (default: "
                       f"{GenerationServiceConfig.guidance:g}; 1 = none, half the compute)")
        g.add_argument("--model", type=Path, help=model_help)
        g.add_argument("--out", type=Path, default=Path("out/generated"),
                       help="PNG files and grid.png go here (default: out/generated)")
        g.set_defaults(run=self.aigc_generate)

        for name, helptext in (("quality", "rate at which a classifier trained on real "
                                "images recognises the requested class in generated ones"),
                               ("fewshot", "few real samples vs few real + generated: "
                                "classifier accuracy with 95%% CIs")):
            q = asub.add_parser(name, help=helptext)
            q.add_argument("--model", type=Path, help=model_help)
            ConfigSchema(AigcQualityConfig).add_arguments(q)
            q.add_argument("--out", type=Path, default=Path("out/aigc-eval"))
            q.add_argument("--json", action="store_true", help="print one JSON object")
            q.set_defaults(run=self.aigc_quality if name == "quality" else self.aigc_fewshot)

        c = asub.add_parser("cost", help="measure the cost model (seconds per denoising step "
                            "by batch size) and save it beside the model")
        c.add_argument("--model", type=Path, help=model_help)
        c.add_argument("--batches", default="1,2,4,8,16", help="batch sizes to time")
        c.add_argument("--steps", type=int, default=5, help="steps per timing (default: 5)")
        c.add_argument("--device", default="cpu", help="torch device to time: cpu, cuda, "
                       "cuda:N or auto (default: cpu)")
        c.add_argument("--out", type=Path, help="folder for cost_model.json (default: the "
                       "model folder)")
        c.add_argument("--json", action="store_true")
        c.set_defaults(run=self.aigc_cost)

        o = asub.add_parser("offload", help="AIGC task offloading over wireless links: a policy "
                            "over many episodes of one scenario",
                            description="Runs POLICY on SCENARIO's AIGC tasks (its aigc: "
                            "section, or the defaults) for --episodes held-out task seeds and "
                            "reports latency and deadline completion.")
        o.add_argument("scenario", help="scenario file or shipped name")
        o.add_argument("--policy", default="greedy", help="random, nearest, greedy (least "
                       "expected finish time), batch_greedy (the same, knowing the servers' "
                       "batching), amarl, concat, idqn (models/NAME), or NAME:CHECKPOINT "
                       "(default: greedy)")
        o.add_argument("--episodes", type=int, default=20, help="episodes (default: 20)")
        o.add_argument("--seed", type=int, default=0, help="picks the held-out task seeds")
        o.add_argument("--sample", action="store_true",
                       help="trained actors draw their actions instead of taking the most "
                       "probable")
        o.add_argument("--cost-model", type=Path, help="a cost_model.json (or its folder) "
                       "whose fit replaces the scenario's compute cost")
        o.add_argument("--json", action="store_true", help="print one JSON object")
        o.set_defaults(run=self.aigc_offload)

        ex = asub.add_parser("experiment", help="AIGC offloading: latency and completion "
                             "against the number of AGVs, or convergence curves")
        ex.add_argument("kind", choices=("agvs", "convergence"))
        ConfigSchema(AigcExperimentConfig).add_arguments(ex)
        ex.add_argument("--runs", default="models/amarl,models/concat,models/idqn",
                        help="convergence: training folders to compare (default: the shipped)")
        ex.add_argument("--out", type=Path, default=Path("out/experiments"))
        ex.set_defaults(run=self.aigc_experiment)

    def aigc_train(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(DiffusionConfig).from_namespace(args)
        from offload_ros.aigc.train_diffusion import TrainDiffusion
        trainer = TrainDiffusion(config, args.out, progress=not args.quiet, resume=args.resume)
        out = trainer.run()
        last = trainer.curve[-1] if trainer.curve else {"loss": float("nan")}
        print(f"wrote the model to {out} ({trainer.step} steps, loss {last['loss']:.4f}); "
              f"samples in {out / 'samples'}, curve in {out / 'training.png'}")
        return 0

    def aigc_generate(self, args: argparse.Namespace) -> int:
        from offload_ros.aigc.generation_service import (
            GenerationRequest,
            GenerationService,
        )
        from offload_ros.aigc.image_grid import ImageGrid
        model = self.aigc_model(args.model)
        req = GenerationRequest(args.class_name, args.num, args.steps, args.seed)
        with GenerationService(model, GenerationServiceConfig(guidance=args.guidance)) as svc:
            handle = svc.submit(req)
            with self.bar(args.num * args.steps, f"generating {args.num} {args.class_name}",
                          "image-step") as bar:
                while True:
                    try:
                        res = handle.result(timeout=0.2)
                        break
                    except FutureTimeout:
                        bar.update(handle.progress()[0] - bar.n)
                bar.update(handle.progress()[0] - bar.n)
        if res.status != "done":
            print(f"offload-ros: generation {res.status}: {res.error}", file=sys.stderr)
            return 1
        files = ImageGrid.save_each(res.images, args.out, args.class_name)
        grid = ImageGrid.save(res.images, args.out / "grid.png", columns=8)
        print(f"wrote {len(files)} images ({model.resolution}x{model.resolution}) to "
              f"{args.out} and {grid} in {res.latency_s:.2f} s")
        return 0

    def _aigc_eval(self, args: argparse.Namespace, total, run):
        from offload_ros.evaluation.aigc_quality import AigcQuality
        model = self.aigc_model(args.model)
        q = AigcQuality(model, ConfigSchema(AigcQualityConfig).from_namespace(args))
        with self.bar(total(q), f"aigc {args.aigc_command}", "batch", quiet=args.json) as bar:
            q.progress = lambda: bar.update(1)
            return model, run(q)

    def aigc_quality(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_quality import AigcQuality
        model, res = self._aigc_eval(args, lambda q: q.quality_total(), lambda q: q.quality())
        table, grid = AigcQuality.write_quality(res, args.out, model.class_names)
        if args.json:
            print(json.dumps({k: v for k, v in res.items() if k != "samples"}, indent=2))
            return 0
        print(f"judge: a classifier trained on real images, {res['judge_real_accuracy']:.1%} "
              "accurate on held-out real images")
        for name, rate in res["per_class"].items():
            print(f"  {name:10s} {rate:6.1%} of generated images classified as {name}")
        print(f"  {'all':10s} {res['rate']:6.1%}")
        print(f"wrote {table} and {grid}")
        return 0

    def aigc_fewshot(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_quality import AigcQuality
        _, res = self._aigc_eval(args, lambda q: q.fewshot_total(), lambda q: q.fewshot())
        table, png = AigcQuality.write_fewshot(res, args.out)
        stats = {k: res[k].__dict__ for k in ("real_only", "with_generated", "gain")}
        if args.json:
            print(json.dumps({"rows": res["rows"], **stats, "config": res["config"]}, indent=2))
            return 0
        c = res["config"]
        for key, label in (("real_only", f"{c['shots']} real/class"),
                           ("with_generated", f"{c['shots']} real + {c['generated']} "
                            "generated/class"), ("gain", "paired gain")):
            st = res[key]
            print(f"  {label:32s} {st.mean:+.3f} ± {st.half_width:.3f}" if key == "gain" else
                  f"  {label:32s} {st.mean:.3f} ± {st.half_width:.3f}")
        print(f"accuracy on {c['test_per_class']} held-out real images per class, mean ± 95% "
              f"CI over {c['trials']} trials; wrote {table} and {png}")
        return 0

    def aigc_cost(self, args: argparse.Namespace) -> int:
        from offload_ros.aigc.cost_model import CostModel
        try:
            batches = [int(b) for b in args.batches.split(",")]
        except ValueError as err:
            raise AigcError(f"--batches: comma-separated integers, got {args.batches!r}") \
                from err
        if not batches or min(batches) < 1 or args.steps < 1:
            raise AigcError("--batches entries and --steps must be >= 1")
        folder = args.model or PackagePaths.share() / "models" / "aigc"
        model = self.aigc_model(folder).to(args.device)
        cost = CostModel.measure(model, batches, args.steps)
        path = cost.save(args.out or folder)
        if args.json:
            print(json.dumps(cost.__dict__, indent=2, default=list))
            return 0
        for b, sec in cost.timings:
            print(f"  batch {b:3d}: {sec * 1000:7.2f} ms per step = "
                  f"{sec / b * 1000:6.2f} ms per image-step")
        print(f"fit: {cost.fixed_s * 1000:.2f} ms + {cost.per_image_s * 1000:.2f} ms x batch per "
              f"step ({cost.device}); a 4-image, 20-step task costs {cost.task_s(4, 20):.2f} s; "
              f"wrote {path}")
        return 0

    def aigc_offload(self, args: argparse.Namespace) -> int:
        if args.episodes < 1:
            raise EvaluationError("--episodes must be >= 1")
        sc = self.load(args.scenario)
        if args.cost_model:
            from offload_ros.aigc.cost_model import CostModel
            folder = args.cost_model if args.cost_model.is_dir() else args.cost_model.parent
            cm = CostModel.load(folder)
            sc = dataclasses.replace(sc, aigc=dataclasses.replace(
                sc.aigc_settings(), step_fixed_s=cm.fixed_s, step_per_image_s=cm.per_image_s,
                cost_resolution=cm.resolution))
        from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import (
            AigcOffloadEvaluation,
        )
        ev = AigcOffloadEvaluation(args.policy, args.sample)
        res = {"scenario": sc.name, **ev.run(sc, args.episodes, args.seed, progress=not args.json)}
        if args.json:
            print(json.dumps(res))
            return 0
        con = self.console()
        con.print(f"[bold]{sc.name}[/]: policy {args.policy}, {res['episodes']} episodes, "
                  f"{res['tasks']} tasks")
        con.print(f"  mean latency {res['mean_latency_s']:.2f} s (per episode "
                  f"{res['mean_episode_latency_s']:.2f} ± {res['mean_episode_latency_ci95'] or 0:.2f})"
                  f", p95 {res['p95_latency_s']:.2f} s")
        con.print(f"  deadlines met {100 * res['completion_rate']:.1f} %; refusals "
                  f"{res['refusals']}, holds {res['holds']}")
        return 0

    def aigc_experiment(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_offload.aigc_experiment import (
            AigcConvergence,
            AigcExperiment,
        )
        con = self.console()
        if args.kind == "convergence":
            runs = [Path(r.strip()) for r in args.runs.split(",") if r.strip()]
            table, png, summary = AigcConvergence(runs).write(args.out)
            for row in summary:
                con.print(f"{row['run']}: final return {row['final_val_return']:.2f}, 95 % "
                          f"of it after {row['episodes_to_95pct']} episodes / "
                          f"{row['wall_s_to_95pct']:.0f} s; best {row['best_val_return']:.2f} "
                          f"after {row['episodes_to_best']} episodes (the kept actor)")
            con.print(f"wrote {table} and {png}")
            return 0
        exp = AigcExperiment(ConfigSchema(AigcExperimentConfig).from_namespace(args))
        with self.bar(len(exp.jobs()), "aigc agvs", "episode") as bar:
            rows = exp.run(bar.update)
        table, per, png = exp.write(rows, args.out)
        base = exp.policies[0]
        for r in exp.summarise(rows):
            con.print(f"{r['agvs']:>2} AGVs {r['policy']:>8}: latency {r['mean_latency_s']:.2f}"
                      f" ± {r['mean_latency_s_ci95']:.2f} s, completion "
                      f"{r['completion_rate']:.4f} ± {r['completion_rate_ci95']:.4f}"
                      + ("" if r["policy"] == base else
                         f"; minus {base}: {r[f'mean_latency_s_minus_{base}']:+.2f} ± "
                         f"{r[f'mean_latency_s_minus_{base}_ci95']:.2f} s"))
        con.print(f"wrote {table}, {per} and {png}")
        return 0

"""``bench``: the speed and memory targets, measured in one run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from offload_ros.cli.command import Command
from offload_ros.evaluation.aigc_bench_config import AigcBenchConfig
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.sim_bench import SimBench
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.package_paths import PackagePaths
from offload_ros.transport.errors import TransportError
from offload_ros.transport.fleet_demo import FleetDemoConfig
from offload_ros.transport.memory_bench import MemoryBenchConfig


class BenchCommand(Command):
    """Measures the speed and memory targets."""

    commands = ("bench",)

    def bench_parser(self, sub) -> None:
        bench = sub.add_parser("bench", help="measure speed targets")
        bsub = bench.add_subparsers(dest="bench_command", required=True, metavar="WHAT")
        bs = bsub.add_parser("sim", help="simulator episodes/s and counterfactual replay cost")
        bs.add_argument("--scenario", default="factory_5agv")
        bs.add_argument("--min-seconds", type=float, default=0.5,
                        help="CPU time per measurement (default: 0.5)")
        bs.add_argument("--json", action="store_true")
        bs.set_defaults(run=self.bench_sim)
        ba = bsub.add_parser("aigc", help="dynamic batching vs one model call per request")
        ba.add_argument("--model", type=Path, help="model folder (default: the shipped "
                        "models/aigc)")
        ConfigSchema(AigcBenchConfig).add_arguments(ba)
        ba.add_argument("--json", action="store_true")
        ba.set_defaults(run=self.bench_aigc)
        br = bsub.add_parser("runtime", help="the live fleet over Zenoh: decision and offload "
                             "round trips, lag behind sim time (10 AGVs, 6 servers, 60x)")
        br.add_argument("--scenario", default="congested_10agv")
        br.add_argument("--time-scale", type=float, default=60.0)
        br.add_argument("--minutes", type=float, default=20.0,
                        help="sim minutes to run (default: 20)")
        br.add_argument("--policy", default="mcoo")
        br.add_argument("--agvs", type=int, default=0,
                        help="run a generated factory of this many AGVs instead of --scenario "
                        "(0: the scenario)")
        br.add_argument("--es", type=int, default=6,
                        help="edge servers of the generated factory (default: 6)")
        br.add_argument("--seed", type=int, default=0,
                        help="seed of the generated factory (default: 0)")
        br.add_argument("--agvs-per-process", type=int, default=1,
                        help="AGV nodes per AGV process and AGVs per policy process "
                        "(default: 1)")
        br.add_argument("--es-per-process", type=int, default=1,
                        help="edge server nodes per process (default: 1)")
        br.add_argument("--policy-in-agv-process", action="store_true",
                        help="run each AGV process's policy node inside it (decisions "
                        "within the process)")
        br.add_argument("--warmup-min", type=float, default=10.0,
                        help="sim minutes left out of the steady figures (default: 10)")
        br.add_argument("--out", default="out/bench_runtime")
        br.add_argument("--json", action="store_true")
        br.set_defaults(run=self.bench_runtime)
        bm = bsub.add_parser("memory", help="memory (PSS) of each kind of fleet node process "
                             "and the fleet's total for N AGVs")
        bm.add_argument("--scenario", default="factory_5agv")
        ConfigSchema(MemoryBenchConfig).add_arguments(bm)
        bm.add_argument("--json", action="store_true")
        bm.set_defaults(run=self.bench_memory)
        bp = bsub.add_parser("placement", help="live AIGC placement: an AGV's decision cost, "
                             "a server's broadcast state, live latency over the model's")
        bp.add_argument("--scenarios", default="factory_5agv,congested_10agv")
        bp.add_argument("--policies", default="batch_greedy,amarl")
        bp.add_argument("--seed", type=int, default=0, help="picks the held-out task seed")
        bp.add_argument("--json", action="store_true")
        bp.set_defaults(run=self.bench_placement)
        bt = bsub.add_parser("attention", help="AMARL critic update cost for 2, 5, 10, 20 agents "
                             "(attention vs concatenation)")
        bt.add_argument("--agents", default="2,5,10,20")
        bt.add_argument("--repeats", type=int, default=30)
        bt.add_argument("--json", action="store_true")
        bt.set_defaults(run=self.bench_attention)

    def bench_sim(self, args: argparse.Namespace) -> int:
        path = Path(args.scenario)
        if not path.exists():
            path = PackagePaths.scenario(args.scenario)
        out = SimBench(path, min_s=args.min_seconds).run()
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        print(f"bench sim: {out['scenario']} ({out['agvs']} AGVs, {out['edge_servers']} ES, "
              f"horizon {out['horizon_s']:g} s)")
        for name, p in out["policies"].items():
            print(f"  {name:12s} {p['cpu_ms_per_episode']:7.3f} ms CPU/episode  "
                  f"{p['episodes_per_s']:8.0f} episodes/s  ({p['decisions_per_episode']} "
                  "decisions)")
        for name, c in out["counterfactual"].items():
            print(f"  difference rewards under {name}: {c['difference_reward_episode_ms']:.3f} ms"
                  f" vs plain {c['plain_episode_ms']:.3f} ms = {c['ratio_to_plain']:.2f}x "
                  f"({c['replays']} AGVs, {c['agvs_deviating']} deviate; replays "
                  f"{c['replays_ms']:.3f} ms, from scratch "
                  f"{c['replays_from_scratch_ms']:.3f} ms, snapshots save "
                  f"{c['snapshot_saving']:.1f}x)")
        for name, r in out["rollout"].items():
            print(f"  rollout, lookahead {name}: CPU per decision p50 "
                  f"{r['decision_cpu_ms_p50']:.2f} ms, p99 {r['decision_cpu_ms_p99']:.2f} ms, "
                  f"max {r['decision_cpu_ms_max']:.2f} ms ({r['decisions']} decisions, "
                  f"{r['rollouts_per_decision']:.1f} rollouts each; {r['episode_cpu_s']:.2f} s "
                  f"per episode); {r['vs_greedy']:.4f}x greedy")
        return 0

    def bench_aigc(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_bench import AigcBench
        config = ConfigSchema(AigcBenchConfig).from_namespace(args)
        config.sizes()
        out = AigcBench(self.aigc_model(args.model).to(config.device), config).run()
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        n, s = out["naive"], out["service"]
        print(f"bench aigc: {out['requests']} concurrent requests, {out['images']} images of "
              f"{out['resolution']}x{out['resolution']}, {out['steps']} DDIM steps on "
              f"{out['device']}")
        print(f"  one call per request  {n['images_per_s']:7.1f} images/s  latency p50 "
              f"{n['latency_p50_s']:.2f} s  p99 {n['latency_p99_s']:.2f} s")
        print(f"  dynamic batching      {s['images_per_s']:7.1f} images/s  latency p50 "
              f"{s['latency_p50_s']:.2f} s  p99 {s['latency_p99_s']:.2f} s  "
              f"({s['batches']} batches, mean {s['mean_batch']:.1f} images)")
        print(f"  throughput ratio {out['throughput_ratio']:.2f}x; identical images "
              f"{out['identical_images']}/{out['images']} (largest pixel difference "
              f"{out['max_pixel_difference']})")
        return 0

    def bench_runtime(self, args: argparse.Namespace) -> int:
        from offload_ros.model.scenario_generator import ScenarioGenerator
        from offload_ros.transport.fleet_demo import FleetDemo
        if args.agvs < 0 or args.warmup_min < 0:
            raise EvaluationError("--agvs and --warmup-min must be >= 0")
        if args.agvs:
            gen = ScenarioGenerator(agvs=args.agvs, es=args.es, horizon_s=args.minutes * 60.0)
            path = Path(args.out) / "scenario.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(gen.generate(args.seed).to_yaml())
        else:
            self.load(args.scenario)
            path = self.scenario_path(args.scenario)
        config = FleetDemoConfig(policy=args.policy, time_scale=args.time_scale,
                                 minutes=args.minutes, out=args.out, live=False,
                                 aigc_tasks_per_hour=0.0,
                                 agvs_per_process=args.agvs_per_process,
                                 edge_servers_per_process=args.es_per_process,
                                 policy_in_agv_process=args.policy_in_agv_process)
        try:
            demo = FleetDemo(path, config)
            report = demo.run()
        except TransportError as err:
            print(f"offload-ros: bench failed: {err}", file=sys.stderr)
            return 1
        rt = demo.timings(warmup_s=args.warmup_min * 60.0)
        figures = {
            "scenario": report["scenario"], "agvs": len(report["agvs"]),
            "edge_servers": len(report["edge_servers"]), "time_scale": args.time_scale,
            "sim_minutes": args.minutes, "decisions": report["decisions"],
            "agvs_per_process": args.agvs_per_process,
            "es_per_process": args.es_per_process,
            "policy_in_agv_process": args.policy_in_agv_process,
            "processes": len(demo.children),
            "startup_s": report.get("startup_s", 0.0),
            "processed_vs_simulator": report["processed_vs_simulator"],
            "conserved": not report["live"]["problems"],
            "steady_from_sim_min": args.warmup_min}
        for part in ("all", "steady"):
            d, o, lag = (rt[k][part] for k in ("decide_ms", "offload_ms", "lag_s"))
            figures.update({
                f"{part}_calls": d["n"],
                f"{part}_decision_ms_p50": d["p50"], f"{part}_decision_ms_p99": d["p99"],
                f"{part}_offload_ms_p50": o["p50"], f"{part}_offload_ms_p99": o["p99"],
                f"{part}_lag_sim_s_p99": lag["p99"],
                f"{part}_lag_wall_ms_p99": lag["p99"] / args.time_scale * 1e3,
                f"{part}_decision_p99_under_5ms": d["p99"] < 5.0,
                f"{part}_offload_p99_under_10ms": o["p99"] < 10.0,
                # kept up: offers left at most a second of sim time late (p99)
                f"{part}_kept_up": lag["p99"] <= 1.0})
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            for k, v in figures.items():
                print(f"{k:34s} {v:.3f}" if isinstance(v, float) else f"{k:34s} {v}")
        return 0

    def bench_memory(self, args: argparse.Namespace) -> int:
        from offload_ros.transport.memory_bench import KINDS, MemoryBench
        self.load(args.scenario)
        config = ConfigSchema(MemoryBenchConfig).from_namespace(args)
        try:
            out = MemoryBench(self.scenario_path(args.scenario), config).run()
        except TransportError as err:
            print(f"offload-ros: bench failed: {err}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        print(f"bench memory: {out['scenario']}, policy {out['policy']}, "
              f"{out['agvs_per_process']} AGV node(s) per AGV and policy process")
        for kind in KINDS:
            k = out["kinds"][kind]
            print(f"  {kind:7s} PSS {k['pss_mb']:7.1f} MB  USS {k['uss_mb']:7.1f} MB  RSS "
                  f"{k['rss_mb']:7.1f} MB  ready {k['ready_s']:5.1f} s  torch "
                  f"{'yes' if k['torch'] else 'no'}  ({', '.join(k['packages']) or '-'})")
        counts = ", ".join(f"{n} {k}" for k, n in out["process_counts"].items())
        print(f"  fleet of {out['agvs']} AGVs and {out['edge_servers']} edge servers: "
              f"{out['processes']} processes ({counts}), PSS {out['fleet_pss_mb']:,.0f} MB, "
              f"USS {out['fleet_uss_mb']:,.0f} MB")
        return 0

    def bench_placement(self, args: argparse.Namespace) -> int:
        from offload_ros.runtime.aigc_placement_bench import AigcPlacementBench
        scenarios = [self.load(name) for name in args.scenarios.split(",")]
        rows = AigcPlacementBench(scenarios, tuple(args.policies.split(",")), args.seed).run()
        if args.json:
            print(json.dumps(rows))
            return 0
        for r in rows:
            print(f"{r['scenario']} ({r['agvs']} AGVs), {r['policy']}: {r['decisions']} "
                  f"placements, an AGV's epoch p50 {r['epoch_p50_ms']:.2f} ms / p99 "
                  f"{r['epoch_p99_ms']:.2f} ms; largest server state "
                  f"{r['state_bytes_max']:,} bytes; mean latency live "
                  f"{r['live_mean_latency_s']:.3f} s, model {r['model_mean_latency_s']:.3f} s "
                  f"(ratio {r['live_over_model']:.6f})")
        return 0

    def bench_attention(self, args: argparse.Namespace) -> int:
        from offload_ros.learning.aigc_offload.critic_bench import CriticBench
        try:
            sizes = tuple(int(x) for x in args.agents.split(","))
        except ValueError as err:
            raise EvaluationError(f"--agents: not a list of whole numbers: {args.agents!r}") \
                from err
        rows = CriticBench(sizes, repeats=args.repeats).run()
        if args.json:
            print(json.dumps(rows))
            return 0
        for r in rows:
            print(f"{r['critic']:>7} critic, {r['agents']:>2} agents: {r['update_ms']:7.2f} ms "
                  f"per update ({r['vs_smallest']:.2f}x the {rows[0]['agents']}-agent one, "
                  f"{r['per_agent_ms']:.2f} ms per agent), {r['critic_params']:,} parameters")
        return 0

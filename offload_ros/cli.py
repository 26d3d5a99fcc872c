"""The ``offload-ros`` command.

Bad input (a scenario that does not validate, an unknown policy, a bad flag) prints one line
on stderr and exits with code 2; a failure while running exits with 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Sequence

from offload_ros import __version__
from offload_ros.aigc.diffusion_config import DiffusionConfig
from offload_ros.aigc.errors import AigcError
from offload_ros.aigc.generation_service_config import GenerationServiceConfig
from offload_ros.bag.errors import BagError
from offload_ros.evaluation.aigc_bench_config import AigcBenchConfig
from offload_ros.evaluation.aigc_quality_config import AigcQualityConfig
from offload_ros.evaluation.comparison import Comparison
from offload_ros.evaluation.aigc_rollout_headroom import (AigcRolloutHeadroom,
                                                          AigcRolloutHeadroomConfig)
from offload_ros.evaluation.deviation_headroom import DeviationHeadroom, DeviationHeadroomConfig
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.experiment import KINDS, Experiment, ExperimentConfig
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.evaluation.sim_bench import SimBench
from offload_ros.evaluation.training_curves import TrainingCurves
from offload_ros.evaluation.aigc_experiment import AigcExperimentConfig
from offload_ros.learning.aigc_training_config import AIGC_ALGORITHMS, AigcTrainingConfig
from offload_ros.learning.errors import LearningError
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.planning.cooperative_planner import CooperativePlannerConfig
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.flow_bound import FlowBound
from offload_ros.runtime.agv_controller import AgvControllerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNodeConfig
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.fleet_monitor import FleetMonitorConfig
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.errors import SimError
from offload_ros.sim.simulator import Simulator, SimulatorConfig
from offload_ros.transport.errors import TransportError
from offload_ros.transport.fleet_demo import FleetDemoConfig
from offload_ros.transport.zenoh_config import ZenohConfig

USAGE_ERRORS = (ModelError, PlanningError, EvaluationError, LearningError, AigcError,
                NodeError, BagError)
DEFAULT_POLICIES = "greedy,balanced,cooperative,mcoo,dqn,ac"

#: The ROS parameters of each node, built from the components' dataclasses
#: (``offload-ros config ros-params`` writes them; config/offload_ros.yaml is that output).
ROS_NODES: dict[str, list[type]] = {
    "simulator": [SimulatorConfig],
    "cooperative_planner": [CooperativePlannerConfig],
    "edge_generation": [GenerationServiceConfig],
    "agv": [AgvControllerConfig],
    "edge_server": [EdgeServerNodeConfig],
    "sim_clock": [SimClockConfig, FleetMonitorConfig],
}


class Cli:
    """Builds the parser and runs one command."""

    def __init__(self) -> None:
        self.parser = self._parser()

    # ------------------------------------------------------------------ parser
    def _parser(self) -> argparse.ArgumentParser:
        p = argparse.ArgumentParser(
            prog="offload-ros",
            description="Learned task offloading for factory AGV fleets and edge servers.")
        p.add_argument("--version", action="version", version=f"offload-ros {__version__}")
        sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

        s = sub.add_parser("simulate", help="run one episode and report it")
        s.add_argument("scenario", help="scenario YAML, or a shipped name (factory_5agv)")
        s.add_argument("--policy", default="balanced",
                       help=f"one of {', '.join(PolicyFactory.names())} (default: balanced)")
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.set_defaults(run=self.simulate)

        c = sub.add_parser("compare", help="policies side by side, with the flow bound")
        c.add_argument("scenarios", nargs="*", help="scenario files or shipped names "
                       "(default: the shipped factory_5agv)")
        c.add_argument("--policies", default=DEFAULT_POLICIES, help="comma-separated")
        c.add_argument("--out", type=Path, default=Path("out/compare"),
                       help="where compare.csv and compare.png go (default: out/compare)")
        c.add_argument("--json", action="store_true", help="print rows as JSON, no table")
        c.set_defaults(run=self.compare)

        e = sub.add_parser("experiment", help="Fig. 5-7 shapes over random factories")
        e.add_argument("kind", choices=list(KINDS) + ["training-curves"],
                       help="a sweep over held-out random factories, or training-curves "
                       "(Fig. 4 shape, from MODELS/<algo>/training.csv)")
        e.add_argument("--models", type=Path, help="training-curves: the models folder "
                       "(default: the shipped models/)")
        ConfigSchema(ExperimentConfig).add_arguments(e)
        e.add_argument("--out", type=Path, default=Path("out/experiments"))
        e.set_defaults(run=self.experiment)

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

        sc = sub.add_parser("scenario", help="make or check scenario files")
        ssub = sc.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
        r = ssub.add_parser("random", help="a random factory after the paper's Table 2")
        ConfigSchema(ScenarioGenerator).add_arguments(r)
        r.add_argument("--seed", type=int, default=0)
        r.add_argument("--out", type=Path, help="write here instead of stdout")
        r.set_defaults(run=self.scenario_random)
        k = ssub.add_parser("check", help="validate scenario files")
        k.add_argument("files", nargs="+")
        k.set_defaults(run=self.scenario_check)
        ls = ssub.add_parser("list", help="list the shipped scenarios")
        ls.set_defaults(run=self.scenario_list)
        w = ssub.add_parser("world", help="a Gazebo (gz-sim) world of the factory, SDF "
                                          "(launch/gazebo.launch.py makes one itself)")
        w.add_argument("scenario", help="scenario file or shipped name")
        w.add_argument("--out", type=Path, help="write here instead of stdout")
        w.set_defaults(run=self.scenario_world)

        pl = sub.add_parser("plan", help="show Algorithm 1 (eq. 8-17) for each AGV")
        pl.add_argument("scenario")
        pl.add_argument("--agv", help="only this AGV")
        pl.set_defaults(run=self.plan)

        b = sub.add_parser("bound", help="the max-flow upper bound on processed work")
        b.add_argument("scenario")
        b.add_argument("--json", action="store_true")
        b.set_defaults(run=self.bound)

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
        br.add_argument("--out", default="out/bench_runtime")
        br.add_argument("--json", action="store_true")
        br.set_defaults(run=self.bench_runtime)
        bt = bsub.add_parser("attention", help="AMARL critic update cost for 2, 5, 10, 20 agents "
                             "(attention vs concatenation)")
        bt.add_argument("--agents", default="2,5,10,20")
        bt.add_argument("--repeats", type=int, default=30)
        bt.add_argument("--json", action="store_true")
        bt.set_defaults(run=self.bench_attention)

        t = sub.add_parser("train", help="train a policy (mcoo, dqn, ac; AIGC offloading: "
                           "amarl, concat, idqn) on a factory family",
                           description="Train a policy. Training factories come from the family "
                           "(--scenarios and the random-factory knobs); validation uses other "
                           "training seeds, never the evaluation ones. Writes policy.pt, "
                           "training.csv and tensorboard/ under --out. The AIGC offloading "
                           "algorithms (--algo amarl|concat|idqn) have flags of their own: "
                           "see `offload-ros train --algo amarl --help`.")
        ConfigSchema(TrainingConfig).add_arguments(t)
        ConfigSchema(ScenarioFamily).add_arguments(t)
        t.add_argument("--out", type=Path, help="output folder (default: out/train/ALGO)")
        t.add_argument("--resume", type=Path, help="continue from this checkpoint (its "
                       "factory family and weights; the budget is --minutes more)")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        t.set_defaults(run=self.train)

        self._aigc_parser(sub)
        self.aigc_train_parser = self._aigc_train_parser()

        cfg = sub.add_parser("config", help="configuration files")
        csub = cfg.add_subparsers(dest="config_command", required=True, metavar="WHAT")
        rp = csub.add_parser("ros-params", help="ros__parameters YAML from the dataclasses")
        rp.set_defaults(run=self.ros_params)
        return p

    def _aigc_parser(self, sub) -> None:
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
                       "expected finish time), amarl, concat, idqn (models/NAME), or "
                       "NAME:CHECKPOINT (default: greedy)")
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

        self._runtime_parsers(sub)

    @staticmethod
    def _aigc_train_parser() -> argparse.ArgumentParser:
        t = argparse.ArgumentParser(
            prog="offload-ros train",
            description="Train an AIGC offloading policy (AMARL: decentralised actors with a "
            "multi-head attention critic; concat: the same with a concatenation critic; idqn: "
            "independent DQN) on random factories with agvs-min..agvs-max AGVs. Writes "
            "policy.pt, training.csv and tensorboard/ under --out.")
        ConfigSchema(AigcTrainingConfig).add_arguments(t)
        t.add_argument("--out", type=Path, help="output folder (default: out/train/ALGO)")
        t.add_argument("--resume", type=Path, help="continue from this checkpoint (its config "
                       "and weights; the replay buffer starts empty; --minutes more)")
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        return t

    def _runtime_parsers(self, sub) -> None:
        d = sub.add_parser("demo", help="the whole fleet as processes over Zenoh: live table, "
                           "MCAP bag, report and plot",
                           description="Starts an edge-server process per ES and an AGV and a "
                           "policy process per AGV over Zenoh (this process is the router "
                           "and the clock), records every topic to an MCAP rosbag2, shows a "
                           "live table, and ends with out/demo/report.json and report.png, "
                           "beside the simulator's numbers for the same scenario and policy.")
        d.add_argument("--scenario", default="factory_5agv",
                       help="scenario YAML or shipped name (default: factory_5agv)")
        ConfigSchema(FleetDemoConfig).add_arguments(d)
        d.add_argument("--json", action="store_true", help="print the report as JSON")
        d.set_defaults(run=self.demo)

        n = sub.add_parser("node", help="run one node of the live fleet over Zenoh")
        nsub = n.add_subparsers(dest="node_kind", required=True, metavar="KIND")
        kinds = {
            "agv": ("an AGV (kinematic)", AgvControllerConfig),
            "edge": ("an edge server", EdgeServerNodeConfig),
            "policy": ("a policy node answering /<agv>/decide", None),
            "clock": ("the router and /clock", SimClockConfig),
            "router": ("a Zenoh router only (the demo runs one)", None),
        }
        for kind, (helptext, cls) in kinds.items():
            k = nsub.add_parser(kind, help=helptext)
            k.add_argument("--scenario", default="factory_5agv")
            k.add_argument("--horizon-s", type=float, help="override the scenario's horizon")
            if kind not in ("clock", "router"):
                k.add_argument("--time-scale", type=float, default=60.0,
                               help="sim seconds per wall second (default: 60)")
            if kind in ("agv", "edge"):
                k.add_argument("--id", required=True, help="the AGV's or server's id")
            if kind == "agv":
                k.add_argument("--no-policy", action="store_true",
                               help="no policy node: use the Algorithm 1 plan")
                k.add_argument("--metrics", default="",
                               help="write decision/offload round trips and lag (JSON) here "
                               "at exit")
            if kind == "policy":
                k.add_argument("--agv", required=True, help="comma-separated AGVs it serves")
                k.add_argument("--policy", default="mcoo",
                               help=f"one of {', '.join(PolicyFactory.names())}")
            if kind == "clock":
                k.add_argument("--expect", default="",
                               help="comma-separated node names to wait for before starting")
            if cls is not None:
                ConfigSchema(cls).add_arguments(k)
            ConfigSchema(ZenohConfig).add_arguments(k, prefix="zenoh-")
            k.set_defaults(run=self.node)

        bg = sub.add_parser("bag", help="read a recording")
        bgsub = bg.add_subparsers(dest="bag_command", required=True, metavar="ACTION")
        bi = bgsub.add_parser("info", help="topics, types, counts, duration")
        bi.add_argument("bag", type=Path)
        bi.add_argument("--json", action="store_true")
        bi.set_defaults(run=self.bag_info)
        be = bgsub.add_parser("export", help="per-AGV transitions as a training dataset (.npz)")
        be.add_argument("bag", type=Path)
        be.add_argument("--out", type=Path, default=Path("out/transitions.npz"))
        be.set_defaults(run=self.bag_export)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def aigc_model(folder: Path | None):
        from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
        return DefectDiffusionModel.load(folder or PackagePaths.share() / "models" / "aigc")

    @staticmethod
    def load(name: str) -> Scenario:
        return Scenario.load(PackagePaths.find_scenario(name))

    @staticmethod
    def scenario_path(name: str) -> Path:
        return PackagePaths.find_scenario(name)

    @staticmethod
    def console():
        from rich.console import Console
        return Console()

    # ------------------------------------------------------------------ commands
    def simulate(self, args: argparse.Namespace) -> int:
        sc = self.load(args.scenario)
        res = Simulator(sc).run(PolicyFactory.make(args.policy, sc), name=args.policy)
        if args.json:
            print(json.dumps(res.to_json(), indent=2))
            return 0
        from rich.table import Table
        con = self.console()
        con.print(f"[bold]{sc.name}[/bold] under [bold]{args.policy}[/bold]: "
                  f"{res.processed_kb:,.1f} kB processed in {sc.horizon_s:g} s "
                  f"({res.processed_kb_per_h:,.0f} kB/h); delivered {res.delivered_kb:,.1f}, "
                  f"loaded {res.loaded_kb:,.1f}, still carried {res.carried_kb:,.1f}")
        t = Table(title="AGVs")
        for col in ("agv", "cycles", "wait s", "waits", "delivered kB", "carried kB"):
            t.add_column(col, justify="left" if col == "agv" else "right")
        for aid, a in res.agvs.items():
            t.add_row(aid, str(a.cycles), f"{a.wait_s:,.1f}", str(a.waits),
                      f"{a.delivered_kb:,.1f}", f"{a.carried_kb:,.1f}")
        con.print(t)
        t = Table(title="edge servers")
        for col in ("es", "processed kB", "backlog kB", "door queue", "pheromones"):
            t.add_column(col, justify="left" if col == "es" else "right")
        for eid, e in res.edge_servers.items():
            t.add_row(eid, f"{e.processed_kb:,.1f}", f"{e.backlog_kb:,.1f}", str(e.door_queue),
                      str(e.pheromones))
        con.print(t)
        return 0

    def demo(self, args: argparse.Namespace) -> int:
        import logging
        from offload_ros.transport.fleet_demo import FleetDemo
        logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
        self.load(args.scenario)
        path = self.scenario_path(args.scenario)
        config = ConfigSchema(FleetDemoConfig).from_namespace(args)
        if args.json:
            config = dataclasses.replace(config, live=False)
        try:
            report = FleetDemo(path, config).run()
        except TransportError as err:
            print(f"offload-ros: demo failed: {err}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            con = self.console()
            sim = report["simulator"]
            con.print(f"processed {report['processed_kb']:,.1f} kB live vs "
                      f"{sim['processed_kb']:,.1f} kB in the simulator "
                      f"({report['processed_vs_simulator']:+.2%}); waits "
                      f"{report['wait_s']:,.0f} s vs {sim['wait_s']:,.0f} s")
            live = report["live"]
            con.print(f"fallbacks {live['fallbacks']}, retries {live['retries']}, duplicate "
                      f"requests {live['duplicates']}, restarts {live['restarts']}; "
                      + ("work conserved across all processes" if not live["problems"]
                         else "NOT CONSERVED: " + "; ".join(live["problems"])))
            ai = report["aigc"]
            if ai["tasks"]:
                con.print(f"AIGC: {ai['done']} of {ai['tasks']} tasks done, mean latency "
                          f"{ai['mean_latency_s'] or 0:.1f} s, p95 {ai['p95_latency_s'] or 0:.1f} s "
                          f"(sim time)")
            con.print(f"wrote {config.out}/report.json, {report['plot']}"
                      + (f", bag {report['bag']} ({report['bag_messages']} messages)"
                         if report["bag"] else ""))
        return 0 if not report["live"]["problems"] else 1

    def bench_runtime(self, args: argparse.Namespace) -> int:
        from offload_ros.transport.fleet_demo import FleetDemo
        self.load(args.scenario)
        config = FleetDemoConfig(policy=args.policy, time_scale=args.time_scale,
                                 minutes=args.minutes, out=args.out, live=False,
                                 aigc_tasks_per_hour=0.0)
        try:
            report = FleetDemo(self.scenario_path(args.scenario), config).run()
        except TransportError as err:
            print(f"offload-ros: bench failed: {err}", file=sys.stderr)
            return 1
        rt = report["runtime"]
        figures = {
            "scenario": report["scenario"], "agvs": len(report["agvs"]),
            "edge_servers": len(report["edge_servers"]), "time_scale": args.time_scale,
            "sim_minutes": args.minutes, "decisions": report["decisions"],
            "processed_vs_simulator": report["processed_vs_simulator"],
            "conserved": not report["live"]["problems"]}
        for part in ("all", "steady"):
            d, o, lag = (rt[k][part] for k in ("decide_ms", "offload_ms", "lag_s"))
            figures.update({
                f"{part}_calls": d["n"],
                f"{part}_decision_ms_p50": d["p50"], f"{part}_decision_ms_p99": d["p99"],
                f"{part}_offload_ms_p50": o["p50"], f"{part}_offload_ms_p99": o["p99"],
                f"{part}_lag_sim_s_p99": lag["p99"],
                f"{part}_lag_wall_ms_p99": lag["p99"] / args.time_scale * 1e3,
                f"{part}_decision_p99_under_5ms": d["p99"] < 5.0,
                f"{part}_offload_p99_under_10ms": o["p99"] < 10.0})
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            for k, v in figures.items():
                print(f"{k:34s} {v:.3f}" if isinstance(v, float) else f"{k:34s} {v}")
        return 0

    def node(self, args: argparse.Namespace) -> int:
        sc = self.load(args.scenario)
        if args.horizon_s is not None:
            sc = dataclasses.replace(sc, horizon_s=args.horizon_s)
        try:
            zenoh = ConfigSchema(ZenohConfig).from_namespace(args, prefix="zenoh-")
        except TransportError as err:       # a bad setting: a usage error
            print(f"offload-ros: error: {err}", file=sys.stderr)
            return 2
        try:
            return self._node(args, sc, zenoh)
        except TransportError as err:
            print(f"offload-ros: {err}", file=sys.stderr)
            return 1

    def _node(self, args: argparse.Namespace, sc: Scenario, zenoh: ZenohConfig) -> int:
        from offload_ros.transport.node_process import NodeProcess
        kind = args.node_kind
        if kind == "agv":
            from offload_ros.transport.agv_process import AgvProcess
            NodeProcess.configure_logging(args.id)
            proc = AgvProcess(args.id, sc, zenoh, args.time_scale,
                              ConfigSchema(AgvControllerConfig).from_namespace(args),
                              use_policy=not args.no_policy, metrics=args.metrics)
        elif kind == "edge":
            from offload_ros.transport.edge_process import EdgeProcess
            NodeProcess.configure_logging(args.id)
            proc = EdgeProcess(args.id, sc, zenoh, args.time_scale,
                               ConfigSchema(EdgeServerNodeConfig).from_namespace(args))
        elif kind == "policy":
            from offload_ros.transport.policy_process import PolicyProcess
            agvs = tuple(a for a in args.agv.split(",") if a)
            name = agvs[0] + "_policy" if len(agvs) == 1 else "policy"
            NodeProcess.configure_logging(name)
            proc = PolicyProcess(name, sc, zenoh, args.time_scale, args.policy, agvs)
        elif kind == "router":
            from offload_ros.transport.router_process import RouterProcess
            NodeProcess.configure_logging("router")
            proc = RouterProcess(sc, dataclasses.replace(zenoh, mode="router"))
        else:
            from offload_ros.transport.clock_process import ClockProcess
            NodeProcess.configure_logging("sim_clock")
            if zenoh.mode == "client":
                zenoh = dataclasses.replace(zenoh, mode="router")
            proc = ClockProcess(sc, zenoh, ConfigSchema(SimClockConfig).from_namespace(args),
                                tuple(a for a in args.expect.split(",") if a))
        return proc.run()

    def bag_info(self, args: argparse.Namespace) -> int:
        from offload_ros.bag.bag_reader import BagReader
        info = BagReader(args.bag).info()
        if args.json:
            print(json.dumps(info, indent=2))
            return 0
        from rich.table import Table
        con = self.console()
        con.print(f"[bold]{info['path']}[/bold]: {info['storage']}, {info['messages']} "
                  f"messages over {info['duration_s']:.1f} s")
        t = Table()
        for col in ("topic", "type", "messages"):
            t.add_column(col, justify="right" if col == "messages" else "left")
        for topic, v in info["topics"].items():
            t.add_row(topic, v["type"], str(v["messages"]))
        con.print(t)
        return 0

    def bag_export(self, args: argparse.Namespace) -> int:
        from offload_ros.bag.bag_reader import BagReader
        out = BagReader(args.bag).export_transitions(args.out)
        print(json.dumps(out))
        return 0

    def compare(self, args: argparse.Namespace) -> int:
        names = args.scenarios or [str(PackagePaths.default_scenario())]
        scenarios = [self.load(n) for n in names]
        policies = [p.strip() for p in args.policies.split(",") if p.strip()]
        if not policies:
            raise EvaluationError("--policies names no policy")
        rows = Comparison(scenarios, policies).run()
        if args.json:
            print(json.dumps([dict(r.__dict__, of_bound=r.of_bound) for r in rows], indent=2))
            return 0
        con = self.console()
        con.print(Comparison.table(rows))
        csv_path = Comparison.write_csv(rows, args.out / "compare.csv")
        png = Comparison.plot(rows, args.out / "compare.png")
        con.print(f"wrote {csv_path} and {png}")
        return 0

    def experiment(self, args: argparse.Namespace) -> int:
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
        exp = Experiment(args.kind, ConfigSchema(ExperimentConfig).from_namespace(args))
        for name in exp.policies:  # fail before the long run, not in the middle of it
            PolicyFactory.make(name, ScenarioGenerator().generate(0))
        from tqdm import tqdm
        with tqdm(total=exp.total(), desc=f"experiment {args.kind}", unit="factory",
                  file=sys.stderr, disable=None) as bar:
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

    @staticmethod
    def resumable(checkpoint, path: Path, algo: str):
        """``checkpoint`` if ``--algo`` may continue it."""
        if checkpoint.algo != algo:
            raise LearningError(f"{path}: a {checkpoint.algo!r} checkpoint cannot resume "
                                f"--algo {algo}")
        return checkpoint

    def train(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(TrainingConfig).from_namespace(args)
        family = ConfigSchema(ScenarioFamily).from_namespace(args)
        resume = None
        if args.resume:
            from offload_ros.learning.checkpoint import Checkpoint
            resume = self.resumable(Checkpoint.load(args.resume), args.resume, config.algo)
            family = ScenarioFamily(**resume.family)
        if not family.is_random:
            family.files()  # a missing file is a usage error before any work
        from offload_ros.learning.trainer_registry import TrainerRegistry
        out = args.out or Path("out/train") / config.algo
        trainer = TrainerRegistry.make(config, family, out, progress=not args.quiet,
                                       resume=resume)
        path = trainer.run()
        from offload_ros.learning.checkpoint import Checkpoint
        last = Checkpoint.load(path).curve[-1]
        print(f"wrote {path} and {path.parent / 'training.csv'} (TensorBoard: "
              f"{path.parent / 'tensorboard'}); {last['episodes']} episodes in "
              f"{last['wall_s']:.0f} s; validation {last['val_kb_per_h']:,.0f} kB/h = "
              f"{last['val_vs_greedy']:.4f} x greedy")
        return 0

    def train_aigc(self, args: argparse.Namespace) -> int:
        config = ConfigSchema(AigcTrainingConfig).from_namespace(args)
        from offload_ros.learning.aigc_checkpoint import AigcCheckpoint
        resume = None
        if args.resume:
            resume = self.resumable(AigcCheckpoint.load(args.resume), args.resume, config.algo)
            config = dataclasses.replace(resume.training_config(), minutes=config.minutes)
        from offload_ros.learning.train_amarl import TrainAmarl
        from offload_ros.learning.train_idqn import TrainIdqn
        trainer = TrainIdqn if config.algo == "idqn" else TrainAmarl
        out = args.out or Path("out/train") / config.algo
        path = trainer(config, out, progress=not args.quiet, resume=resume).run()
        last = AigcCheckpoint.load(path).curve[-1]
        print(f"wrote {path} and {path.parent / 'training.csv'} (TensorBoard: "
              f"{path.parent / 'tensorboard'}); {last['episodes']:.0f} episodes in "
              f"{last['wall_s']:.0f} s; validation latency {last['val_latency_s']:.2f} s = "
              f"{last['val_latency_vs_greedy']:.3f} x greedy, completion "
              f"{last['val_completion']:.3f}")
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
                max_batch=cm.max_batch, cost_resolution=cm.resolution))
        from offload_ros.evaluation.aigc_offload_evaluation import AigcOffloadEvaluation
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

    @staticmethod
    def _bar(total: int, desc: str, unit: str):
        """A progress bar on stderr (off when stderr is not a terminal)."""
        from tqdm import tqdm
        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None)

    def headroom_mcoo(self, args: argparse.Namespace) -> int:
        study = DeviationHeadroom(ConfigSchema(DeviationHeadroomConfig).from_namespace(args))
        with self._bar(len(study.jobs()), "headroom mcoo", "factory") as bar:
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
        with self._bar(len(study.jobs()), "headroom aigc", "episode") as bar:
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

    def aigc_experiment(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_experiment import AigcConvergence, AigcExperiment
        con = self.console()
        if args.kind == "convergence":
            runs = [Path(r.strip()) for r in args.runs.split(",") if r.strip()]
            table, png, summary = AigcConvergence(runs).write(args.out)
            for row in summary:
                con.print(f"{row['run']}: final return {row['final_val_return']:.2f}, 95 % "
                          f"of it after {row['episodes_to_95pct']} episodes / "
                          f"{row['wall_s_to_95pct']:.0f} s")
            con.print(f"wrote {table} and {png}")
            return 0
        exp = AigcExperiment(ConfigSchema(AigcExperimentConfig).from_namespace(args))
        from tqdm import tqdm
        with tqdm(total=len(exp.jobs()), desc="aigc agvs", unit="episode") as bar:
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

    def bench_attention(self, args: argparse.Namespace) -> int:
        from offload_ros.learning.critic_bench import CriticBench
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

    def scenario_random(self, args: argparse.Namespace) -> int:
        gen = ConfigSchema(ScenarioGenerator).from_namespace(args)
        text = gen.generate(args.seed).to_yaml()
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0

    def scenario_check(self, args: argparse.Namespace) -> int:
        bad = 0
        for f in args.files:
            try:
                sc = Scenario.load(f)
            except ModelError as err:
                bad += 1
                for line in err.describe_all():
                    print(line, file=sys.stderr)
                continue
            print(f"{f}: ok ({len(sc.agvs)} AGVs, {len(sc.edge_servers)} edge servers, "
                  f"{sc.horizon_s:g} s)")
        return 2 if bad else 0

    def scenario_list(self, args: argparse.Namespace) -> int:
        folder = PackagePaths.share() / "config" / "scenarios"
        for path in sorted(folder.glob("*.yaml")):
            sc = Scenario.load(path)
            print(f"{path.stem:24s} {len(sc.agvs):2d} AGVs {len(sc.edge_servers):2d} ES  {path}")
        return 0

    def scenario_world(self, args: argparse.Namespace) -> int:
        from offload_ros.model.gazebo_world import GazeboWorld
        world = GazeboWorld(self.load(args.scenario))
        if args.out is None:
            sys.stdout.write(world.sdf())
            return 0
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(world.sdf())
        spawns = ", ".join(f"{s.name} ({s.x:g}, {s.y:g})" for s in world.spawns())
        print(f"wrote {args.out}: world {world.name!r}, spawn poses {spawns}")
        return 0

    def plan(self, args: argparse.Namespace) -> int:
        sc = self.load(args.scenario)
        from rich.table import Table
        con = self.console()
        plans = DefaultPlan(sc)
        agvs = [sc.agvs[sc.agv_index(args.agv)]] if args.agv else list(sc.agvs)
        for agv in agvs:
            info = plans.explain(agv)
            t = Table(title=f"{agv.id}: load {agv.load_kb:g} kB, cycle T = "
                      f"{info['cycle_s'][0]:.1f} s, scheme: {info['scheme'][0]}")
            for col in ("stop", "es", "eq.8 greedy", "eq.9 t_cal s", "eq.10 cal", "eq.16 balance",
                        "plan kB"):
                t.add_column(col, justify="left" if col == "es" else "right")
            for k, es in enumerate(agv.route):
                t.add_row(str(k), es, f"{info['greedy'][k]:.1f}", f"{info['t_cal_s'][k]:.1f}",
                          f"{info['cal'][k]:.1f}", f"{info['balance'][k]:.1f}",
                          f"{info['plan'][k]:.1f}")
            con.print(t)
        return 0

    def bound(self, args: argparse.Namespace) -> int:
        res = FlowBound(self.load(args.scenario)).solve()
        if args.json:
            print(json.dumps(res.__dict__ | {"processed_kb_per_h": res.processed_kb_per_h},
                             indent=2))
        else:
            print(f"flow bound: {res.processed_kb:,.1f} kB in {res.horizon_s:g} s "
                  f"({res.processed_kb_per_h:,.0f} kB/h)")
        return 0

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
        return 0

    def bench_aigc(self, args: argparse.Namespace) -> int:
        from offload_ros.evaluation.aigc_bench import AigcBench
        config = ConfigSchema(AigcBenchConfig).from_namespace(args)
        config.sizes()
        out = AigcBench(self.aigc_model(args.model), config).run()
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        n, s = out["naive"], out["service"]
        print(f"bench aigc: {out['requests']} concurrent requests, {out['images']} images of "
              f"{out['resolution']}x{out['resolution']}, {out['steps']} DDIM steps")
        print(f"  one call per request  {n['images_per_s']:7.1f} images/s  latency p50 "
              f"{n['latency_p50_s']:.2f} s  p99 {n['latency_p99_s']:.2f} s")
        print(f"  dynamic batching      {s['images_per_s']:7.1f} images/s  latency p50 "
              f"{s['latency_p50_s']:.2f} s  p99 {s['latency_p99_s']:.2f} s  "
              f"({s['batches']} batches, mean {s['mean_batch']:.1f} images)")
        print(f"  throughput ratio {out['throughput_ratio']:.2f}x; identical images "
              f"{out['identical_images']}/{out['images']} (largest pixel difference "
              f"{out['max_pixel_difference']})")
        return 0

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
        from offload_ros.aigc.generation_service import GenerationRequest, GenerationService
        from offload_ros.aigc.image_grid import ImageGrid
        model = self.aigc_model(args.model)
        req = GenerationRequest(args.class_name, args.num, args.steps, args.seed)
        with GenerationService(model, GenerationServiceConfig(guidance=args.guidance)) as svc:
            res = svc.generate(req)
        if res.status != "done":
            print(f"offload-ros: generation {res.status}: {res.error}", file=sys.stderr)
            return 1
        files = ImageGrid.save_each(res.images, args.out, args.class_name)
        grid = ImageGrid.save(res.images, args.out / "grid.png", columns=8)
        print(f"wrote {len(files)} images ({model.resolution}x{model.resolution}) to "
              f"{args.out} and {grid} in {res.latency_s:.2f} s")
        return 0

    def _aigc_eval(self, args: argparse.Namespace, total, run):
        from tqdm import tqdm
        from offload_ros.evaluation.aigc_quality import AigcQuality
        model = self.aigc_model(args.model)
        q = AigcQuality(model, ConfigSchema(AigcQualityConfig).from_namespace(args))
        with tqdm(total=total(q), desc=f"aigc {args.aigc_command}", unit="batch",
                  file=sys.stderr, disable=True if args.json else None) as bar:
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
        model = self.aigc_model(folder)
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

    def ros_params(self, args: argparse.Namespace) -> int:
        import yaml
        sys.stdout.write(yaml.safe_dump(ConfigSchema.ros_parameters(ROS_NODES), sort_keys=False))
        return 0

    # ------------------------------------------------------------------ entry
    @staticmethod
    def _is_aigc_train(argv: Sequence[str]) -> bool:
        if not argv or argv[0] != "train":
            return False
        for k, arg in enumerate(argv):
            if arg == "--algo" and k + 1 < len(argv):
                return argv[k + 1] in AIGC_ALGORITHMS
            if arg.startswith("--algo="):
                return arg.split("=", 1)[1] in AIGC_ALGORITHMS
        return False

    def main(self, argv: Sequence[str] | None = None) -> int:
        argv = list(sys.argv[1:] if argv is None else argv)
        if self._is_aigc_train(argv):
            args = self.aigc_train_parser.parse_args(argv[1:])
            args.run = self.train_aigc
        else:
            args = self.parser.parse_args(argv)
        try:
            return args.run(args)
        except USAGE_ERRORS as err:
            print(f"offload-ros: error: {err}", file=sys.stderr)
            return 2
        except SimError as err:
            print(f"offload-ros: simulation failed: {err}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # e.g. piped into head
            return 0


def main(argv: Sequence[str] | None = None) -> int:
    return Cli().main(argv)


if __name__ == "__main__":
    sys.exit(main())

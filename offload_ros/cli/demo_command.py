"""``demo`` and ``node``: the live fleet as processes over Zenoh."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from offload_ros.cli.command import Command
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import AgvControllerConfig
from offload_ros.runtime.aigc_placer import AigcPlacerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNodeConfig
from offload_ros.runtime.policy_server import PolicyServerConfig
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.transport.errors import TransportError
from offload_ros.transport.fleet_demo import FleetDemoConfig
from offload_ros.transport.zenoh_config import ZenohConfig


class DemoCommand(Command):
    """Runs the fleet, or one of its nodes, over Zenoh."""

    commands = ("demo", "node")

    def demo_parser(self, sub) -> None:
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

    def node_parser(self, sub) -> None:
        n = sub.add_parser("node", help="run one node of the live fleet over Zenoh")
        nsub = n.add_subparsers(dest="node_kind", required=True, metavar="KIND")
        kinds = {
            "agv": ("an AGV (kinematic)", AgvControllerConfig),
            "edge": ("an edge server", EdgeServerNodeConfig),
            "policy": ("a policy node answering /<agv>/decide", PolicyServerConfig),
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
            if kind == "edge":
                ConfigSchema(GenerationServiceConfig).add_arguments(k)
                k.add_argument("--id", required=True,
                               help="the server's id; comma-separated ids run several edge "
                               "server nodes in this process, a thread each (then --journal "
                               "names each file with {id})")
            if kind == "agv":
                k.add_argument("--id", required=True,
                               help="the AGV's id; comma-separated ids run several AGV nodes "
                               "in this process, a thread each (then --metrics and --journal "
                               "name each file with {id})")
            if kind == "agv":
                k.add_argument("--no-policy", action="store_true",
                               help="no policy node: use the Algorithm 1 plan")
                k.add_argument("--policy", default="",
                               help="also run the policy node of these AGVs in this process "
                               "(composition: decisions never leave the process); one of "
                               f"{', '.join(PolicyFactory.names())}; default: none (a policy "
                               "process answers /<agv>/decide)")
                k.add_argument("--metrics", default="",
                               help="write decision/offload round trips and lag (JSON) here "
                               "at exit ({id}: the AGV's id)")
                ConfigSchema(AigcPlacerConfig).add_arguments(k)
                ConfigSchema(PolicyServerConfig).add_arguments(k)   # of a --policy node
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
            demo = FleetDemo(path, config)        # checks every flag before any process starts
        except TransportError as err:
            print(f"offload-ros: error: {err}", file=sys.stderr)
            return 2
        try:
            report = demo.run()
        except TransportError as err:
            print(f"offload-ros: demo failed: {err}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            con = self.console()
            from offload_ros.runtime.fleet_monitor import FleetMonitor
            con.print(FleetMonitor.headline(report))
            live = report["live"]
            con.print(f"fallbacks {live['fallbacks']}, retries {live['retries']}, duplicate "
                      f"requests {live['duplicates']}, restarts {live['restarts']}; "
                      + ("work conserved across all processes" if not live["problems"]
                         else "NOT CONSERVED: " + "; ".join(live["problems"])))
            con.print(f"authentication: {report.get('authentication', 'off')}")
            ai = report["aigc"]
            if ai["tasks"]:
                con.print(f"AIGC: {ai['done']} of {ai['tasks']} tasks done, mean latency "
                          f"{ai['mean_latency_s'] or 0:.1f} s, p95 {ai['p95_latency_s'] or 0:.1f} s "
                          f"(sim time), {ai['images']} images generated")
            placed = report.get("aigc_placement")
            if placed:
                lv, md = placed["live"], placed["model"]
                con.print(f"AIGC placed live by {placed['policy']}: {lv['tasks']} tasks, mean "
                          f"{lv['mean_latency_s']:.2f} s, p95 {lv['p95_latency_s']:.2f} s, "
                          f"{lv['completion_rate']:.1%} in time; aigc offload on the same "
                          f"tasks: mean {md['mean_latency_s']:.2f} s, p95 "
                          f"{md['p95_latency_s']:.2f} s, {md['completion_rate']:.1%} (live "
                          f"{placed['mean_latency_ratio']:.4f}x)")
            con.print(f"wrote {config.out}/report.json, {report['plot']}"
                      + (f", bag {report['bag']} ({report['bag_messages']} messages)"
                         if report["bag"] else ""))
        return 0 if not report["live"]["problems"] else 1

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

    @staticmethod
    def _ids(flag: str, text: str, paths: dict[str, str]) -> list[str] | None:
        """Comma-separated distinct ids; several need ``{id}`` in each per-node path. None
        (after a one-line error) when they do not."""
        ids = [a for a in text.split(",") if a]
        if not ids or len(set(ids)) != len(ids):
            print(f"offload-ros: error: {flag}: distinct comma-separated ids, got {text!r}",
                  file=sys.stderr)
            return None
        for name, path in paths.items():
            if len(ids) > 1 and path and "{id}" not in path:
                print(f"offload-ros: error: --{name}: several nodes need one file each: put "
                      f"{{id}} in the path, got {path!r}", file=sys.stderr)
                return None
        return ids

    def _edge_servers(self, args: argparse.Namespace, sc: Scenario, zenoh: ZenohConfig) -> int:
        """``--id es1`` or ``--id es1,es2,...``: one edge server node, or several in this
        process, each with its own journal where ``{id}`` names it."""
        from offload_ros.transport.edge_process import EdgeProcess
        from offload_ros.transport.node_group import NodeGroup
        from offload_ros.transport.node_process import NodeProcess
        config = ConfigSchema(EdgeServerNodeConfig).from_namespace(args)
        generation = ConfigSchema(GenerationServiceConfig).from_namespace(args)
        ids = self._ids("--id", args.id, {"journal": config.journal})
        if ids is None:
            return 2
        NodeProcess.configure_logging(ids[0] if len(ids) == 1 else "%(name)s")
        return NodeGroup([EdgeProcess(es, sc, zenoh, args.time_scale, dataclasses.replace(
            config, journal=config.journal.replace("{id}", es)), generation)
            for es in ids]).run()

    def _agvs(self, args: argparse.Namespace, sc: Scenario, zenoh: ZenohConfig) -> int:
        """``--id agv1`` or ``--id agv1,agv2,...``: one AGV node, or several in this process
        (composition), each with its own files where ``{id}`` names them."""
        from offload_ros.transport.agv_process import AgvProcess
        from offload_ros.transport.node_group import NodeGroup
        from offload_ros.transport.node_process import NodeProcess
        config = ConfigSchema(AgvControllerConfig).from_namespace(args)
        placement = ConfigSchema(AigcPlacerConfig).from_namespace(args)
        paths = {"metrics": args.metrics, "journal": getattr(config, "journal", "")}
        ids = self._ids("--id", args.id, paths)
        if ids is None:
            return 2
        if args.policy and args.no_policy:
            print("offload-ros: error: --policy runs a policy node here, --no-policy none: "
                  "choose one", file=sys.stderr)
            return 2
        NodeProcess.configure_logging(ids[0] if len(ids) == 1 and not args.policy
                                      else "%(name)s")
        nodes: list[NodeProcess] = []
        for agv in ids:
            own = config
            if paths["journal"]:
                own = dataclasses.replace(config, journal=paths["journal"].replace("{id}", agv))
            nodes.append(AgvProcess(agv, sc, zenoh, args.time_scale, own,
                                    use_policy=not args.no_policy,
                                    metrics=args.metrics.replace("{id}", agv),
                                    placement=placement))
        if args.policy:
            from offload_ros.transport.policy_process import PolicyProcess
            nodes.append(PolicyProcess(ids[0] + "_policy", sc, zenoh, args.time_scale,
                                       args.policy, tuple(ids),
                                       ConfigSchema(PolicyServerConfig).from_namespace(args)))
        return NodeGroup(nodes).run()

    def _node(self, args: argparse.Namespace, sc: Scenario, zenoh: ZenohConfig) -> int:
        from offload_ros.transport.node_process import NodeProcess
        kind = args.node_kind
        if kind == "agv":
            return self._agvs(args, sc, zenoh)
        elif kind == "edge":
            return self._edge_servers(args, sc, zenoh)
        elif kind == "policy":
            from offload_ros.transport.policy_process import PolicyProcess
            agvs = tuple(a for a in args.agv.split(",") if a)
            name = agvs[0] + "_policy" if agvs else "policy"
            NodeProcess.configure_logging(name)
            proc = PolicyProcess(name, sc, zenoh, args.time_scale, args.policy, agvs,
                                 ConfigSchema(PolicyServerConfig).from_namespace(args))
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

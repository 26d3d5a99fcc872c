"""``config``: configuration files built from the components' dataclasses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offload_ros.cli.command import Command
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.planning.cooperative_planner import CooperativePlannerConfig
from offload_ros.runtime.agv_controller import AgvControllerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNodeConfig
from offload_ros.runtime.aigc_placer import AigcPlacerConfig
from offload_ros.runtime.fleet_monitor import FleetMonitorConfig
from offload_ros.runtime.policy_server import PolicyServerConfig
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.sim.simulator import SimulatorConfig

#: The ROS parameters of each node, built from the components' dataclasses
#: (``offload-ros config ros-params`` writes them; config/offload_ros.yaml is that output).
ROS_NODES: dict[str, list[type]] = {
    "simulator": [SimulatorConfig],
    "cooperative_planner": [CooperativePlannerConfig],
    "agv": [AgvControllerConfig, AigcPlacerConfig],
    "policy": [PolicyServerConfig],
    "edge_server": [EdgeServerNodeConfig, GenerationServiceConfig],
    "sim_clock": [SimClockConfig, FleetMonitorConfig],
}


class ConfigCommand(Command):
    """Writes configuration files from the components' dataclasses."""

    commands = ("config",)

    def config_parser(self, sub) -> None:
        cfg = sub.add_parser("config", help="configuration files")
        csub = cfg.add_subparsers(dest="config_command", required=True, metavar="WHAT")
        rp = csub.add_parser("ros-params", help="ros__parameters YAML from the dataclasses")
        rp.set_defaults(run=self.ros_params)
        ce = csub.add_parser("certs", help="a fleet's certificates and the router's access "
                             "control (mutual TLS; demo --auth makes them itself)",
                             description="Writes a certificate authority, a certificate and "
                             "key per node of the scenario (router, sim_clock, each edge "
                             "server, each AGV and its policy node) and access_control.json "
                             "for the router. Nodes use them with --zenoh-tls-dir DIR.")
        ce.add_argument("scenario", help="scenario file or shipped name")
        ce.add_argument("--out", type=Path, default=Path("out/certs"),
                        help="folder for the files (default: out/certs)")
        ce.add_argument("--hosts", default="localhost,127.0.0.1",
                        help="comma-separated names and addresses of the router's host "
                        "(default: localhost,127.0.0.1)")
        ce.add_argument("--prefix", default="offload",
                        help="the fleet's key prefix (--zenoh-prefix; default: offload)")
        ce.add_argument("--days", type=int, default=365, help="validity (default: 365)")
        ce.set_defaults(run=self.certs)

    def ros_params(self, args: argparse.Namespace) -> int:
        import yaml
        sys.stdout.write(yaml.safe_dump(ConfigSchema.ros_parameters(ROS_NODES), sort_keys=False))
        return 0

    def certs(self, args: argparse.Namespace) -> int:
        from offload_ros.transport.errors import TransportError
        from offload_ros.transport.fleet_security import FleetSecurity
        hosts = tuple(h.strip() for h in args.hosts.split(",") if h.strip())
        try:
            security = FleetSecurity.for_demo(self.load(args.scenario), args.prefix, hosts)
            security.days = args.days
            if args.days < 1:
                raise TransportError(f"--days: must be >= 1, got {args.days}")
            folder = security.write(args.out)
        except TransportError as err:
            print(f"offload-ros: error: {err}", file=sys.stderr)
            return 2
        print(f"wrote {folder}: ca.pem, a certificate and key for each of "
              f"{', '.join(security.names())}, and access_control.json; keep the .key files "
              "on their own hosts")
        return 0

"""``config``: configuration files built from the components' dataclasses."""

from __future__ import annotations

import argparse
import sys

from offload_ros.aigc.generation_service_config import GenerationServiceConfig
from offload_ros.cli.command import Command
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.planning.cooperative_planner import CooperativePlannerConfig
from offload_ros.runtime.agv_controller import AgvControllerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNodeConfig
from offload_ros.runtime.fleet_monitor import FleetMonitorConfig
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.sim.simulator import SimulatorConfig

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


class ConfigCommand(Command):
    """Writes configuration files from the components' dataclasses."""

    commands = ("config",)

    def config_parser(self, sub) -> None:
        cfg = sub.add_parser("config", help="configuration files")
        csub = cfg.add_subparsers(dest="config_command", required=True, metavar="WHAT")
        rp = csub.add_parser("ros-params", help="ros__parameters YAML from the dataclasses")
        rp.set_defaults(run=self.ros_params)

    def ros_params(self, args: argparse.Namespace) -> int:
        import yaml
        sys.stdout.write(yaml.safe_dump(ConfigSchema.ros_parameters(ROS_NODES), sort_keys=False))
        return 0

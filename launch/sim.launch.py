"""ros2 launch offload_ros sim.launch.py [scenario:=PATH] [policy:=mcoo] [time_scale:=60.0]
[horizon_s:=0] [record:=false] [bag:=out/sim_bag] [aigc:=true]

A whole fleet from a scenario file: a sim_clock node (/clock at time_scale), an edge_server
node per edge server (namespace = its id), an agv and a policy node per AGV (kinematic mode,
use_sim_time), parameters from config/offload_ros.yaml; with record:=true, `ros2 bag record`
of every offload_ros topic to an MCAP bag.
"""

from pathlib import Path

import yaml
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

TOPICS = ["/clock", "/offload/transitions"]


def _params(share: Path, node: str) -> dict:
    with open(share / "config" / "offload_ros.yaml") as f:
        return dict(yaml.safe_load(f).get(node, {}).get("ros__parameters", {}))


def _fleet(context):
    share = Path(FindPackageShare("offload_ros").perform(context))
    scenario = LaunchConfiguration("scenario").perform(context)
    policy = LaunchConfiguration("policy").perform(context)
    scale = float(LaunchConfiguration("time_scale").perform(context))
    horizon = float(LaunchConfiguration("horizon_s").perform(context))
    aigc = LaunchConfiguration("aigc").perform(context).lower() == "true"
    with open(scenario) as f:
        spec = yaml.safe_load(f)
    common = {"scenario": scenario, "horizon_s": horizon, "use_sim_time": True}
    nodes = [Node(package="offload_ros", executable="sim_clock_node", name="sim_clock",
                  parameters=[{**_params(share, "sim_clock"), "time_scale": scale,
                               "scenario": scenario, "use_sim_time": False}],
                  output="screen")]
    for es in spec["edge_servers"]:
        nodes.append(Node(package="offload_ros", executable="edge_server_node",
                          name="edge_server", namespace=es["id"], output="screen",
                          parameters=[{**_params(share, "edge_server"), **common,
                                       "es_id": es["id"], "time_scale": scale, "aigc": aigc}]))
    for agv in spec["agvs"]:
        nodes.append(Node(package="offload_ros", executable="policy_node", name="policy",
                          namespace=agv["id"], output="screen",
                          parameters=[{**common, "agvs": [agv["id"]], "policy": policy}]))
        nodes.append(Node(package="offload_ros", executable="agv_node", name="agv",
                          namespace=agv["id"], output="screen",
                          parameters=[{**_params(share, "agv"), **common,
                                       "agv_id": agv["id"], "mode": "kinematic"}]))
    return nodes


def generate_launch_description():
    default = PathJoinSubstitution(
        [FindPackageShare("offload_ros"), "config", "scenarios", "factory_5agv.yaml"])
    return LaunchDescription([
        DeclareLaunchArgument("scenario", default_value=default, description="scenario YAML"),
        DeclareLaunchArgument("policy", default_value="mcoo",
                              description="policy of every policy node"),
        DeclareLaunchArgument("time_scale", default_value="60.0",
                              description="sim seconds per wall second"),
        DeclareLaunchArgument("horizon_s", default_value="0.0",
                              description="override the scenario's horizon (0: keep it)"),
        DeclareLaunchArgument("aigc", default_value="true",
                              description="edge servers run AIGC tasks"),
        DeclareLaunchArgument("record", default_value="false",
                              description="record every topic to an MCAP bag"),
        DeclareLaunchArgument("bag", default_value="out/sim_bag", description="bag folder"),
        OpaqueFunction(function=_fleet),
        ExecuteProcess(cmd=["ros2", "bag", "record", "-s", "mcap", "-o",
                            LaunchConfiguration("bag"), "--regex",
                            "/(clock|offload/transitions|.*/(status|state|pheromones|"
                            "aigc/results))"],
                       condition=IfCondition(LaunchConfiguration("record")), output="screen"),
    ])

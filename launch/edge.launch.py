"""ros2 launch offload_ros edge.launch.py es_id:=es1 [scenario:=factory_5agv|PATH]
[journal:=/var/lib/offload_ros/es1.db] [aigc:=true] [use_sim_time:=false] [time_scale:=1.0]
[respawn:=true] [respawn_delay:=2.0] [respawn_max_retries:=3]

One edge box: its edge_server node with its journal (a restart, respawn's or yours, resumes
the backlog and answers). Time as
in agv.launch.py: real time by default (until stopped), or /clock with use_sim_time:=true
(time_scale then converts the AIGC deadlines).
"""

from pathlib import Path

import yaml
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.ros.launch_respawn import LaunchRespawn


def _box(context):
    share = Path(FindPackageShare("offload_ros").perform(context))
    arg = {name: LaunchConfiguration(name).perform(context) for name in (
        "es_id", "scenario", "journal", "aigc", "use_sim_time", "time_scale")}
    path = PackagePaths.find_scenario(arg["scenario"])
    scenario = Scenario.load(path)
    es = arg["es_id"]
    scenario.es_index(es)                        # an unknown id fails here, naming it
    with open(share / "config" / "offload_ros.yaml") as f:
        params = yaml.safe_load(f)["edge_server"]["ros__parameters"]
    return [Node(package="offload_ros", executable="edge_server_node", name="edge_server",
                 namespace=es, output="screen",
                 **LaunchRespawn.options(context),
                 parameters=[params, {"scenario": str(path), "es_id": es,
                                      "journal": arg["journal"],
                                      "aigc": arg["aigc"].lower() == "true",
                                      "time_scale": float(arg["time_scale"]),
                                      "use_sim_time": arg["use_sim_time"].lower() == "true"}])]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("es_id", description="this box's edge server id"),
        DeclareLaunchArgument("scenario", default_value="factory_5agv",
                              description="a shipped scenario's name or a scenario YAML"),
        DeclareLaunchArgument("journal", default_value="",
                              description="SQLite journal path ('' = none)"),
        DeclareLaunchArgument("aigc", default_value="true"),
        DeclareLaunchArgument("use_sim_time", default_value="false",
                              description="follow /clock (true) or real time (false)"),
        DeclareLaunchArgument("time_scale", default_value="1.0",
                              description="sim seconds per wall second (with use_sim_time)"),
        *LaunchRespawn.arguments(),
        OpaqueFunction(function=_box),
    ])

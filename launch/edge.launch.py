"""ros2 launch offload_ros edge.launch.py es_id:=es1 [scenario:=factory_5agv|PATH]
[journal:=/var/lib/offload_ros/es1.db] [aigc:=true] [aigc_placement:=false]
[use_sim_time:=false] [time_scale:=1.0] [time_origin_s:=0] [respawn:=true]
[respawn_delay:=2.0] [respawn_max_retries:=3]

One edge box: its edge_server node with its journal (a restart, respawn's or yours, resumes
the backlog and answers). Time as in agv.launch.py: real time by default (until stopped),
or /clock with use_sim_time:=true (time_scale then converts the AIGC deadlines).

With aigc_placement:=true it also serves AIGC tasks the robots place on it (agv.launch.py
aigc_policy:=NAME): on real time the diffusion model runs each one (aigc_compute auto), and
time_origin_s must be the instant every node of the fleet counts from.
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
        "es_id", "scenario", "journal", "aigc", "aigc_placement", "use_sim_time", "time_scale",
        "time_origin_s")}
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
                                      "aigc_placement":
                                          arg["aigc_placement"].lower() == "true",
                                      "time_scale": float(arg["time_scale"]),
                                      "time_origin_s": float(arg["time_origin_s"]),
                                      "use_sim_time": arg["use_sim_time"].lower() == "true"}])]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("es_id", description="this box's edge server id"),
        DeclareLaunchArgument("scenario", default_value="factory_5agv",
                              description="a shipped scenario's name or a scenario YAML"),
        DeclareLaunchArgument("journal", default_value="",
                              description="SQLite journal path ('' = none)"),
        DeclareLaunchArgument("aigc", default_value="true"),
        DeclareLaunchArgument("aigc_placement", default_value="false",
                              description="serve AIGC placements (/<es>/aigc/place)"),
        DeclareLaunchArgument("use_sim_time", default_value="false",
                              description="follow /clock (true) or real time (false)"),
        DeclareLaunchArgument("time_scale", default_value="1.0",
                              description="sim seconds per wall second (with use_sim_time)"),
        DeclareLaunchArgument("time_origin_s", default_value="0",
                              description="real time: the fleet's run time counts from this "
                              "instant (Unix seconds; 0 = the ROS clock itself)"),
        *LaunchRespawn.arguments(),
        OpaqueFunction(function=_box),
    ])

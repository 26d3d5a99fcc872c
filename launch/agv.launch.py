"""ros2 launch offload_ros agv.launch.py agv_id:=agv1 [mode:=nav2|kinematic]
[scenario:=factory_5agv|PATH] [policy:=mcoo] [aigc_policy:=] [use_sim_time:=false]
[time_origin_s:=0] [nav2_namespace:=] [nav2_navigator:=bt_navigator] [nav2_localizer:=]
[journal:=] [respawn:=true] [respawn_delay:=2.0] [respawn_max_retries:=3]

One AGV on a robot: its agv node and its own policy node (decentralised execution: local
observation only), in the namespace of the AGV's id. Nav2 mode follows the route as
NavigateToPose goals in the robot's Nav2 namespace (default: the AGV id, as in Nav2's
multi-robot bringup), through a navigator node of its own name (``<agv>_navigator``); it
waits for ``nav2_navigator`` to be active ('' = only for the action server) and, where
``nav2_localizer`` names one, for the localizer (no amcl assumption). Kinematic mode drives
at the AGV's speed.

Time: real time by default (use_sim_time:=false): the robots' shared ROS clock, the AGV's
schedule starts when its policy and edge servers answer, and the run goes on until stopped.
With use_sim_time:=true the nodes follow /clock (a sim_clock node elsewhere) and stop at the
scenario's horizon.

With aigc_policy:=NAME (an AIGC placement policy: greedy, batch_greedy, amarl, ...) the
robot emits the scenario's aigc: tasks and places each on an edge box (edge.launch.py
aigc_placement:=true) through its policy node. On real time every node must be given the
same time_origin_s: the AIGC epochs count from it.

A node that dies is restarted (respawn); with journal:=PATH the AGV resumes from its journal
(cycle, stop, kB on board, offers in doubt), and while its policy node is down it decides on
its plan. A journal holds one run: give a new run a new file.
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

NAV2 = ("nav2_namespace", "nav2_navigator", "nav2_localizer")


def _robot(context):
    share = Path(FindPackageShare("offload_ros").perform(context))
    arg = {name: LaunchConfiguration(name).perform(context) for name in (
        "agv_id", "mode", "scenario", "policy", "aigc_policy", "use_sim_time",
        "time_origin_s", "journal", *NAV2)}
    path = PackagePaths.find_scenario(arg["scenario"])
    scenario = Scenario.load(path)
    agv = arg["agv_id"]
    scenario.agv_index(agv)                      # an unknown id fails here, naming it
    with open(share / "config" / "offload_ros.yaml") as f:
        shipped = yaml.safe_load(f)
    params = shipped["agv"]["ros__parameters"]
    common = {"scenario": str(path), "use_sim_time": arg["use_sim_time"].lower() == "true",
              "time_origin_s": float(arg["time_origin_s"])}
    respawn = LaunchRespawn.options(context)
    return [
        Node(package="offload_ros", executable="policy_node", name="policy", namespace=agv,
             parameters=[shipped["policy"]["ros__parameters"],
                         {**common, "agvs": [agv], "policy": arg["policy"],
                          "aigc_policy": arg["aigc_policy"]}],
             output="screen", **respawn),
        Node(package="offload_ros", executable="agv_node", name="agv", namespace=agv,
             parameters=[params, {**common, "agv_id": agv, "mode": arg["mode"],
                                  "aigc_placement": bool(arg["aigc_policy"]),
                                  "journal": arg["journal"], **{k: arg[k] for k in NAV2}}],
             output="screen", **respawn),
    ]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("agv_id", description="this robot's AGV id in the scenario"),
        DeclareLaunchArgument("mode", default_value="nav2", description="nav2 or kinematic"),
        DeclareLaunchArgument("scenario", default_value="factory_5agv",
                              description="a shipped scenario's name or a scenario YAML"),
        DeclareLaunchArgument("policy", default_value="mcoo"),
        DeclareLaunchArgument("aigc_policy", default_value="",
                              description="place the scenario's aigc: tasks with this AIGC "
                              "policy ('' = none)"),
        DeclareLaunchArgument("time_origin_s", default_value="0",
                              description="real time: the fleet's run time counts from this "
                              "instant (Unix seconds; 0 = the ROS clock itself)"),
        DeclareLaunchArgument("use_sim_time", default_value="false",
                              description="follow /clock (true) or real time (false)"),
        DeclareLaunchArgument("nav2_namespace", default_value="",
                              description="the robot's Nav2 namespace ('' = the AGV id)"),
        DeclareLaunchArgument("nav2_navigator", default_value="bt_navigator",
                              description="lifecycle node to wait for ('' = none)"),
        DeclareLaunchArgument("nav2_localizer", default_value="",
                              description="'' / robot_localization, amcl, or a lifecycle node"),
        DeclareLaunchArgument("journal", default_value="",
                              description="the AGV's SQLite journal ('' = none)"),
        *LaunchRespawn.arguments(),
        OpaqueFunction(function=_robot),
    ])

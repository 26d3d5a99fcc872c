"""ros2 launch offload_ros agv.launch.py agv_id:=agv1 [mode:=nav2|kinematic]
[scenario:=PATH] [policy:=mcoo] [use_sim_time:=false]

One AGV on a robot: its agv node (Nav2 mode follows the route as Nav2 goals in the robot's
namespace; kinematic mode drives on sim time) and its own policy node (decentralised
execution: local observation only).
"""

from pathlib import Path

import yaml
from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    default = PathJoinSubstitution(
        [FindPackageShare("offload_ros"), "config", "scenarios", "factory_5agv.yaml"])
    # the "agv" node's ros__parameters (a plain name in the file would not match the
    # namespaced node, so they are passed as a dict)
    with open(Path(get_package_share_directory("offload_ros")) / "config"
              / "offload_ros.yaml") as f:
        params = yaml.safe_load(f)["agv"]["ros__parameters"]
    agv = LaunchConfiguration("agv_id")
    common = {"scenario": LaunchConfiguration("scenario"),
              "use_sim_time": LaunchConfiguration("use_sim_time")}
    return LaunchDescription([
        DeclareLaunchArgument("agv_id", description="this robot's AGV id in the scenario"),
        DeclareLaunchArgument("mode", default_value="nav2", description="nav2 or kinematic"),
        DeclareLaunchArgument("scenario", default_value=default),
        DeclareLaunchArgument("policy", default_value="mcoo"),
        DeclareLaunchArgument("use_sim_time", default_value="false"),
        Node(package="offload_ros", executable="policy_node", name="policy", namespace=agv,
             parameters=[{**common, "agvs": [agv], "policy": LaunchConfiguration("policy")}],
             output="screen"),
        Node(package="offload_ros", executable="agv_node", name="agv", namespace=agv,
             parameters=[params, {**common, "agv_id": agv,
                                  "mode": LaunchConfiguration("mode")}],
             output="screen"),
    ])

"""ros2 launch offload_ros edge.launch.py es_id:=es1 [scenario:=PATH]
[journal:=/var/lib/offload_ros/es1.db] [aigc:=true] [use_sim_time:=false]

One edge box: its edge_server node with its journal (a restart resumes the backlog).
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
    # the "edge_server" node's ros__parameters (a plain name in the file would not match the
    # namespaced node, so they are passed as a dict)
    with open(Path(get_package_share_directory("offload_ros")) / "config"
              / "offload_ros.yaml") as f:
        params = yaml.safe_load(f)["edge_server"]["ros__parameters"]
    es = LaunchConfiguration("es_id")
    return LaunchDescription([
        DeclareLaunchArgument("es_id", description="this box's edge server id"),
        DeclareLaunchArgument("scenario", default_value=default),
        DeclareLaunchArgument("journal", default_value="",
                              description="SQLite journal path ('' = none)"),
        DeclareLaunchArgument("aigc", default_value="true"),
        DeclareLaunchArgument("use_sim_time", default_value="false"),
        Node(package="offload_ros", executable="edge_server_node", name="edge_server",
             namespace=es, output="screen",
             parameters=[params, {"scenario": LaunchConfiguration("scenario"), "es_id": es,
                                  "journal": LaunchConfiguration("journal"),
                                  "aigc": LaunchConfiguration("aigc"),
                                  "use_sim_time": LaunchConfiguration("use_sim_time")}]),
    ])

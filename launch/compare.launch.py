"""ros2 launch offload_ros compare.launch.py [scenario:=PATH] [policies:=greedy,balanced,...]

Runs `offload-ros compare` on a scenario (default: the shipped factory_5agv) and writes the
table, CSV and bar chart under `out:=` (default out/compare). The live fleet's launch files
(sim, agv, edge, record) come with the runtime.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.substitutions import FindPackagePrefix, FindPackageShare


def generate_launch_description():
    scenario = PathJoinSubstitution(
        [FindPackageShare("offload_ros"), "config", "scenarios", "factory_5agv.yaml"])
    executable = PathJoinSubstitution(
        [FindPackagePrefix("offload_ros"), "lib", "offload_ros", "offload-ros"])
    return LaunchDescription([
        DeclareLaunchArgument("scenario", default_value=scenario,
                              description="scenario YAML file"),
        DeclareLaunchArgument("policies", default_value="greedy,balanced,cooperative",
                              description="comma-separated policies"),
        DeclareLaunchArgument("out", default_value="out/compare",
                              description="folder for compare.csv and compare.png"),
        ExecuteProcess(
            name="compare",
            cmd=[executable, "compare", LaunchConfiguration("scenario"),
                 "--policies", LaunchConfiguration("policies"),
                 "--out", LaunchConfiguration("out")],
            output="screen", cached_output=True),
    ])

"""ros2 launch offload_ros record.launch.py [bag:=out/offload_bag]

Records every offload_ros topic (statuses, states, pheromones, AIGC results, transitions,
/clock) to an MCAP bag; `offload-ros bag info|export BAG` reads it.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("bag", default_value="out/offload_bag", description="bag folder"),
        ExecuteProcess(cmd=["ros2", "bag", "record", "-s", "mcap", "-o",
                            LaunchConfiguration("bag"), "--regex",
                            "/(clock|offload/transitions|.*/(status|state|pheromones|"
                            "aigc/results))"], output="screen"),
    ])

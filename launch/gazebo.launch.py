"""ros2 launch offload_ros gazebo.launch.py [scenario:=factory_5agv|PATH] [robot:=MODEL.sdf]
[world:=out/gazebo/WORLD.sdf] [policy:=mcoo] [nav2_navigator:=bt_navigator]
[nav2_localizer:=]

NOT RUN HERE: Gazebo cannot be installed on the machines this package is developed on. The
description is checked structurally (test/ros/test_gazebo_launch.py) and the world by parsing
it; the README says so.

The fleet in Gazebo (gz-sim, through ros_gz_sim): a world generated from the scenario
(``offload-ros scenario world``: the floor, each edge server as a static box named by its
id, each route as a strip on the floor), gz-sim started on it with ros_gz_sim's
``gz_sim.launch.py`` (``gz_args: -r WORLD``), /clock bridged to ROS by ros_gz_bridge, each
AGV spawned at its start by ``ros_gz_sim create`` (``-file robot`` or, with robot:='', the
``/<agv>/robot_description`` topic that a robot_state_publisher in its namespace publishes),
and per AGV agv.launch.py in Nav2 mode on sim time; per edge server edge.launch.py on sim
time. Nav2 itself runs per robot in its namespace from the user's bringup (nav2_bringup's
multi-robot launch), which this file does not start.
"""

from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from offload_ros.model.gazebo_world import GazeboWorld
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario

CLOCK_BRIDGE = "/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock"


def fleet_actions(scenario_path: Path, world_path: Path, robot: str, gz_sim_launch: str,
                  share: Path, policy: str, navigator: str, localizer: str) -> list:
    """Every action of the Gazebo fleet (the world file is written here)."""
    scenario = Scenario.load(scenario_path)
    world = GazeboWorld(scenario)
    world_path.parent.mkdir(parents=True, exist_ok=True)
    world_path.write_text(world.sdf())
    actions = [
        IncludeLaunchDescription(PythonLaunchDescriptionSource(gz_sim_launch),
                                 launch_arguments={"gz_args": f"-r {world_path}"}.items()),
        Node(package="ros_gz_bridge", executable="parameter_bridge", name="clock_bridge",
             arguments=[CLOCK_BRIDGE], output="screen"),
    ]
    for spawn in world.spawns():
        source = ["-file", robot] if robot else ["-topic", f"/{spawn.name}/robot_description"]
        actions.append(Node(
            package="ros_gz_sim", executable="create", name="spawn", namespace=spawn.name,
            output="screen",
            arguments=["-world", world.name, "-name", spawn.name, *source,
                       "-x", f"{spawn.x:g}", "-y", f"{spawn.y:g}", "-z", f"{spawn.z:g}",
                       "-Y", f"{spawn.yaw:.6f}"]))
        actions.append(IncludeLaunchDescription(
            PythonLaunchDescriptionSource(str(share / "launch" / "agv.launch.py")),
            launch_arguments={"agv_id": spawn.name, "scenario": str(scenario_path),
                              "mode": "nav2", "policy": policy, "use_sim_time": "true",
                              "nav2_navigator": navigator,
                              "nav2_localizer": localizer}.items()))
    for es in scenario.edge_servers:
        actions.append(IncludeLaunchDescription(
            PythonLaunchDescriptionSource(str(share / "launch" / "edge.launch.py")),
            launch_arguments={"es_id": es.id, "scenario": str(scenario_path),
                              "use_sim_time": "true"}.items()))
    return actions


def _fleet(context):
    arg = {name: LaunchConfiguration(name).perform(context) for name in (
        "scenario", "robot", "world", "policy", "nav2_navigator", "nav2_localizer")}
    path = PackagePaths.find_scenario(arg["scenario"])
    world = Path(arg["world"] or f"out/gazebo/{path.stem}.sdf").resolve()
    gz_sim = str(Path(FindPackageShare("ros_gz_sim").perform(context)) / "launch"
                 / "gz_sim.launch.py")
    share = Path(FindPackageShare("offload_ros").perform(context))
    return fleet_actions(path, world, arg["robot"], gz_sim, share, arg["policy"],
                         arg["nav2_navigator"], arg["nav2_localizer"])


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("scenario", default_value="factory_5agv",
                              description="a shipped scenario's name or a scenario YAML"),
        DeclareLaunchArgument("robot", default_value="",
                              description="robot model file for every AGV ('' = each AGV's "
                                          "/<agv>/robot_description topic)"),
        DeclareLaunchArgument("world", default_value="",
                              description="where to write the world ('' = "
                                          "out/gazebo/<scenario>.sdf)"),
        DeclareLaunchArgument("policy", default_value="mcoo"),
        DeclareLaunchArgument("nav2_navigator", default_value="bt_navigator"),
        DeclareLaunchArgument("nav2_localizer", default_value=""),
        OpaqueFunction(function=_fleet),
    ])

"""launch/gazebo.launch.py, checked structurally (Gazebo is not installed here and the path
has not been run): the world it writes parses and holds the factory; gz-sim is included with
that world; /clock is bridged; every AGV is spawned at its start by ros_gz_sim create and
gets agv.launch.py in Nav2 mode on sim time; every edge server gets edge.launch.py."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

from test.ros.conftest import ROOT, SCENARIOS, skip_without_ros

skip_without_ros()

from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_context import LaunchContext  # noqa: E402
from launch.utilities import normalize_to_list_of_substitutions as subs  # noqa: E402
from launch.utilities import perform_substitutions  # noqa: E402
from launch_ros.actions import Node  # noqa: E402

from offload_ros.model.scenario import Scenario  # noqa: E402


def _module():
    spec = importlib.util.spec_from_file_location("gazebo_launch",
                                                  ROOT / "launch" / "gazebo.launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module



GZ_SIM_STUB = """from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
def generate_launch_description():
    return LaunchDescription([DeclareLaunchArgument("gz_args", default_value="")])
"""


def _arguments(node: Node, context: LaunchContext) -> list[str]:
    """A node's command-line arguments (before the ROS-specific ones)."""
    out = []
    for part in node.cmd[1:]:
        text = perform_substitutions(context, part)
        if text == "--ros-args":
            break
        out.append(text)
    return out


def test_the_gazebo_fleet_description(tmp_path):
    module = _module()
    scenario_path = SCENARIOS / "factory_5agv.yaml"
    world = tmp_path / "factory.sdf"
    gz_sim = tmp_path / "gz_sim.launch.py"     # stands in for ros_gz_sim's launch file
    gz_sim.write_text(GZ_SIM_STUB)
    actions = module.fleet_actions(scenario_path, world, "", str(gz_sim), ROOT, "balanced",
                                   "", "")
    sc = Scenario.load(scenario_path)
    root = ET.parse(world).getroot()
    assert {m.get("name") for m in root.iter("model")} >= {e.id for e in sc.edge_servers}
    context = LaunchContext()
    includes = [a for a in actions if isinstance(a, IncludeLaunchDescription)]
    gz = includes[0]
    gz.launch_description_source.get_launch_description(context)
    assert gz.launch_description_source.location == str(gz_sim)
    launch_args = [{perform_substitutions(context, subs(k)): perform_substitutions(context,
                                                                                 subs(v))
                    for k, v in inc.launch_arguments} for inc in includes]
    assert launch_args[0] == {"gz_args": f"-r {world}"}
    nodes = [a for a in actions if isinstance(a, Node)]
    bridge = [n for n in nodes if n.node_executable == "parameter_bridge"]
    assert len(bridge) == 1 and _arguments(bridge[0], context) == [module.CLOCK_BRIDGE]
    spawns = [n for n in nodes if n.node_executable == "create"]
    assert len(spawns) == len(sc.agvs)
    for node, agv in zip(spawns, sc.agvs):
        cmd = _arguments(node, context)
        at = {cmd[k]: cmd[k + 1] for k in range(0, len(cmd) - 1, 2)}
        assert at["-name"] == agv.id and at["-topic"] == f"/{agv.id}/robot_description"
        assert (float(at["-x"]), float(at["-y"])) == tuple(agv.start)
        assert at["-world"] == "factory_5agv"
    robots = [a for a in launch_args[1:] if "agv_id" in a]
    boxes = [a for a in launch_args[1:] if "es_id" in a]
    assert [r["agv_id"] for r in robots] == [a.id for a in sc.agvs]
    assert all(r["mode"] == "nav2" and r["use_sim_time"] == "true" for r in robots)
    assert [b["es_id"] for b in boxes] == [e.id for e in sc.edge_servers]
    for inc in includes[1:]:
        inc.launch_description_source.get_launch_description(context)
        assert Path(inc.launch_description_source.location).name in ("agv.launch.py",
                                                                     "edge.launch.py")

"""The Gazebo world generated from a scenario: valid SDF 1.9 with the system plugins
ros_gz_sim's worlds load, a static box per edge server at its position, a route strip per
AGV whose legs join its stops (Manhattan corners included), and spawn poses at the starts."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from offload_ros.cli import main
from offload_ros.model.gazebo_world import GazeboWorld
from offload_ros.model.scenario import Scenario
from test.conftest import SCENARIOS


@pytest.fixture
def scenario():
    return Scenario.load(SCENARIOS / "factory_5agv.yaml")


def test_the_world_has_the_factory(scenario):
    root = ET.fromstring(GazeboWorld(scenario).sdf())
    assert root.tag == "sdf" and root.get("version") == "1.9"
    world = root.find("world")
    assert world.get("name") == "factory_5agv"
    plugins = {p.get("name") for p in world.findall("plugin")}
    assert {"gz::sim::systems::Physics", "gz::sim::systems::SceneBroadcaster",
            "gz::sim::systems::UserCommands"} <= plugins
    models = {m.get("name"): m for m in world.findall("model")}
    for es in scenario.edge_servers:
        box = models[es.id]
        assert box.findtext("static") == "true"
        x, y, z = map(float, box.findtext("pose").split()[:3])
        assert (x, y) == pytest.approx(es.position) and z == pytest.approx(0.5)
        assert box.find("link/collision/geometry/box") is not None
    for agv in scenario.agvs:
        assert f"{agv.id}_route" in models


def test_route_strips_join_the_stops_with_manhattan_corners(scenario):
    world = GazeboWorld(scenario)
    root = ET.fromstring(world.sdf())
    agv = scenario.agvs[0]
    route = next(m for m in root.iter("model") if m.get("name") == f"{agv.id}_route")
    ends = []
    for visual in route.iter("visual"):
        cx, cy, _, _, _, yaw = map(float, visual.findtext("pose").split())
        length = float(visual.findtext("geometry/box/size").split()[0])
        dx, dy = math.cos(yaw) * length / 2, math.sin(yaw) * length / 2
        ends.append(((cx - dx, cy - dy), (cx + dx, cy + dy)))
        assert abs(dx) < 1e-4 or abs(dy) < 1e-4          # axis-aligned: Manhattan legs
    for (a, b), (c, _) in zip(ends, ends[1:]):
        assert b == pytest.approx(c, abs=1e-4)            # each leg starts where one ends
    assert ends[0][0] == pytest.approx(agv.start) and ends[-1][1] == pytest.approx(agv.start)
    total = sum(math.dist(a, b) for a, b in ends)
    assert total == pytest.approx(sum(scenario.leg_times(agv)) * scenario.speed_of(agv))


def test_spawn_poses_are_the_starts_facing_the_first_stop(scenario):
    spawns = GazeboWorld(scenario).spawns()
    assert [s.name for s in spawns] == [a.id for a in scenario.agvs]
    for s, agv in zip(spawns, scenario.agvs):
        first = scenario.route_positions(agv)[1]
        assert (s.x, s.y) == pytest.approx(agv.start)
        assert s.yaw == pytest.approx(math.atan2(first[1] - agv.start[1],
                                                 first[0] - agv.start[0]))


def test_the_cli_writes_the_world(tmp_path, capsys):
    out = tmp_path / "w" / "factory.sdf"
    assert main(["scenario", "world", "factory_5agv", "--out", str(out)]) == 0
    assert ET.parse(out).getroot().find("world").get("name") == "factory_5agv"
    assert "agv1 (-100, -100)" in capsys.readouterr().out

"""A Gazebo (gz-sim) world generated from a scenario, for ``launch/gazebo.launch.py``: the
factory floor as a ground plane, each edge server as a static box (its id as the model name,
coloured by capacity), each route as a strip on the floor (Manhattan legs with their
corners), and each AGV's spawn pose at its start (spawned by ``ros_gz_sim create`` in the
robot's namespace). SDF 1.9 with the physics, user-commands and scene-broadcaster system
plugins that ros_gz_sim's examples load, so ``/clock`` can be bridged from the world."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from offload_ros.model.scenario import Scenario

SDF_VERSION = "1.9"
_PLUGINS = (("gz-sim-physics-system", "gz::sim::systems::Physics"),
            ("gz-sim-user-commands-system", "gz::sim::systems::UserCommands"),
            ("gz-sim-scene-broadcaster-system", "gz::sim::systems::SceneBroadcaster"))


@dataclass(frozen=True)
class Spawn:
    """Where ``ros_gz_sim create`` puts an AGV: name, x, y, z (m) and yaw (rad, facing its
    first stop)."""

    name: str
    x: float
    y: float
    z: float
    yaw: float


class GazeboWorld:
    """``GazeboWorld(scenario).sdf()`` → the world's SDF text; ``spawns()`` → one
    :class:`Spawn` per AGV, in the scenario's order."""

    def __init__(self, scenario: Scenario, *, box_m: float = 1.0, spawn_z: float = 0.05) -> None:
        self.scenario = scenario
        self.box_m, self.spawn_z = box_m, spawn_z

    @property
    def name(self) -> str:
        return "".join(c if c.isalnum() or c == "_" else "_" for c in self.scenario.name)

    def spawns(self) -> list[Spawn]:
        out = []
        for agv in self.scenario.agvs:
            first = self.scenario.route_positions(agv)[1]
            yaw = math.atan2(first[1] - agv.start[1], first[0] - agv.start[0])
            out.append(Spawn(agv.id, float(agv.start[0]), float(agv.start[1]), self.spawn_z,
                             yaw))
        return out

    def extent(self) -> float:
        """Half the side of a square floor that holds every position, with a margin."""
        xs = [p for e in self.scenario.edge_servers for p in e.position] + \
            [p for a in self.scenario.agvs for p in a.start]
        return max(10.0, max(abs(v) for v in xs) * 1.2 + 5.0)

    def sdf(self) -> str:
        side = 2 * self.extent()
        cap = max(e.capacity_kb for e in self.scenario.edge_servers)
        parts = [f'<?xml version="1.0"?>\n<sdf version="{SDF_VERSION}">',
                 f'  <world name="{self.name}">',
                 '    <physics name="1ms" type="ignored"><max_step_size>0.001</max_step_size>'
                 '<real_time_factor>1.0</real_time_factor></physics>']
        parts += [f'    <plugin filename="{f}" name="{n}"/>' for f, n in _PLUGINS]
        parts += ['    <scene><ambient>0.8 0.8 0.8 1</ambient><background>0.7 0.7 0.7 1'
                  '</background></scene>',
                  '    <light type="directional" name="sun"><cast_shadows>true</cast_shadows>'
                  '<pose>0 0 30 0 0 0</pose><diffuse>0.9 0.9 0.9 1</diffuse>'
                  '<direction>-0.5 0.1 -0.9</direction></light>',
                  self._plane(side)]
        for e in self.scenario.edge_servers:
            share = e.capacity_kb / cap
            parts.append(self._box(e.id, e.position, (0.2, 0.3 + 0.7 * share, 0.2)))
        parts += [self._route(agv.id, self.path(agv)) for agv in self.scenario.agvs]
        parts += ["  </world>", "</sdf>", ""]
        return "\n".join(parts)

    def path(self, agv) -> list[tuple[float, float]]:
        """The points an AGV's cycle passes (with the corners of Manhattan legs)."""
        points = self.scenario.route_positions(agv)
        out = [points[0]]
        for a, b in zip(points, points[1:]):
            out += self.leg(self.scenario.metric, a, b)[1:]
        return out

    @staticmethod
    def leg(metric: str, a: tuple[float, float],
            b: tuple[float, float]) -> list[tuple[float, float]]:
        """The points of one leg from ``a`` to ``b``: under the Manhattan metric with its
        corner (along x first, then y), else straight."""
        if metric == "manhattan" and a[0] != b[0] and a[1] != b[1]:
            return [a, (b[0], a[1]), b]
        return [a, b]

    @staticmethod
    def _plane(side: float) -> str:
        geo = (f"<geometry><plane><normal>0 0 1</normal><size>{side:g} {side:g}</size>"
               f"</plane></geometry>")
        return ('    <model name="factory_floor"><static>true</static><link name="link">'
                f'<collision name="collision">{geo}</collision>'
                f'<visual name="visual">{geo}<material><ambient>0.5 0.5 0.5 1</ambient>'
                '<diffuse>0.5 0.5 0.5 1</diffuse></material></visual></link></model>')

    def _box(self, name: str, pos: tuple[float, float], rgb: tuple[float, float, float]) -> str:
        s = self.box_m
        geo = f"<geometry><box><size>{s:g} {s:g} {s:g}</size></box></geometry>"
        colour = " ".join(f"{c:.3f}" for c in rgb) + " 1"
        return (f'    <model name="{escape(name)}"><static>true</static>'
                f'<pose>{pos[0]:g} {pos[1]:g} {s / 2:g} 0 0 0</pose><link name="link">'
                f'<collision name="collision">{geo}</collision>'
                f'<visual name="visual">{geo}<material><ambient>{colour}</ambient>'
                f'<diffuse>{colour}</diffuse></material></visual></link></model>')

    @staticmethod
    def _route(agv: str, points: list[tuple[float, float]]) -> str:
        """One static model per AGV: a flat strip on the floor along every leg."""
        visuals = []
        for k, (a, b) in enumerate(zip(points, points[1:])):
            length = math.hypot(b[0] - a[0], b[1] - a[1])
            if length <= 0:
                continue
            yaw = math.atan2(b[1] - a[1], b[0] - a[0])
            visuals.append(
                f'<visual name="leg_{k}"><pose>{(a[0] + b[0]) / 2:g} {(a[1] + b[1]) / 2:g} '
                f'0.005 0 0 {yaw:.12g}</pose><geometry><box><size>{length:g} 0.2 0.01</size>'
                f'</box></geometry><material><ambient>0.2 0.4 0.9 1</ambient>'
                f'<diffuse>0.2 0.4 0.9 1</diffuse></material></visual>')
        return (f'    <model name="{escape(agv)}_route"><static>true</static>'
                f'<link name="link">{"".join(visuals)}</link></model>')

"""``offload-ros demo --foxglove [PORT]``: the running fleet served live to Foxglove over its
WebSocket protocol (the ``foxglove-sdk`` server), and the same 3D scene recorded into the
run's bag.

Functional core: :meth:`FoxgloveView.scene`, :meth:`~FoxgloveView.plots` and
:meth:`~FoxgloveView.image` are plain Python of the scenario, the newest observed messages
(the ``FleetMonitor``'s, which also feed the demo's live table) and a sim time; they need
neither the SDK nor a server. Thin shell: :meth:`~FoxgloveView.start` imports ``foxglove``
and serves, :meth:`~FoxgloveView.on_message` forwards every graph message,
:meth:`~FoxgloveView.update` publishes the scene and the plots (and hands scenes on a sim-time
grid to the bag), :meth:`~FoxgloveView.stop` ends it.

Topics (sim time is the server's time and every message's log time, as in the bag):

- ``/fleet/scene`` ``visualization_msgs/msg/MarkerArray`` (ros2msg schema, CDR; Foxglove's
  3D panel and RViz both draw it): the floor, each route as a line (with the corners of
  Manhattan legs), each edge server as a box coloured by its backlog share (green: empty,
  red: full; grey: down) with a label and a flat marker per AGV at its door, each AGV as a
  box coloured by its state with a label.
- ``/fleet/plots`` JSON (with a JSON schema): per server backlog, capacity, backlog share,
  processed kB and door queue; per AGV state, waits, on board and delivered kB; AIGC tallies.
- ``/fleet/aigc/image`` ``sensor_msgs/msg/Image`` (mono8): the images of each AIGC task that
  finished, side by side.
- every topic of the graph (``/<agv>/status``, ``/<es>/state``, ``/<es>/pheromones``,
  ``/<es>/aigc/results``, ``/offload/transitions``, ``/clock``) re-advertised with its ros2msg
  schema and forwarded as the CDR bytes the nodes sent, as ``foxglove_bridge`` serves them
  under ROS 2, so a layout's message paths (``/es1/state.backlog_kb``) are the same there.

AGV positions: ``AgvStatus.position`` comes only at an AGV's events and every
``status_period_s`` of wall time (30 sim s at 60x), on the straight line between stops (it
cuts a Manhattan leg's corner). A driving AGV is placed instead from what its status
announces: the leg it drives (``stop``; the way back to its start after its last stop), its
arrival there (``next_event_s``) and the scenario's leg time (which the kinematic controller
drives by), along the leg's path with its corner at the current sim time, so it moves
smoothly between statuses; done, where that leg had brought it at the horizon. Waiting at
the door or handing work over (in doubt): in its slot of the door queue of its last stop.
Idle or not heard from yet: at its start. With no announced arrival (Nav2 mode): at the
position it published.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes
from offload_ros.bag.topic_catalog import TopicCatalog
from offload_ros.model.gazebo_world import GazeboWorld
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import DONE, DRIVING, IDLE, IN_DOUBT, WAITING
from offload_ros.transport.errors import TransportError

if TYPE_CHECKING:
    from typing import Self

SCENE_TOPIC = "/fleet/scene"
PLOTS_TOPIC = "/fleet/plots"
IMAGE_TOPIC = "/fleet/aigc/image"
SCENE_TYPE = TopicCatalog.spec(SCENE_TOPIC).typename
IMAGE_TYPE = TopicCatalog.spec(IMAGE_TOPIC).typename
AIGC_OK = 0
# visualization_msgs/msg/Marker's types and actions
CUBE, LINE_STRIP, TEXT = 1, 4, 9
ADD, DELETEALL = 0, 3

# state -> (label, colour); "down": no status for stale_s of wall time
AGV_STYLE = {IDLE: ("idle", (0.75, 0.75, 0.75)), DRIVING: ("driving", (0.15, 0.45, 0.95)),
             WAITING: ("waiting at door", (1.0, 0.55, 0.0)),
             IN_DOUBT: ("offloading", (0.7, 0.25, 0.9)), DONE: ("done", (0.4, 0.4, 0.4))}
DOWN_STYLE = ("down", (0.05, 0.05, 0.05))
STARTING_STYLE = ("starting", (0.9, 0.9, 0.9))
ES_DOWN = (0.55, 0.55, 0.55)
ROUTE_COLOURS = ((0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
                 (0.58, 0.4, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.5, 0.5, 0.5),
                 (0.74, 0.74, 0.13), (0.09, 0.75, 0.81))


@dataclass(frozen=True)
class FoxgloveViewConfig:
    """What ``offload-ros demo --foxglove`` serves, and how often."""

    host: str = field(default="127.0.0.1", metadata={"help": "address the server listens on"})
    port: int = field(default=8765, metadata={
        "help": "the Foxglove WebSocket server's port (0: any free port)"})
    period_s: float = field(default=0.2, metadata={
        "help": "publish the live scene and plots this often", "unit": "s of wall time"})
    record_period_s: float = field(default=2.0, metadata={
        "help": "write a scene into the bag every this much sim time", "unit": "s of sim time"})
    stale_s: float = field(default=3.0, metadata={
        "help": "an AGV or edge server not heard from for this long is drawn as down",
        "unit": "s of wall time"})
    frame_id: str = field(default="map", metadata={"help": "the scene's frame"})

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise TransportError(f"foxglove port: must be 0-65535, got {self.port}")
        if self.period_s <= 0 or self.record_period_s <= 0 or self.stale_s <= 0:
            raise TransportError("period_s, record_period_s and stale_s: must be > 0")


class FoxgloveView:
    """``FoxgloveView(scenario, config, time_scale=60, record=bag.write).start()``; then
    :meth:`on_message` per graph message and :meth:`update` per loop of the demo; finally
    :meth:`stop`. ``record(topic, stamp_ns, cdr)`` receives the scenes (every
    ``record_period_s`` of sim time) and the AIGC images."""

    def __init__(self, scenario: Scenario, config: FoxgloveViewConfig | None = None, *,
                 time_scale: float = 60.0, types: MessageTypes | None = None,
                 record: Callable[[str, int, bytes], None] | None = None) -> None:
        self.scenario = scenario
        self.config = config or FoxgloveViewConfig()
        self.time_scale = time_scale
        self.types = types or MessageTypes.default()
        self.record = record
        world = GazeboWorld(scenario)
        self.routes = [world.path(a) for a in scenario.agvs]
        self.legs = [scenario.leg_times(a) for a in scenario.agvs]
        self.leg_paths = []
        for agv in scenario.agvs:
            pts = scenario.route_positions(agv)
            self.leg_paths.append([GazeboWorld.leg(scenario.metric, a, b)
                                   for a, b in pairwise(pts)])
        xs = [p[0] for r in self.routes for p in r]
        ys = [p[1] for r in self.routes for p in r]
        self.bounds = (min(xs), min(ys), max(xs), max(ys))
        self.unit = max(1.0, max(self.bounds[2] - self.bounds[0],
                                 self.bounds[3] - self.bounds[1]) / 40.0)
        self.es_index = {e.id: i for i, e in enumerate(scenario.edge_servers)}
        # the shell's state
        self.server: Any = None
        self._foxglove: Any = None
        self._context: Any = None
        self._channels: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._last_live = -math.inf
        self._next_record = 0.0
        self.recorded = 0
        self.published = 0

    # ================================================================== functional core
    @staticmethod
    def share_colour(share: float) -> tuple[float, float, float]:
        """Green (empty) through yellow (half full) to red (full)."""
        s = min(1.0, max(0.0, share))
        green, yellow, red = (0.1, 0.75, 0.2), (0.95, 0.8, 0.1), (0.9, 0.1, 0.1)
        a, b, f = (green, yellow, s / 0.5) if s <= 0.5 else (yellow, red, (s - 0.5) / 0.5)
        return tuple(x + (y - x) * f for x, y in zip(a, b))

    def topics(self) -> list[tuple[str, str]]:
        """(topic, ROS type) of every ROS-typed channel the view serves: the graph's, then
        the scene and the images."""
        names = [f"/{a.id}/status" for a in self.scenario.agvs]
        for e in self.scenario.edge_servers:
            names += [f"/{e.id}/state", f"/{e.id}/pheromones", f"/{e.id}/aigc/results"]
        names += ["/offload/transitions", "/clock", SCENE_TOPIC, IMAGE_TOPIC]
        return [(n, TopicCatalog.spec(n).typename) for n in names]

    def _stale(self, msg: Any, t: float) -> bool:
        return t - MessageTypes.seconds(msg.header.stamp) > self.config.stale_s * self.time_scale

    @staticmethod
    def along(path: Sequence[tuple[float, float]], f: float) -> tuple[float, float, float]:
        """(x, y, heading) at fraction ``f`` of the length of ``path``."""
        segs = [(a, b, math.hypot(b[0] - a[0], b[1] - a[1])) for a, b in pairwise(path)]
        segs = [s for s in segs if s[2] > 0] or [(path[0], path[-1], 0.0)]
        d = min(1.0, max(0.0, f)) * sum(s[2] for s in segs)
        for a, b, length in segs[:-1]:
            if d <= length:
                break
            d -= length
        else:
            a, b, length = segs[-1]
        g = 0.0 if length <= 0 else min(1.0, d / length)
        yaw = math.atan2(b[1] - a[1], b[0] - a[0]) if length > 0 else 0.0
        return a[0] + (b[0] - a[0]) * g, a[1] + (b[1] - a[1]) * g, yaw

    def door_slot(self, es_id: str, k: int) -> tuple[float, float]:
        """Where the ``k``-th AGV of ``es_id``'s door queue stands: beside the box, outwards
        from the middle of the floor."""
        x, y = self.scenario.edge_servers[self.es_index[es_id]].position
        cx, cy = (self.bounds[0] + self.bounds[2]) / 2, (self.bounds[1] + self.bounds[3]) / 2
        dx, dy = x - cx, y - cy
        n = math.hypot(dx, dy)
        dx, dy = (dx / n, dy / n) if n > 0 else (1.0, 0.0)
        r = (1.3 + 0.9 * k) * self.unit
        return x + dx * r, y + dy * r

    def position(self, agv_id: str, status: Any, t: float,
                 states: Mapping[str, Any] | None = None) -> tuple[float, float, float]:
        """(x, y, heading) of an AGV at sim time ``t`` from its newest status (see the module
        docstring)."""
        m = self.scenario.agv_index(agv_id)
        agv = self.scenario.agvs[m]
        legs, paths = self.legs[m], self.leg_paths[m]
        if status is None or status.state == IDLE:
            return self.along(paths[0], 0.0)
        if status.state in (WAITING, IN_DOUBT):
            es = agv.route[-1]
            state = (states or {}).get(es)
            queue = list(state.door_queue) if state is not None else []
            k = queue.index(agv_id) if agv_id in queue else len(queue)
            x, y = self.door_slot(es, k)
            ex, ey = self.scenario.edge_servers[self.es_index[es]].position
            return x, y, math.atan2(ey - y, ex - x)
        if status.state in (DRIVING, DONE) and status.next_event_s >= 0:
            leg = min(status.stop, len(agv.route))      # len(route): the way back to start
            dur = legs[leg]
            if status.state == DONE:                    # it stopped where it was at the horizon
                t = min(t, self.scenario.horizon_s)
            f = 1.0 if dur <= 0 else (t - (status.next_event_s - dur)) / dur
            return self.along(paths[leg], f)
        return float(status.position.x), float(status.position.y), 0.0

    def _pose(self, x: float, y: float, z: float, yaw: float = 0.0) -> dict[str, Any]:
        return {"position": {"x": float(x), "y": float(y), "z": float(z)},
                "orientation": {"x": 0.0, "y": 0.0, "z": math.sin(yaw / 2),
                                "w": math.cos(yaw / 2)}}

    @staticmethod
    def _rgba(rgb: Sequence[float], a: float = 1.0) -> dict[str, float]:
        return {"r": float(rgb[0]), "g": float(rgb[1]), "b": float(rgb[2]), "a": float(a)}

    def _marker(self, t: float, ns: str, mid: int, kind: int, pose: dict[str, Any],
                scale: Sequence[float], rgb: Sequence[float], a: float = 1.0,
                **parts: Any) -> dict[str, Any]:
        return {"header": {"stamp": MessageTypes.stamp(t), "frame_id": self.config.frame_id},
                "ns": ns, "id": mid, "type": kind, "action": ADD, "pose": pose,
                "scale": {"x": float(scale[0]), "y": float(scale[1]), "z": float(scale[2])},
                "color": self._rgba(rgb, a), **parts}

    def _text(self, t: float, ns: str, x: float, y: float, z: float, text: str) -> dict:
        """A label facing the viewer, one unit high, as marker 1 of ``ns``."""
        return self._marker(t, ns, 1, TEXT, self._pose(x, y, z), (0.0, 0.0, 0.9 * self.unit),
                            (0.05, 0.05, 0.05), text=text)

    def scene(self, t: float, status: Mapping[str, Any],
              states: Mapping[str, Any]) -> dict[str, Any]:
        """The whole scene at sim time ``t`` as a ``visualization_msgs/msg/MarkerArray`` in
        plain dicts, which Foxglove's 3D panel and RViz both draw. It starts with a DELETEALL
        and holds every marker each time, so any one message, or a seek in a replay, shows
        all. One namespace per thing: ``floor``, ``route/<agv>``, ``es/<es>``, ``agv/<agv>``;
        in each, marker 0 is the body (a box, or the route's line strip), 1 its label, and an
        edge server's 2, 3, … the slots of the AGVs waiting at its door."""
        u = self.unit
        x0, y0, x1, y1 = self.bounds
        margin = 3 * u
        markers = [{"header": {"stamp": MessageTypes.stamp(t),
                               "frame_id": self.config.frame_id}, "action": DELETEALL},
                   self._marker(t, "floor", 0, CUBE,
                                self._pose((x0 + x1) / 2, (y0 + y1) / 2, -0.05 * u),
                                (x1 - x0 + 2 * margin, y1 - y0 + 2 * margin, 0.1 * u),
                                (0.86, 0.86, 0.84)),
                   self._text(t, "floor", x0 - margin / 2, y1 + margin / 2, 0.5 * u,
                              f"{self.scenario.name} · sim {t / 60:.1f} min")]
        for i, agv in enumerate(self.scenario.agvs):
            markers.append(self._marker(
                t, f"route/{agv.id}", 0, LINE_STRIP, self._pose(0, 0, 0.02 * u),
                (0.12 * u, 0.0, 0.0), ROUTE_COLOURS[i % len(ROUTE_COLOURS)], 0.75,
                points=[{"x": float(p[0]), "y": float(p[1]), "z": 0.0}
                        for p in self.routes[i]]))
        for es in self.scenario.edge_servers:
            st = states.get(es.id)
            cap = st.capacity_kb if st is not None and st.capacity_kb > 0 else es.capacity_kb
            backlog = st.backlog_kb if st is not None else 0.0
            queue = list(st.door_queue) if st is not None else []
            down = st is not None and self._stale(st, t)
            share = backlog / cap if cap > 0 else 0.0
            rgb = ES_DOWN if down else self.share_colour(share)
            x, y = es.position
            ns = f"es/{es.id}"
            label = f"{es.id}  {backlog:.0f}/{cap:.0f} kB" + \
                (f"\ndoor: {len(queue)}" if queue else "") + ("\nDOWN" if down else "")
            markers.append(self._marker(t, ns, 0, CUBE, self._pose(x, y, 0.75 * u),
                                        (1.5 * u, 1.5 * u, 1.5 * u), rgb, 0.95))
            markers.append(self._text(t, ns, x, y, 2.2 * u, label))
            markers += [self._marker(t, ns, 2 + k, CUBE,
                                     self._pose(*self.door_slot(es.id, k), 0.02 * u),
                                     (0.8 * u, 0.8 * u, 0.04 * u), (1.0, 0.55, 0.0), 0.6)
                        for k in range(len(queue))]
        for agv in self.scenario.agvs:
            st = status.get(agv.id)
            x, y, yaw = self.position(agv.id, st, t, states)
            if st is None:
                name, rgb = STARTING_STYLE
            elif st.state != DONE and self._stale(st, t):
                name, rgb = DOWN_STYLE
            else:
                name, rgb = AGV_STYLE.get(st.state, DOWN_STYLE)
            on_board = f"\n{st.remaining_kb:.0f} kB on board" if st is not None else ""
            ns = f"agv/{agv.id}"
            markers.append(self._marker(t, ns, 0, CUBE, self._pose(x, y, 0.3 * u, yaw),
                                        (0.9 * u, 0.55 * u, 0.5 * u), rgb))
            markers.append(self._text(t, ns, x, y, 1.2 * u, f"{agv.id} · {name}{on_board}"))
        return {"markers": markers}

    def plots_schema(self) -> dict[str, Any]:
        """The JSON schema of :meth:`plots`' messages (its properties name this scenario's
        servers and AGVs, so Foxglove offers ``/fleet/plots.edge_servers.es1.backlog_kb``)."""
        num = {"type": "number"}
        es = {"type": "object", "properties": {
            k: num for k in ("backlog_kb", "capacity_kb", "backlog_share", "processed_kb",
                             "admitted_kb", "door_queue", "rejected")} | {
            "down": {"type": "boolean"}}}
        agv = {"type": "object", "properties": {
            k: num for k in ("wait_s", "waits", "remaining_kb", "delivered_kb", "cycle")} | {
            "state": {"type": "string"}}}
        return {"title": "offload_ros.FleetPlots", "type": "object", "properties": {
            "time_s": num, "processed_kb": num, "backlog_kb": num,
            "edge_servers": {"type": "object",
                             "properties": {e.id: es for e in self.scenario.edge_servers}},
            "agvs": {"type": "object", "properties": {a.id: agv for a in self.scenario.agvs}},
            "aigc": {"type": "object", "properties": {
                "tasks": num, "done": num, "mean_latency_s": num, "p95_latency_s": num,
                "last_latency_s": num}}}}

    def plots(self, t: float, status: Mapping[str, Any], states: Mapping[str, Any],
              aigc: Sequence[Any]) -> dict[str, Any]:
        """What the plot panels show, at sim time ``t``, as one JSON object."""
        servers = {}
        for es in self.scenario.edge_servers:
            st = states.get(es.id)
            if st is None:
                continue
            cap = st.capacity_kb if st.capacity_kb > 0 else es.capacity_kb
            servers[es.id] = {
                "backlog_kb": st.backlog_kb, "capacity_kb": cap,
                "backlog_share": st.backlog_kb / cap if cap > 0 else 0.0,
                "processed_kb": st.processed_kb, "admitted_kb": st.admitted_kb,
                "door_queue": len(st.door_queue), "rejected": st.rejected,
                "down": self._stale(st, t)}
        agvs = {}
        for a in self.scenario.agvs:
            st = status.get(a.id)
            if st is None:
                continue
            name = DOWN_STYLE[0] if st.state != DONE and self._stale(st, t) else \
                AGV_STYLE.get(st.state, DOWN_STYLE)[0]
            agvs[a.id] = {"state": name, "wait_s": st.wait_s, "waits": st.waits,
                          "remaining_kb": st.remaining_kb, "delivered_kb": st.delivered_kb,
                          "cycle": st.cycle}
        done = [r for r in aigc if r.status == AIGC_OK]
        lat = sorted(r.latency_s for r in done)
        tally: dict[str, float] = {"tasks": len(aigc), "done": len(done)}
        if lat:        # (no latency yet: the keys are left out, not null)
            tally.update(mean_latency_s=sum(lat) / len(lat),
                         p95_latency_s=float(np.percentile(lat, 95)),
                         last_latency_s=done[-1].latency_s)
        return {"time_s": t,
                "processed_kb": sum(s["processed_kb"] for s in servers.values()),
                "backlog_kb": sum(s["backlog_kb"] for s in servers.values()),
                "edge_servers": servers, "agvs": agvs, "aigc": tally}

    @staticmethod
    def image(result: Any) -> dict[str, Any] | None:
        """An AIGC result's mono8 images side by side as a ``sensor_msgs/msg/Image`` in plain
        dicts (shorter ones padded black); None when it has none or did not succeed."""
        imgs = [i for i in result.images if i.encoding == "mono8" and i.width and i.height]
        if result.status != AIGC_OK or not imgs:
            return None
        h = max(int(i.height) for i in imgs)
        tiles = []
        for i in imgs:
            a = np.asarray(i.data, np.uint8).reshape(int(i.height), int(i.step))[:, :int(i.width)]
            tiles.append(np.pad(a, ((0, h - a.shape[0]), (0, 0))))
        tile = np.concatenate(tiles, axis=1)
        return {"header": {"stamp": {"sec": int(result.header.stamp.sec),
                                     "nanosec": int(result.header.stamp.nanosec)},
                           "frame_id": f"{result.es_id}/{result.defect_class}"},
                "height": h, "width": int(tile.shape[1]), "encoding": "mono8",
                "is_bigendian": 0, "step": int(tile.shape[1]), "data": tile.reshape(-1)}

    def encode(self, typename: str, message: dict[str, Any]) -> bytes:
        """CDR bytes of a message given as plain dicts."""
        try:
            return self.types.encode(typename, self.types.make(typename, **message))
        except BagError as err:
            raise TransportError(f"cannot encode {typename}: {err}") from err

    # ================================================================== shell
    @property
    def url(self) -> str:
        port = self.server.port if self.server is not None else self.config.port
        return f"ws://{self.config.host}:{port}"

    def start(self) -> Self:
        """Serve on ``config.host:config.port`` (TransportError if it cannot) and advertise
        every channel."""
        try:
            import foxglove
            from foxglove.websocket import Capability
        except ImportError as err:
            raise TransportError("the Foxglove view needs foxglove-sdk "
                                 "(pip install foxglove-sdk)") from err
        with self._lock:
            if self._stopped:
                raise TransportError("this Foxglove view was stopped; make a new one")
            if self.server is not None:
                return self
            self._foxglove = foxglove
            self._context = foxglove.Context()
            try:
                self.server = foxglove.start_server(
                    name=f"offload_ros {self.scenario.name}", host=self.config.host,
                    port=self.config.port, capabilities=[Capability.Time],
                    context=self._context)
            except RuntimeError as err:
                raise TransportError(f"cannot serve Foxglove on {self.config.host}:"
                                     f"{self.config.port}: {err}") from err
            for topic, typename in self.topics():
                self._channel(topic, typename)
            self._channels[PLOTS_TOPIC] = foxglove.Channel(
                PLOTS_TOPIC, schema=self.plots_schema(), context=self._context)
        return self

    def _channel(self, topic: str, typename: str) -> Any:
        """A ros2msg/CDR channel for ``topic`` (made at its first use)."""
        ch = self._channels.get(topic)
        if ch is None:
            text, _ = self.types.typestore.generate_msgdef(typename, ros_version=2)
            schema = self._foxglove.Schema(name=typename, encoding="ros2msg",
                                           data=text.encode())
            ch = self._foxglove.Channel(topic, schema=schema, message_encoding="cdr",
                                        context=self._context)
            self._channels[topic] = ch
        return ch

    def on_message(self, topic: str, msg: Any, stamp_ns: int, data: bytes) -> None:
        """A graph message as observed (decoded ``msg`` and its CDR ``data``): forwarded to
        its channel; a finished AIGC task's images go to ``/fleet/aigc/image``."""
        image = None
        if getattr(msg, "__msgtype__", "").endswith("/AigcResult"):
            img = self.image(msg)
            image = self.encode(IMAGE_TYPE, img) if img is not None else None
        with self._lock:
            if self._stopped:
                return
            if self.server is not None:
                self._channel(topic, TopicCatalog.spec(topic).typename).log(
                    bytes(data), log_time=stamp_ns)
                if image is not None:
                    self._channels[IMAGE_TOPIC].log(image, log_time=stamp_ns)
            if image is not None and self.record is not None:
                self.record(IMAGE_TOPIC, stamp_ns, image)

    def update(self, t: float, status: Mapping[str, Any], states: Mapping[str, Any],
               aigc: Sequence[Any] = ()) -> None:
        """At sim time ``t``: hand the scenes of the record grid up to ``t`` to ``record``;
        then, at most every ``period_s`` of wall time, publish the live scene and plots and
        the server's time."""
        with self._lock:
            if self._stopped:
                return
            if self.record is not None:
                while self._next_record <= t + 1e-9:
                    tr = self._next_record
                    self.record(SCENE_TOPIC, round(tr * 1e9),
                                self.encode(SCENE_TYPE, self.scene(tr, status, states)))
                    self.recorded += 1
                    self._next_record = tr + self.config.record_period_s
            if self.server is None or time.monotonic() - self._last_live < self.config.period_s:
                return
            self._last_live = time.monotonic()
            t_ns = round(max(0.0, t) * 1e9)
            self.server.broadcast_time(t_ns)
            scene = self.encode(SCENE_TYPE, self.scene(t, status, states))
            self._channels[SCENE_TOPIC].log(scene, log_time=t_ns)
            self._channels[PLOTS_TOPIC].log(self.plots(t, status, states, list(aigc)),
                                            log_time=t_ns)
            self.published += 1

    def stop(self) -> None:
        """Close every channel and the server; then every call does nothing (again: nor
        does this)."""
        with self._lock:
            self._stopped = True
            server, self.server = self.server, None
            channels, self._channels = self._channels, {}
            for ch in channels.values():
                ch.close()
            if server is not None:
                server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

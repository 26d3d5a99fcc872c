"""The Foxglove view: its scene, plots and images as plain Python of the scenario and the newest
messages; the scene recorded into a bag; and the real foxglove-sdk server, read by a WebSocket
client speaking the Foxglove protocol."""

from __future__ import annotations

import dataclasses
import json
import math
import struct
import subprocess
import sys
import threading
import time
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pytest

from offload_ros.bag.bag_reader import BagReader
from offload_ros.bag.bag_recorder import BagRecorder
from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import DONE, DRIVING, WAITING
from offload_ros.transport.errors import TransportError
from offload_ros.transport.foxglove_view import (
    AGV_STYLE,
    CUBE,
    DELETEALL,
    LINE_STRIP,
    TEXT,
    DOWN_STYLE,
    ES_DOWN,
    IMAGE_TOPIC,
    SCENE_TOPIC,
    SCENE_TYPE,
    FoxgloveView,
    FoxgloveViewConfig,
)
from test.conftest import ROOT, SCENARIOS

TYPES = MessageTypes.default()
SCENARIO = Scenario.load(SCENARIOS / "factory_5agv.yaml")
SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"]   # the SDK's, the older bridge's


def status(agv, t, state=DRIVING, stop=0, arrival=-1.0, **kw):
    return TYPES.make("AgvStatus", header={"stamp": MessageTypes.stamp(t)}, agv_id=agv,
                      state=state, stop=stop, next_event_s=arrival, **kw)


def es_state(es, t, backlog, capacity=100.0, queue=(), **kw):
    return TYPES.make("EdgeServerState", header={"stamp": MessageTypes.stamp(t)}, es_id=es,
                      capacity_kb=capacity, backlog_kb=backlog, door_queue=list(queue), **kw)


def entity(scene, ns):
    """The markers of one namespace by kind: boxes, labels and lines."""
    mine = sorted((m for m in scene["markers"] if m.get("ns") == ns), key=lambda m: m["id"])
    assert mine, f"no markers in {ns!r}"
    return {"cubes": [m for m in mine if m["type"] == CUBE],
            "texts": [m for m in mine if m["type"] == TEXT],
            "lines": [m for m in mine if m["type"] == LINE_STRIP]}


def namespaces(markers):
    """Namespaces in order of first appearance (``ns`` of dicts or of decoded messages)."""
    out = []
    for m in markers:
        ns = m.get("ns", "") if isinstance(m, dict) else m.ns
        if ns and ns not in out:
            out.append(ns)
    return out


def xy(primitive):
    p = primitive["pose"]["position"]
    return p["x"], p["y"]


# ---------------------------------------------------------------------- the scene
def test_an_edge_server_box_goes_from_green_to_red_with_its_backlog_share():
    view = FoxgloveView(SCENARIO)
    colours = []
    for backlog in (0.0, 25.0, 50.0, 75.0, 100.0):
        scene = view.scene(10.0, {}, {"es2": es_state("es2", 10.0, backlog)})
        box = entity(scene, "es/es2")["cubes"][0]
        colours.append((box["color"]["r"], box["color"]["g"]))
        assert f"{backlog:.0f}/100 kB" in entity(scene, "es/es2")["texts"][0]["text"]
    redness = [r - g for r, g in colours]
    assert redness == sorted(redness) and len(set(redness)) == 5
    assert colours[0][1] > 2 * colours[0][0]          # empty: green
    assert colours[-1][0] > 5 * colours[-1][1]        # full: red
    # a server with no state yet is drawn empty; one silent for stale_s (wall) is grey, DOWN
    assert entity(view.scene(10.0, {}, {}), "es/es2")["cubes"][0]["color"]["g"] > 0.7
    late = view.scene(10.0 + 3.5 * 60, {}, {"es2": es_state("es2", 10.0, 50.0)})
    down = entity(late, "es/es2")
    assert (down["cubes"][0]["color"]["r"], down["cubes"][0]["color"]["g"]) == ES_DOWN[:2]
    assert "DOWN" in down["texts"][0]["text"]


def test_a_driving_agv_moves_along_its_manhattan_leg_between_statuses():
    # agv1 starts at (-100, -100); leg 0 to es1 (0, 0) is 100 m along x, then 100 m along y:
    # 40 s at 5 m/s, arriving at 40 s. The status it sent at t = 0 is all the view has.
    view = FoxgloveView(SCENARIO)
    st = {"agv1": status("agv1", 0.0, DRIVING, stop=0, arrival=40.0, target_es="es1")}
    expect = {0.0: (-100, -100), 10.0: (-50, -100), 20.0: (0, -100), 30.0: (0, -50),
              40.0: (0, 0), 55.0: (0, 0)}
    for t, (x, y) in expect.items():
        box = entity(view.scene(t, st, {}), "agv/agv1")["cubes"][0]
        assert xy(box) == pytest.approx((x, y), abs=1e-9), t
    # heading: +x on the first half, +y after the corner
    assert view.position("agv1", st["agv1"], 10.0)[2] == pytest.approx(0.0)
    assert view.position("agv1", st["agv1"], 30.0)[2] == pytest.approx(math.pi / 2)
    # the way back (stop = len(route)): es4 (400, 200) to the start, 800 m, 160 s; half way
    # is 400 m along x from es4
    back = status("agv1", 500.0, DRIVING, stop=4, arrival=660.0)
    assert view.position("agv1", back, 580.0)[:2] == pytest.approx((0.0, 200.0))
    # not the straight line the AGV itself publishes, which cuts the corner
    assert view.position("agv1", st["agv1"], 20.0)[:2] != pytest.approx((-50.0, -50.0))
    # done: it stays where the horizon (3600 s) found it, 20 s into its leg
    done = status("agv1", 3600.0, DONE, stop=0, arrival=3620.0, position={"x": 1.0, "y": 2.0})
    assert view.position("agv1", done, 3700.0)[:2] == pytest.approx((0.0, -100.0))


def test_without_an_announced_arrival_the_published_position_is_used():
    view = FoxgloveView(SCENARIO)
    nav2 = status("agv2", 5.0, DRIVING, stop=1, arrival=-1.0, position={"x": 7.0, "y": 8.0})
    assert view.position("agv2", nav2, 6.0)[:2] == (7.0, 8.0)
    assert view.position("agv2", None, 6.0)[:2] == (500.0, -100.0)     # its start


def test_route_lines_have_the_corners_of_manhattan_legs():
    view = FoxgloveView(SCENARIO)
    line = entity(view.scene(0.0, {}, {}), "route/agv1")["lines"][0]
    pts = [(p["x"], p["y"]) for p in line["points"]]
    assert pts[:3] == [(-100, -100), (0, -100), (0, 0)]
    assert pts[-1] == (-100, -100)
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in pairwise(pts))   # axis-aligned
    straight = FoxgloveView(dataclasses.replace(SCENARIO, metric="euclidean"))
    line = entity(straight.scene(0.0, {}, {}), "route/agv1")["lines"][0]
    assert [(p["x"], p["y"]) for p in line["points"]] == \
        [tuple(p) for p in SCENARIO.route_positions(SCENARIO.agvs[0])]


def test_agvs_at_a_door_stand_in_its_queue_and_the_server_shows_its_length():
    view = FoxgloveView(SCENARIO)
    states = {"es2": es_state("es2", 100.0, 100.0, queue=("agv5", "agv4"))}
    st = {a: status(a, 100.0, WAITING, stop=len(SCENARIO.agvs[SCENARIO.agv_index(a)].route),
                    target_es="es2") for a in ("agv4", "agv5")}
    scene = view.scene(100.0, st, states)
    first, second = view.door_slot("es2", 0), view.door_slot("es2", 1)
    assert xy(entity(scene, "agv/agv5")["cubes"][0]) == pytest.approx(first)
    assert xy(entity(scene, "agv/agv4")["cubes"][0]) == pytest.approx(second)
    assert first != pytest.approx(second)
    es2 = entity(scene, "es/es2")
    assert len(es2["cubes"]) == 1 + 2                 # the box and a marker per waiting AGV
    assert "door: 2" in es2["texts"][0]["text"]
    colour = entity(scene, "agv/agv4")["cubes"][0]["color"]
    assert (colour["r"], colour["g"], colour["b"]) == AGV_STYLE[WAITING][1]


def test_an_agv_not_heard_from_for_stale_s_is_drawn_down():
    view = FoxgloveView(SCENARIO, FoxgloveViewConfig(stale_s=2.0), time_scale=60.0)
    st = {"agv3": status("agv3", 100.0, DRIVING, stop=0, arrival=140.0)}
    fresh = entity(view.scene(100.0 + 60.0, st, {}), "agv/agv3")
    stale = entity(view.scene(100.0 + 121.0, st, {}), "agv/agv3")
    assert "driving" in fresh["texts"][0]["text"]
    assert "down" in stale["texts"][0]["text"]
    assert tuple(stale["cubes"][0]["color"][c] for c in "rgb") == DOWN_STYLE[1]


def test_every_scene_replaces_the_last_holds_every_marker_and_encodes_as_a_marker_array():
    view = FoxgloveView(SCENARIO)
    scene = view.scene(30.0, {"agv1": status("agv1", 30.0)}, {"es1": es_state("es1", 30.0, 5)})
    assert scene["markers"][0]["action"] == DELETEALL
    ids = namespaces(scene["markers"])
    assert ids == ["floor"] + [f"route/{a.id}" for a in SCENARIO.agvs] + \
        [f"es/{e.id}" for e in SCENARIO.edge_servers] + [f"agv/{a.id}" for a in SCENARIO.agvs]
    back = TYPES.decode(SCENE_TYPE, view.encode(SCENE_TYPE, scene))
    assert back.markers[0].action == DELETEALL
    assert namespaces(back.markers) == ids
    assert all(m.header.frame_id == "map" and MessageTypes.seconds(m.header.stamp) == 30.0
               for m in back.markers)
    # every (ns, id) once: a marker of one message never replaces another of the same message
    keys = [(m.ns, m.id) for m in back.markers[1:]]
    assert len(keys) == len(set(keys))
    q = back.markers[-2].pose.orientation                # the last AGV's box
    assert back.markers[-2].type == CUBE
    assert q.x ** 2 + q.y ** 2 + q.z ** 2 + q.w ** 2 == pytest.approx(1.0)


# ---------------------------------------------------------------------- plots and images
def test_plots_carry_backlog_share_processed_waits_and_aigc_latency():
    view = FoxgloveView(SCENARIO)
    states = {"es1": es_state("es1", 60.0, 75.0, capacity=150.0, processed_kb=30.0),
              "es2": es_state("es2", 60.0, 10.0, processed_kb=12.5, queue=("agv4",))}
    st = {"agv4": status("agv4", 60.0, WAITING, wait_s=42.0, waits=2)}
    results = [TYPES.make("AigcResult", status=0, latency_s=s) for s in (10.0, 30.0)] + \
        [TYPES.make("AigcResult", status=1, latency_s=99.0)]
    p = view.plots(60.0, st, states, results)
    assert p["edge_servers"]["es1"]["backlog_share"] == pytest.approx(0.5)
    assert p["edge_servers"]["es2"]["door_queue"] == 1
    assert p["processed_kb"] == pytest.approx(42.5)
    assert p["agvs"]["agv4"] == {"state": "waiting at door", "wait_s": 42.0, "waits": 2,
                                 "remaining_kb": 0.0, "delivered_kb": 0.0, "cycle": 0}
    assert p["aigc"] == {"tasks": 3, "done": 2, "mean_latency_s": 20.0, "p95_latency_s": 29.0,
                         "last_latency_s": 30.0}
    json.dumps(p)                                    # plain JSON
    schema = view.plots_schema()
    assert set(schema["properties"]["edge_servers"]["properties"]) == \
        {e.id for e in SCENARIO.edge_servers}
    assert "mean_latency_s" not in view.plots(60.0, st, states, [])["aigc"]


def test_an_aigc_results_images_are_tiled_into_one_mono8_image():
    imgs = [{"height": 2, "width": 3, "encoding": "mono8", "step": 3,
             "data": np.arange(6, dtype=np.uint8) + 10 * k} for k in range(2)]
    ok = TYPES.make("AigcResult", header={"stamp": MessageTypes.stamp(12.5)}, status=0,
                    es_id="es3", defect_class="crack", images=imgs)
    img = FoxgloveView.image(ok)
    assert (img["height"], img["width"], img["step"], img["encoding"]) == (2, 6, 6, "mono8")
    assert img["data"].reshape(2, 6).tolist() == [[0, 1, 2, 10, 11, 12], [3, 4, 5, 13, 14, 15]]
    msg = TYPES.make("sensor_msgs/msg/Image", **img)
    assert MessageTypes.seconds(msg.header.stamp) == 12.5 and msg.header.frame_id == "es3/crack"
    assert FoxgloveView.image(TYPES.make("AigcResult", status=1, images=imgs)) is None
    assert FoxgloveView.image(TYPES.make("AigcResult", status=0)) is None


# ---------------------------------------------------------------------- into the bag
def test_scenes_on_a_sim_time_grid_and_images_go_into_the_bag(tmp_path):
    path = tmp_path / "bag"
    with BagRecorder(path) as bag:
        view = FoxgloveView(SCENARIO, FoxgloveViewConfig(record_period_s=2.0),
                            record=bag.write)
        st = {"agv1": status("agv1", 0.0, DRIVING, stop=0, arrival=40.0)}
        for t in (0.0, 3.0, 10.0):                   # the demo's loop, sim time moving on
            view.update(t, st, {"es1": es_state("es1", t, 20.0)})
        result = TYPES.make("AigcResult", header={"stamp": MessageTypes.stamp(9.0)}, status=0,
                            images=[{"height": 1, "width": 2, "encoding": "mono8", "step": 2,
                                     "data": [1, 2]}])
        view.on_message("/es1/aigc/results", result, 9_000_000_000,
                        TYPES.encode("AigcResult", result))
    assert view.recorded == 6
    reader = BagReader(path)
    info = reader.info()
    assert info["topics"][SCENE_TOPIC] == {"type": SCENE_TYPE, "messages": 6}
    assert info["topics"][IMAGE_TOPIC] == {"type": "sensor_msgs/msg/Image", "messages": 1}
    scenes = list(reader.messages((SCENE_TOPIC,)))
    assert [t for _, t, _ in scenes] == [k * 2_000_000_000 for k in range(6)]
    at_10 = {m.ns: m for m in scenes[-1][2].markers if m.id == 0 and m.ns}
    assert (at_10["agv/agv1"].pose.position.x,
            at_10["agv/agv1"].pose.position.y) == (-50.0, -100.0)
    assert {f"es/{e.id}" for e in SCENARIO.edge_servers} <= set(at_10)
    reader.close()


# ---------------------------------------------------------------------- the server
def _connect(url):
    from websockets.sync.client import connect
    return connect(url, subprotocols=SUBPROTOCOLS, open_timeout=10)


def _advertised(ws):
    """serverInfo, then the channels of the advertise messages, by topic."""
    info = json.loads(ws.recv(timeout=10))
    channels = {}
    while not {SCENE_TOPIC, "/fleet/plots", "/es1/state"} <= set(channels):
        msg = json.loads(ws.recv(timeout=10))
        if msg["op"] == "advertise":
            channels.update({c["topic"]: c for c in msg["channels"]})
    return info, channels


def _messages(ws, wanted, deadline_s=15.0):
    """{subscription id: payload} of the first message data (opcode 1) of each wanted id."""
    got = {}
    deadline = time.monotonic() + deadline_s
    while set(got) != set(wanted):
        msg = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(msg, bytes) and msg[0] == 1:
            sub, _ = struct.unpack_from("<IQ", msg, 1)
            got.setdefault(sub, msg[13:])
    return got


def test_the_server_advertises_the_scene_plots_and_graph_topics_and_streams_them():
    view = FoxgloveView(SCENARIO, FoxgloveViewConfig(port=0, period_s=0.01)).start()
    stop = threading.Event()
    state = es_state("es1", 5.0, 150.0, capacity=150.0)
    raw = TYPES.encode("EdgeServerState", state)

    def publish():          # the demo's loop and its subscriber, until the client has its fill
        while not stop.is_set():
            view.update(5.0, {}, {"es1": state})
            view.on_message("/es1/state", state, 5_000_000_000, raw)
            stop.wait(0.02)

    thread = threading.Thread(target=publish, daemon=True)
    try:
        with _connect(view.url) as ws:
            assert ws.subprotocol in SUBPROTOCOLS
            info, channels = _advertised(ws)
            assert info["op"] == "serverInfo" and "time" in info["capabilities"]
            scene = channels[SCENE_TOPIC]
            assert (scene["encoding"], scene["schemaEncoding"], scene["schemaName"]) == \
                ("cdr", "ros2msg", SCENE_TYPE)
            assert "visualization_msgs/Marker[] markers" in scene["schema"]
            plots = channels["/fleet/plots"]
            assert (plots["encoding"], plots["schemaEncoding"]) == ("json", "jsonschema")
            assert "edge_servers" in json.loads(plots["schema"])["properties"]
            assert channels["/es1/state"]["schemaName"] == "offload_interfaces/msg/EdgeServerState"
            assert {f"/{a.id}/status" for a in SCENARIO.agvs} | {IMAGE_TOPIC, "/clock"} <= \
                set(channels)
            ws.send(json.dumps({"op": "subscribe", "subscriptions": [
                {"id": 1, "channelId": scene["id"]},
                {"id": 2, "channelId": channels["/es1/state"]["id"]},
                {"id": 3, "channelId": plots["id"]}]}))
            thread.start()
            got = _messages(ws, (1, 2, 3))
            update = TYPES.decode(SCENE_TYPE, got[1])
            boxes = {m.ns: m for m in update.markers if m.ns.startswith("es/") and m.id == 0}
            assert set(boxes) == {f"es/{e.id}" for e in SCENARIO.edge_servers}
            assert boxes["es/es1"].color.r > 5 * boxes["es/es1"].color.g   # full: red
            assert got[2] == raw                       # the graph's CDR bytes, as sent
            assert json.loads(got[3])["edge_servers"]["es1"]["backlog_share"] == 1.0
            stop.set()
            thread.join(10)
            view.stop()
            from websockets.exceptions import ConnectionClosed
            with pytest.raises(ConnectionClosed):     # the server went away with stop()
                while True:
                    ws.recv(timeout=10)
    finally:
        stop.set()
        view.stop()
    view.update(6.0, {}, {})                          # stopped: nothing happens, no error
    with pytest.raises(TransportError, match="stopped"):
        view.start()


def test_a_port_in_use_is_a_transport_error():
    with FoxgloveView(SCENARIO, FoxgloveViewConfig(port=0)) as first, \
            pytest.raises(TransportError, match="cannot serve Foxglove"):
        FoxgloveView(SCENARIO, FoxgloveViewConfig(port=first.server.port)).start()
    with pytest.raises(TransportError):
        FoxgloveViewConfig(port=70000)


# ---------------------------------------------------------------------- in the demo
def test_the_demo_feeds_the_view_what_it_observes_and_stops_it(tmp_path):
    from offload_ros.transport.fleet_demo import FleetDemo, FleetDemoConfig
    port = FleetDemo._free_port()
    demo = FleetDemo(SCENARIOS / "factory_5agv.yaml",
                     FleetDemoConfig(foxglove=port, out=str(tmp_path), policy="greedy"))
    demo.bag = BagRecorder(tmp_path / "bag", demo.types)
    try:
        demo._start_view()
        assert demo.view.server.port == port and demo.view_url == f"ws://127.0.0.1:{port}"
        assert demo.view.record == demo.bag.write               # its scenes go into the bag
        seen = []
        demo.view.on_message = lambda topic, *rest: seen.append((topic, rest[1]))
        state = es_state("es2", 3.0, 40.0)
        data = TYPES.encode("EdgeServerState", state)
        demo._on_sample(SimpleNamespace(key_expr="offload/es2/state",
                                        payload=SimpleNamespace(to_bytes=lambda: data)))
        # what the live table reads, the view is handed too, with the stamp the bag gets
        assert demo.monitor.states["es2"].backlog_kb == 40.0
        assert seen == [("/es2/state", 3_000_000_000)]
        view = demo.view
        demo._stop_view()
        assert demo.view is None and view.server is None
        demo._on_sample(SimpleNamespace(key_expr="offload/es2/state",
                                        payload=SimpleNamespace(to_bytes=lambda: data)))
        assert len(seen) == 1                                    # stopped: no longer fed
    finally:
        demo._stop_view()
        demo.bag.close()


def test_foxglove_is_imported_only_when_the_view_starts():
    code = ("import sys; import offload_ros.transport.fleet_demo; "
            "import offload_ros.transport.foxglove_view; "
            "assert 'foxglove' not in sys.modules, 'imported foxglove'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_the_shipped_layout_shows_only_what_the_view_serves():
    layout = json.loads((ROOT / "config" / "foxglove" / "fleet_layout.json").read_text())
    panels = layout["configById"]
    served = {t for t, _ in FoxgloveView(SCENARIO).topics()}
    three_d = [c for k, c in panels.items() if k.startswith("3D!")]
    assert [sorted(c["topics"]) for c in three_d] == [[SCENE_TOPIC]]
    assert all(v["visible"] for c in three_d for v in c["topics"].values())
    assert [c["imageMode"]["imageTopic"] for k, c in panels.items()
            if k.startswith("Image!")] == [IMAGE_TOPIC]
    plots = {k: c for k, c in panels.items() if k.startswith("Plot!")}
    assert len(plots) == 4                            # backlog, processed, waits, AIGC latency
    for c in plots.values():
        assert c["paths"] and all(p["enabled"] for p in c["paths"])
        for p in c["paths"]:
            topic, _, fieldname = p["value"].rpartition(".")
            spec = TYPES.typestore.fielddefs[dict(FoxgloveView(SCENARIO).topics())[topic]]
            assert topic in served and fieldname in [f for f, _ in spec[1]], p["value"]

    def leaves(node):
        return [node] if isinstance(node, str) else leaves(node["first"]) + \
            leaves(node["second"])
    assert sorted(leaves(layout["layout"])) == sorted(panels)


def test_a_bad_port_fails_before_any_node_starts(tmp_path):
    from offload_ros.transport.fleet_demo import FleetDemo, FleetDemoConfig
    with pytest.raises(TransportError, match="foxglove"):
        FleetDemo(SCENARIOS / "factory_5agv.yaml",
                  FleetDemoConfig(foxglove=-1, out=str(tmp_path), policy="greedy"))
    assert not (tmp_path / "logs").exists()

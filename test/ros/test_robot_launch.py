"""The robot-side launch files under launch_pytest, on real time (their default): one robot
(agv.launch.py) with one edge box (edge.launch.py) in kinematic mode; a robot in Nav2 mode
driven through whole routes by a NavigateToPose action server double (``Nav2Double``, a test
node playing Nav2 in the robot's namespace); and record.launch.py writing a bag that
``offload-ros bag info`` reads. Every wait is on a message or an event, with a timeout."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test.ros.conftest import DATA, skip_without_ros

skip_without_ros()

import launch_pytest  # noqa: E402
from ament_index_python.packages import get_package_share_directory  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402

from offload_ros.model.scenario import Scenario  # noqa: E402

SHARE = Path(get_package_share_directory("offload_ros"))


def include(name: str, **arguments: str) -> IncludeLaunchDescription:
    return IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(SHARE / "launch" / name)),
        launch_arguments=arguments.items())


def conserved(status) -> bool:
    left = status.loaded_kb - status.delivered_kb - status.remaining_kb - status.in_doubt_kb
    return abs(left) < 1e-6 * max(1.0, status.loaded_kb)


# ---------------------------------------------------------------- one robot, one edge box
ONE = str(DATA / "one_robot.yaml")


@launch_pytest.fixture
def robot_and_box():
    return LaunchDescription([
        include("edge.launch.py", es_id="es1", scenario=ONE, aigc="false"),
        include("agv.launch.py", agv_id="agv1", scenario=ONE, mode="kinematic",
                policy="balanced"),
        launch_pytest.actions.ReadyToTest()])


@pytest.mark.launch(fixture=robot_and_box)
def test_one_robot_and_one_edge_box_in_real_time(graph):
    from offload_interfaces.msg import AgvStatus, EdgeServerState
    graph.listen("/agv1/status", AgvStatus)
    graph.listen("/es1/state", EdgeServerState)
    status = graph.wait("/agv1/status", lambda m: m.cycle >= 3, timeout=120)
    assert status is not None, "agv1 did not complete 3 cycles in real time"
    assert status.header.stamp.sec > 1_000_000_000, "real time is the robots' clock"
    assert conserved(status) and status.fallbacks == 0 and status.retries == 0
    load = Scenario.load(ONE).agvs[0].load_kb
    assert status.delivered_kb >= 3 * load - 1e-6        # every cycle hands over its load
    state = graph.wait("/es1/state", lambda m: "agv1" in m.agv_ids and
                       m.agv_admitted_kb[list(m.agv_ids).index("agv1")] >= 3 * load - 1e-6,
                       timeout=30)
    assert state is not None, "es1 never reported agv1's deliveries"
    assert abs(state.admitted_kb - state.processed_kb - state.backlog_kb) < 1e-6
    yield


# ---------------------------------------------------------------- Nav2 mode
TWO = str(DATA / "two_stops.yaml")


class Nav2Double:
    """NavigateToPose in ``/<namespace>``: accepts every goal, records it, and succeeds
    after ``delay_s`` of wall time (Nav2 driving the robot there)."""

    def __init__(self, graph, namespace: str, delay_s: float = 0.1) -> None:
        from nav2_msgs.action import NavigateToPose
        from rclpy.action import ActionServer
        self.goals: list[tuple[float, float]] = []
        self.delay_s = delay_s
        self.graph = graph
        self.server = ActionServer(graph.node, NavigateToPose,
                                   f"/{namespace}/navigate_to_pose", self.execute)

    def execute(self, goal_handle):
        from nav2_msgs.action import NavigateToPose
        p = goal_handle.request.pose.pose.position
        self.goals.append((p.x, p.y))
        threading.Event().wait(self.delay_s)
        if self.graph.context.ok():          # not while the test is tearing down
            goal_handle.succeed()
        return NavigateToPose.Result()


@launch_pytest.fixture
def nav2_robot():
    return LaunchDescription([
        include("edge.launch.py", es_id="es1", scenario=TWO, aigc="false"),
        include("edge.launch.py", es_id="es2", scenario=TWO, aigc="false"),
        include("agv.launch.py", agv_id="agv1", scenario=TWO, mode="nav2",
                policy="balanced", nav2_navigator=""),
        launch_pytest.actions.ReadyToTest()])


@pytest.mark.launch(fixture=nav2_robot)
def test_nav2_mode_drives_whole_routes_through_navigate_to_pose(graph):
    from offload_interfaces.msg import AgvStatus
    double = Nav2Double(graph, "agv1")
    graph.listen("/agv1/status", AgvStatus)
    status = graph.wait("/agv1/status", lambda m: m.cycle >= 3, timeout=120)
    assert status is not None, f"agv1 completed no 3 cycles (goals: {double.goals[:8]})"
    sc = Scenario.load(TWO)
    route = [tuple(sc.edge_servers[sc.es_index(e)].position) for e in sc.agvs[0].route]
    lap = route + [tuple(sc.agvs[0].start)]
    assert double.goals[:3 * len(lap)] == lap * 3      # stop after stop, then back home
    assert conserved(status) and status.fallbacks == 0
    assert status.decisions >= 3                         # es1 is a decision stop each lap
    assert status.delivered_kb >= 3 * sc.agvs[0].load_kb - 1e-6
    names = graph.node.get_node_names_and_namespaces()
    assert ("agv", "/agv1") in names and ("agv1_navigator", "/agv1") in names
    assert names.count(("agv", "/agv1")) == 1
    yield


# ---------------------------------------------------------------- record.launch.py
@pytest.fixture
def bag_path(tmp_path):
    return tmp_path / "bag"


@launch_pytest.fixture
def recorder(bag_path):
    return LaunchDescription([include("record.launch.py", bag=str(bag_path)),
                              launch_pytest.actions.ReadyToTest()])


@pytest.mark.launch(fixture=recorder)
def test_record_launch_writes_a_bag_offload_ros_reads(graph, bag_path):
    from offload_interfaces.msg import AgvStatus
    from offload_ros.bag.message_types import MessageTypes
    from offload_ros.ros.message_bridge import MessageBridge
    bridge = MessageBridge()
    pub = graph.node.create_publisher(AgvStatus, "/agv1/status",
                                      MessageBridge.qos("/agv1/status"))
    sub_ready = threading.Event()
    for _ in range(200):                    # until the recorder subscribed (event, bounded)
        if pub.get_subscription_count() > 0:
            sub_ready.set()
            break
        sub_ready.wait(0.1)
    assert sub_ready.is_set(), "ros2 bag record never subscribed to /agv1/status"
    for k in range(5):
        pub.publish(bridge.to_ros(MessageTypes.default().make(
            "AgvStatus", agv_id="agv1", cycle=k, header={"stamp": MessageTypes.stamp(k)}),
            AgvStatus))
    yield
    info = subprocess.run([sys.executable, "-m", "offload_ros.cli", "bag", "info",
                           str(bag_path), "--json"], capture_output=True, text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    topics = json.loads(info.stdout)["topics"]
    assert topics["/agv1/status"]["messages"] == 5


# ---------------------------------------------------------------- AIGC placement on robots
PLACING = str(DATA / "placing_robots.yaml")


@launch_pytest.fixture
def placing_fleet():
    origin = time.time() + 20.0     # the fleet's run time starts here, on every node
    shared = {"scenario": PLACING, "time_origin_s": repr(origin)}
    return LaunchDescription([
        *(include("edge.launch.py", es_id=es, aigc_placement="true", **shared)
          for es in ("es1", "es2")),
        *(include("agv.launch.py", agv_id=agv, mode="kinematic", policy="balanced",
                  aigc_policy="greedy", **shared) for agv in ("agv1", "agv2")),
        launch_pytest.actions.ReadyToTest()])


@pytest.mark.launch(fixture=placing_fleet)
def test_robots_place_aigc_tasks_that_the_edge_boxes_generate_on_real_time(graph):
    """Placement on robots: real time from a shared origin, each task placed through the
    robot's policy node on an edge box whose diffusion model makes all its images (aigc_compute
    auto); every task of the AIGC episode gets exactly one result, within its deadline."""
    from offload_interfaces.msg import AigcEdgeState, AigcResult
    from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
    sc = Scenario.load(PLACING)
    tasks = {}
    for agv in sc.agvs:
        tasks.update(AigcPlacer(sc, agv.id, AigcPlacerConfig(aigc_placement=True)).ids)
    for es in ("es1", "es2"):
        graph.listen(f"/{es}/aigc/results", AigcResult)
        graph.listen(f"/{es}/aigc/state", AigcEdgeState)
    topics = ("/es1/aigc/results", "/es2/aigc/results")
    end = time.monotonic() + 240.0
    with graph.cond:
        while time.monotonic() < end:
            seen = [m for t in topics for m in graph.seen[t]]
            if {m.task_id for m in seen} >= set(tasks):
                break
            graph.cond.wait(1.0)
    seen = [m for t in topics for m in graph.seen[t]]
    assert sorted(m.task_id for m in seen) == sorted(tasks), \
        f"results for {sorted(m.task_id for m in seen)} of {sorted(tasks)}"
    for m in seen:
        task = tasks[m.task_id]
        assert m.status == 0, f"{m.task_id}: {m.status} {m.reason}"
        assert len(m.images) == task.images and m.images[0].height == 32
        stamp = m.header.stamp.sec + m.header.stamp.nanosec * 1e-9
        assert task.arrival_s < stamp < 1e6, "stamped on the fleet's run time"
        assert m.latency_s == pytest.approx(stamp - task.arrival_s, abs=1e-3)
        assert 0 < m.latency_s <= task.deadline_s
    assert any(graph.seen[f"/{es}/aigc/state"] for es in ("es1", "es2"))
    yield

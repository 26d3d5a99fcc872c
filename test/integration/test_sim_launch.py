"""launch_pytest test of launch/sim.launch.py: a whole fleet on ROS 2 (Jazzy), asserting on
the messages it publishes. Needs a sourced ROS 2 with offload_ros and offload_interfaces built
by colcon; skips cleanly where rclpy or launch_pytest is missing (CI)."""

from __future__ import annotations

import threading

import pytest

rclpy = pytest.importorskip("rclpy", reason="ROS 2 is not sourced (no rclpy)")
launch_pytest = pytest.importorskip("launch_pytest", reason="launch_pytest is not installed")
pytest.importorskip("offload_interfaces", reason="offload_interfaces is not built")

from launch import LaunchDescription  # noqa: E402
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402

from test.conftest import ROOT, SCENARIOS  # noqa: E402


@launch_pytest.fixture
def launch_description():
    sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(ROOT / "launch" / "sim.launch.py")),
        launch_arguments={"scenario": str(SCENARIOS / "factory_5agv.yaml"),
                          "policy": "balanced", "time_scale": "60.0", "horizon_s": "600",
                          "aigc": "false"}.items())
    return LaunchDescription([sim, launch_pytest.actions.ReadyToTest()])


def _wait_for(topic: str, msg_type, predicate, timeout: float):
    """Subscribe with the topic's QoS and wait (an event, not a sleep) for a message."""
    from rclpy.executors import SingleThreadedExecutor
    from offload_ros.ros.message_bridge import MessageBridge
    rclpy.init()
    node = rclpy.create_node("offload_launch_test")
    got = threading.Event()
    seen = []

    def on_message(msg):
        seen.append(msg)
        if predicate(msg):
            got.set()

    node.create_subscription(msg_type, topic, on_message, MessageBridge.qos(topic))
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin_until_future_complete(_future_of(got), timeout_sec=timeout)
    finally:
        node.destroy_node()
        rclpy.shutdown()
    return got.is_set(), seen


def _future_of(event: threading.Event):
    from rclpy.task import Future
    future = Future()
    threading.Thread(target=lambda: (event.wait(), future.set_result(True)),
                     daemon=True).start()
    return future


@pytest.mark.launch(fixture=launch_description)
def test_agvs_drive_cycles_and_servers_process():
    from offload_interfaces.msg import AgvStatus, EdgeServerState
    ok, seen = _wait_for("/agv5/status", AgvStatus, lambda m: m.cycle >= 1, timeout=120)
    assert ok, f"agv5 completed no cycle ({len(seen)} statuses)"
    ok, seen = _wait_for("/es1/state", EdgeServerState, lambda m: m.processed_kb > 0,
                         timeout=60)
    assert ok, "es1 processed nothing"
    last = seen[-1]
    assert last.admitted_kb == pytest.approx(last.processed_kb + last.backlog_kb)
    yield

"""Tests that need a ROS 2 (Jazzy) environment: a sourced ROS with offload_ros and
offload_interfaces built by colcon (README, "Tests under ROS 2"). Where that is missing (CI)
every module here skips with a message naming what is missing (``skip_without_ros``)."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from test.conftest import DATA, ROOT, SCENARIOS  # noqa: F401 - re-exported for the tests


def missing() -> str:
    """What this environment lacks to run the ROS tests ('' when nothing)."""
    lacks = [name for name in ("rclpy", "launch", "launch_ros", "launch_pytest",
                               "offload_interfaces", "nav2_msgs", "nav2_simple_commander")
             if importlib.util.find_spec(name) is None]
    if shutil.which("ros2") is None:
        lacks.append("the ros2 command")
    if not lacks:
        from ament_index_python.packages import PackageNotFoundError, get_package_prefix
        try:
            get_package_prefix("offload_ros")
        except PackageNotFoundError:
            lacks.append("offload_ros in the ament index (colcon build, then source "
                         "install/setup.bash)")
    return ", ".join(lacks)


MISSING = missing()
# DDS stays on this machine, and the tests' graph in a domain of its own (this process, the
# nodes it launches and the ros2 commands it runs all share it)
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ.setdefault("ROS_DOMAIN_ID", str(40 + os.getpid() % 150))


def skip_without_ros() -> None:
    """Skip the calling test module (at import) where ROS 2 is missing, saying what."""
    if MISSING:
        pytest.skip(f"ROS 2 tests need a sourced ROS 2 Jazzy; missing: {MISSING}",
                    allow_module_level=True)


@pytest.fixture
def ros_env(tmp_path):
    """The environment for ros2 commands (the tests' domain, on loopback)."""
    return dict(os.environ, MPLBACKEND="Agg", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1",
                ROS_LOG_DIR=str(tmp_path / "ros_log"))


class Graph:
    """A test's own rclpy context and node, spun in a thread: subscribe to topics and wait
    (on a condition, with a timeout) for a message that satisfies a predicate; call
    services."""

    def __init__(self, name: str = "offload_test") -> None:
        import threading

        import rclpy
        from rclpy.executors import MultiThreadedExecutor
        self.context = rclpy.Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = MultiThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.cond = threading.Condition()
        self.seen: dict[str, list] = {}
        self.thread = threading.Thread(target=self._spin, daemon=True)
        self.thread.start()

    def _spin(self) -> None:
        while self.context.ok():
            try:
                self.executor.spin_once(timeout_sec=0.05)
            except Exception:  # noqa: BLE001 - shutting down
                return

    def listen(self, topic: str, msg_type) -> None:
        from offload_ros.ros.message_bridge import MessageBridge

        def on_message(msg) -> None:
            with self.cond:
                self.seen.setdefault(topic, []).append(msg)
                self.cond.notify_all()
        self.seen.setdefault(topic, [])
        self.node.create_subscription(msg_type, topic, on_message, MessageBridge.qos(topic))

    def wait(self, topic: str, predicate, timeout: float):
        """The first message on ``topic`` satisfying ``predicate`` (None on timeout)."""
        import time
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for msg in self.seen.get(topic, []):
                    if predicate(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def call(self, srv_type, name: str, request, timeout: float = 10.0):
        import threading
        client = self.node.create_client(srv_type, name)
        if not client.wait_for_service(timeout_sec=timeout):
            return None
        done = threading.Event()
        future = client.call_async(request)
        future.add_done_callback(lambda _: done.set())
        return future.result() if done.wait(timeout) else None

    def close(self) -> None:
        self.context.try_shutdown()
        self.thread.join(timeout=2.0)
        self.node.destroy_node()


@pytest.fixture
def graph():
    g = Graph()
    yield g
    g.close()

"""What the rclpy nodes share: parameters declared from a component's dataclass (and the
scenario), a multi-threaded executor spinning in the background, sim time from the node's
clock (``use_sim_time`` follows /clock), typed publishers and blocking service calls."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any, Callable

import rclpy
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node

from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.ros.message_bridge import MessageBridge


class RosShell(Node):
    """A node with a scenario, a bridge, and a background executor."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.group = ReentrantCallbackGroup()
        self.bridge = MessageBridge()
        self.declare_parameter("scenario", str(PackagePaths.default_scenario()))
        self.declare_parameter("horizon_s", 0.0)
        sc = Scenario.load(Path(self.get_parameter("scenario").value))
        horizon = self.get_parameter("horizon_s").value
        self.scenario = dataclasses.replace(sc, horizon_s=horizon) if horizon > 0 else sc
        self.pubs: dict[str, Any] = {}
        self.executor_thread: threading.Thread | None = None

    def config(self, cls: type) -> Any:
        """An instance of ``cls`` from ROS parameters named after its fields."""
        schema = ConfigSchema(cls)
        values = {}
        for name, default in schema.defaults().items():
            if not self.has_parameter(name):
                self.declare_parameter(name, default)
            values[name] = self.get_parameter(name).value
        return cls(**values)

    def now_s(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def publish(self, topic: str, typename: str, message: Any) -> None:
        pub = self.pubs.get(topic)
        if pub is None:
            pub = self.create_publisher(self.bridge.ros_type(typename.rsplit("/", 1)[-1]),
                                        topic, MessageBridge.qos(topic))
            self.pubs[topic] = pub
        pub.publish(self.bridge.to_ros(message, pub.msg_type))

    def subscribe(self, topic: str, typename: str, callback: Callable[[Any], None]) -> None:
        def on_message(msg: Any) -> None:
            try:
                callback(self.bridge.from_ros(msg, typename))
            except Exception as err:  # noqa: BLE001 - log and drop, keep serving
                self.get_logger().warning(f"dropped a {typename} on {topic}: {err}")
        self.create_subscription(self.bridge.ros_type(typename), topic, on_message,
                                 MessageBridge.qos(topic), callback_group=self.group)

    def call(self, client: Any, typename: str, request: Any, timeout: float) -> Any | None:
        """A blocking call with a timeout (the executor spins in its own thread)."""
        if not client.service_is_ready():
            client.wait_for_service(timeout_sec=timeout)
            if not client.service_is_ready():
                return None
        done = threading.Event()
        future = client.call_async(self.bridge.to_ros(request, client.srv_type.Request))
        future.add_done_callback(lambda _: done.set())
        if not done.wait(timeout):
            future.cancel()
            return None
        return self.bridge.from_ros(future.result(), typename + "_Response")

    def spin_in_background(self) -> None:
        executor = MultiThreadedExecutor()
        executor.add_node(self)
        self.executor_thread = threading.Thread(target=executor.spin, daemon=True)
        self.executor_thread.start()

    @staticmethod
    def main(factory: Callable[[], "RosShell"], loop: bool = True) -> int:
        rclpy.init()
        node = factory()
        try:
            if loop:
                node.spin_in_background()
                node.run()
            else:
                rclpy.spin(node, MultiThreadedExecutor())
        except KeyboardInterrupt:
            pass
        finally:
            node.destroy_node()
            if rclpy.ok():
                rclpy.shutdown()
        return 0

    def run(self) -> None:  # pragma: no cover - overridden by looping nodes
        raise NotImplementedError

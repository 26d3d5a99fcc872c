"""What the rclpy nodes share: parameters declared from a component's dataclass (and the
scenario), the run's time (sim time from /clock, or real time on robots), a multi-threaded
executor spinning in the background that no callback can starve or end, typed publishers,
subscriptions and services whose callbacks log and drop what they cannot handle, blocking
service calls, and a clean exit (code 0) on SIGINT and SIGTERM.

Time. With ``use_sim_time`` (sim.launch.py) node time follows /clock from 0 and the run ends
at the scenario's horizon. Without it (the default of agv.launch.py and edge.launch.py, for
robots) node time is the ROS clock the robots share (system time, NTP-synchronised) less
``time_origin_s`` (0: the clock itself; AIGC placement needs the same instant on every
node), an AGV's schedule starts when its node starts, and the horizon means "until
stopped"."""

from __future__ import annotations

import dataclasses
import math
import signal
import sys
import threading
from typing import Any, Callable

import rclpy
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.node import Node

from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.ros.message_bridge import MessageBridge
from offload_ros.runtime.errors import NodeError


class RosShell(Node):
    """A node with a scenario, a bridge, and a background executor."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.group = ReentrantCallbackGroup()
        self.bridge = MessageBridge()
        self.declare_parameter("scenario", str(PackagePaths.default_scenario()))
        self.declare_parameter("horizon_s", 0.0)
        self.declare_parameter("time_origin_s", 0.0)
        self.sim_time = bool(self.get_parameter("use_sim_time").value)
        #: real time: the run's time is the ROS clock less this (Unix seconds; 0: the clock)
        self.origin = 0.0 if self.sim_time else float(
            self.get_parameter("time_origin_s").value)
        sc = Scenario.load(PackagePaths.find_scenario(self.get_parameter("scenario").value))
        horizon = float(self.get_parameter("horizon_s").value)
        self.scenario = dataclasses.replace(sc, horizon_s=horizon) if horizon > 0 else sc
        # real time: the run goes on until it is stopped
        self.horizon = self.scenario.horizon_s if self.sim_time else math.inf
        self.pubs: dict[str, Any] = {}
        # made here, before the node says it is ready (a signal may come at once after)
        self.spinner = MultiThreadedExecutor(num_threads=self.threads(), context=self.context)
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
        """The run's time: sim time, or the ROS clock less ``time_origin_s``."""
        return self.get_clock().now().nanoseconds * 1e-9 - self.origin

    def placement_time(self) -> None:
        """AIGC placement counts epochs from one instant on every node: under sim time 0,
        on real time ``time_origin_s``, which must then be set (the same on every node)."""
        if not self.sim_time and self.origin <= 0.0:
            raise NodeError("time_origin_s: AIGC placement on real time needs the instant "
                            "(Unix seconds) every node of the fleet counts its epochs from, "
                            "the same on each (e.g. the shift's start)")

    def started(self) -> bool:
        """Sim time has begun (/clock heard); always true in real time."""
        return not self.sim_time or self.now_s() > 0.0

    # ------------------------------------------------------------------ messages
    def publisher(self, topic: str, typename: str) -> Any:
        """The topic's publisher (made once, with the topic table's QoS)."""
        pub = self.pubs.get(topic)
        if pub is None:
            pub = self.create_publisher(self.bridge.ros_type(typename.rsplit("/", 1)[-1]),
                                        topic, MessageBridge.qos(topic))
            self.pubs[topic] = pub
        return pub

    def publish(self, topic: str, typename: str, message: Any) -> None:
        pub = self.publisher(topic, typename)
        pub.publish(self.bridge.to_ros(message, pub.msg_type))

    def subscribe(self, topic: str, typename: str, callback: Callable[[Any], None]) -> None:
        """``callback`` gets the runtime's message; a message it cannot take is logged and
        dropped (the node keeps serving)."""
        def on_message(msg: Any) -> None:
            try:
                callback(self.bridge.from_ros(msg, typename))
            except Exception as err:  # noqa: BLE001 - log and drop, keep serving
                self.get_logger().warning(f"dropped a {typename} on {topic}: {err}")
        self.create_subscription(self.bridge.ros_type(typename), topic, on_message,
                                 MessageBridge.qos(topic), callback_group=self.group)

    def serve(self, typename: str, name: str, handler: Callable[[Any], Any],
              refusal: Callable[[str], Any]) -> None:
        """A service whose ``handler`` maps the runtime's request to its response; if it
        raises, the error is logged and ``refusal(reason)`` answers instead."""
        def on_request(ros_request: Any, ros_response: Any) -> Any:
            try:
                answer = handler(self.bridge.from_ros(ros_request, typename + "_Request"))
            except Exception as err:  # noqa: BLE001 - answer, log, keep serving
                self.get_logger().error(f"{name}: could not handle a request: {err}")
                answer = refusal(f"the server could not handle the request: {err}")
            return self.bridge.to_ros(answer, type(ros_response))
        self.create_service(self.bridge.ros_type(typename), name, on_request,
                            callback_group=self.group)

    def call(self, client: Any, typename: str, request: Any, timeout: float) -> Any | None:
        """A blocking call with a timeout (the executor spins in its own threads; the
        caller holds no lock a callback needs)."""
        if not client.service_is_ready():
            client.wait_for_service(timeout_sec=timeout)
            if not client.service_is_ready():
                return None
        done = threading.Event()
        future = client.call_async(self.bridge.to_ros(request, client.srv_type.Request))
        future.add_done_callback(lambda _: done.set())
        if not done.wait(timeout):
            client.remove_pending_request(future)
            return None
        return self.bridge.from_ros(future.result(), typename + "_Response")

    # ------------------------------------------------------------------ executor
    def threads(self) -> int:
        """Executor threads: one per callback that may wait (an edge server holds an offer
        per AGV while an earlier AGV's offer is due), plus room for the rest."""
        return len(self.scenario.agvs) + 4

    def spin_in_background(self) -> None:
        self.spinner.add_node(self)
        self.executor_thread = threading.Thread(target=self._spin, daemon=True,
                                                name=f"{self.get_name()}-executor")
        self.executor_thread.start()

    def _spin(self) -> None:
        while self.context.ok():
            try:
                self.spinner.spin_once(timeout_sec=0.1)
            except ExternalShutdownException:
                return
            except Exception as err:  # noqa: BLE001 - a callback's bug must not end spinning
                if not self.context.ok():
                    return
                self.get_logger().error(f"callback failed: {err!r}")

    def run(self) -> int | None:
        """The node's own loop (until the context shuts down; returns the exit code); the
        default only waits."""
        idle = threading.Event()
        while self.context.ok():
            idle.wait(0.1)

    def close(self) -> None:
        """Release what the node holds (journals, workers) before it is destroyed."""

    def stop(self) -> None:
        """End in order: no new callbacks (the context shuts down), the spinning thread and
        the executor's running callbacks finish, then the node's own :meth:`close`, then the
        node."""
        self.shutdown_context(self.context)
        if self.executor_thread is not None and self.executor_thread.ident is not None:
            self.executor_thread.join(timeout=5.0)
        self.spinner.shutdown(timeout_sec=5.0)
        self.close()
        self.destroy_node()

    @staticmethod
    def shutdown_context(context: Any) -> None:
        """Shut ``context`` down unless it is already (rclpy's signal handler may be doing
        it at the same moment: then it says it was called twice, which is what we want)."""
        try:
            context.try_shutdown()
        except Exception:  # noqa: BLE001 - rclpy's RCLError "rcl_shutdown already called"
            if context.ok():
                raise

    # ------------------------------------------------------------------ main
    @staticmethod
    def main(factory: Callable[[], "RosShell"]) -> int:
        """Start a node: exit 0 on SIGINT/SIGTERM, 2 with one line on bad parameters.

        rclpy's signal handlers shut the context down, and every loop ends with it. SIGINT
        gets a Python handler that does nothing more (installed first, so rclpy's handler
        calls it after its own): no KeyboardInterrupt can land half way through a step."""
        signal.signal(signal.SIGINT, lambda *_: None)
        rclpy.init(args=sys.argv)
        node = None
        code = 0
        try:
            node = factory()
            node.spin_in_background()
            code = node.run() or 0
        except (ModelError, NodeError) as err:
            print(f"offload_ros: {err}", file=sys.stderr)
            code = 2
        except ExternalShutdownException:
            pass
        except Exception:
            if node is None or node.context.ok():
                raise
            # a call that raced with the shutdown: the node is stopping anyway
        finally:
            if node is not None:
                node.stop()
            RosShell.shutdown_context(rclpy.get_default_context())
        return code

"""Nav2 for an AGV node: a nav2_simple_commander BasicNavigator as a node of its own name
(``<agv>_navigator``, in the robot's Nav2 namespace as in Nav2's multi-robot bringup), run
in a thread of its own so that its blocking calls never hold up the AGV's loop. The loop
hands it goals (``go``) and collects the outcomes (``poll``)."""

from __future__ import annotations

import queue
import threading
from typing import Any

from rclpy.node import Node
from rclpy.parameter import Parameter


class _OwnArgsNode(Node):
    """A node that ignores the process's global ROS arguments: launch_ros names the AGV's
    node with ``-r __node:=agv``, which would otherwise name every node of the process."""

    def __init__(self, node_name: str, *, namespace: str = "", **kwargs: Any) -> None:
        super().__init__(node_name, namespace=namespace, use_global_arguments=False, **kwargs)


def _navigator_class() -> type:
    from nav2_simple_commander.robot_navigator import BasicNavigator

    class AgvNavigator(BasicNavigator, _OwnArgsNode):
        """BasicNavigator, whose ``Node.__init__`` call lands in :class:`_OwnArgsNode`."""

    return AgvNavigator


class Nav2Driver:
    """Drives one robot through NavigateToPose goals.

    ``navigator``: the lifecycle node to wait for before the first goal ('' = wait only for
    the NavigateToPose action server); ``localizer``: '' or ``robot_localization`` (no
    lifecycle wait), ``amcl`` (its lifecycle, and an initial pose at ``start``) or another
    lifecycle node's name."""

    def __init__(self, agv_id: str, namespace: str, frame: str, start: tuple[float, float], *,
                 navigator: str = "", localizer: str = "", use_sim_time: bool = False) -> None:
        self.agv_id, self.namespace, self.frame, self.start = agv_id, namespace, frame, start
        self.navigator_name, self.localizer = navigator, localizer
        self.use_sim_time = use_sim_time
        self.goals: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.nav: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"{agv_id}-navigator")
        self.thread.start()

    def go(self, goal: tuple[float, float]) -> None:
        self.goals.put(goal)

    def poll(self) -> list[tuple[tuple[float, float], bool, str]]:
        """(goal, reached, outcome) for every goal that ended since the last poll."""
        out = []
        while True:
            try:
                out.append(self.results.get_nowait())
            except queue.Empty:
                return out

    def _pose(self, x: float, y: float) -> Any:
        from geometry_msgs.msg import PoseStamped
        pose = PoseStamped()
        pose.header.frame_id = self.frame
        pose.header.stamp = self.nav.get_clock().now().to_msg()
        pose.pose.position.x, pose.pose.position.y = float(x), float(y)
        pose.pose.orientation.w = 1.0
        return pose

    def _run(self) -> None:
        from nav2_simple_commander.robot_navigator import TaskResult
        self.nav = _navigator_class()(node_name=f"{self.agv_id}_navigator",
                                      namespace=self.namespace)
        self.nav.set_parameters([Parameter("use_sim_time", value=self.use_sim_time)])
        if self.localizer == "amcl":
            self.nav.setInitialPose(self._pose(*self.start))
        if self.navigator_name:
            self.nav.waitUntilNav2Active(navigator=self.navigator_name,
                                         localizer=self.localizer or "robot_localization")
        self.ready.set()
        while not self.stopping.is_set():
            try:
                goal = self.goals.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                if not self.nav.goToPose(self._pose(*goal)):
                    self.results.put((goal, False, "rejected"))
                    continue
                while not self.nav.isTaskComplete():
                    if self.stopping.is_set():
                        self.nav.cancelTask()
                        return
                result = self.nav.getResult()
                self.results.put((goal, result == TaskResult.SUCCEEDED, result.name))
            except Exception as err:  # noqa: BLE001 - report, let the AGV send it again
                if self.stopping.is_set():
                    return
                self.results.put((goal, False, f"error: {err!r}"))

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2.0)
        if self.nav is not None and not self.thread.is_alive():
            self.nav.destroy_node()

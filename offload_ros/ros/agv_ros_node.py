"""``ros2 run offload_ros agv_node --ros-args -p agv_id:=agv1 -p scenario:=…``: an
AgvController as a ROS 2 node. Kinematic mode drives on sim time (``use_sim_time`` with the
sim_clock node); Nav2 mode sends each stop as a Nav2 goal (nav2_simple_commander) and reports
the arrival when Nav2 says it succeeded."""

from __future__ import annotations

import threading
import time
from typing import Any

from offload_ros.runtime.agv_controller import AgvController, AgvControllerConfig
from offload_ros.ros.ros_shell import RosShell


class AgvRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("agv")
        self.declare_parameter("agv_id", "agv1")
        self.declare_parameter("use_policy", True)
        self.declare_parameter("map_frame", "map")
        self.cfg = self.config(AgvControllerConfig)
        agv_id = self.get_parameter("agv_id").value
        self.controller = AgvController(self.scenario, agv_id, self.cfg)
        self.agv_id = agv_id
        self.use_policy = self.get_parameter("use_policy").value
        self.lock = threading.Lock()
        self.decide_client = self.create_client(self.bridge.ros_type("Decide"),
                                                f"/{agv_id}/decide", callback_group=self.group)
        self.offload_clients = {
            e.id: self.create_client(self.bridge.ros_type("Offload"), f"/{e.id}/offload",
                                     callback_group=self.group)
            for e in self.scenario.edge_servers}
        for e in self.scenario.edge_servers:
            self.subscribe(f"/{e.id}/state", "EdgeServerState", self._locked(
                self.controller.on_es_state))
            self.subscribe(f"/{e.id}/pheromones", "Pheromone", self._locked(
                self.controller.on_pheromone))
        self.navigator = None
        if self.cfg.mode == "nav2":
            from nav2_simple_commander.robot_navigator import BasicNavigator
            self.navigator = BasicNavigator(namespace=agv_id)
        self.goal: tuple[float, float] | None = None

    def _locked(self, fn):
        def wrapped(msg: Any) -> None:
            with self.lock:
                fn(msg)
        return wrapped

    # ports ---------------------------------------------------------------------------
    def decide(self, request: Any) -> Any | None:
        if not self.use_policy:
            return None
        return self.call(self.decide_client, "Decide", request, self.cfg.decide_timeout_s)

    def offload(self, es_id: str, request: Any) -> Any | None:
        answer = self.call(self.offload_clients[es_id], "Offload", request,
                           self.cfg.offload_timeout_s)
        if answer is None:
            self.get_logger().warning(f"no answer from {es_id} to {request.request_id}")
        return answer

    # loop ------------------------------------------------------------------------------
    def _drive_nav2(self, now: float) -> None:
        from geometry_msgs.msg import PoseStamped
        from nav2_simple_commander.robot_navigator import TaskResult
        goal = self.controller.goal()
        if goal is not None and goal != self.goal:
            pose = PoseStamped()
            pose.header.frame_id = self.get_parameter("map_frame").value
            pose.header.stamp = self.get_clock().now().to_msg()
            pose.pose.position.x, pose.pose.position.y = float(goal[0]), float(goal[1])
            pose.pose.orientation.w = 1.0
            self.navigator.goToPose(pose)
            self.goal = goal
        elif self.goal is not None and self.navigator.isTaskComplete():
            result = self.navigator.getResult()
            if result == TaskResult.SUCCEEDED:
                self.controller.arrived(now)
                self.goal = None
            else:
                self.get_logger().error(f"Nav2 did not reach {self.goal}: {result}; retrying")
                self.goal = None

    def run(self) -> None:
        if self.navigator is not None:
            self.navigator.waitUntilNav2Active()
        last = 0.0
        while self.context.ok():
            now = self.now_s()
            if now <= 0.0:           # no /clock yet
                time.sleep(0.01)
                continue
            with self.lock:
                did = self.controller.step(now, self)
                for note in self.controller.notes:
                    self.get_logger().warning(note)
                self.controller.notes.clear()
                if self.navigator is not None:
                    self._drive_nav2(now)
                if not did and time.monotonic() - last > self.cfg.status_period_s:
                    self.publish(f"/{self.agv_id}/status", "AgvStatus",
                                 self.controller.status(now))
                    last = time.monotonic()
            time.sleep(0.005)


def main() -> int:
    return RosShell.main(AgvRosNode)

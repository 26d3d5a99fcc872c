"""``ros2 run offload_ros edge_server_node --ros-args -p es_id:=es1``: an EdgeServerNode as a
ROS 2 node: the Offload service, the state and AIGC results, the journal. An offer waits (in
its callback; the executor is multi-threaded) while an AGV due earlier has not offered, as in
the Zenoh shell, so same-instant offers are admitted in rule 5's order."""

from __future__ import annotations

import threading
import time
from typing import Any

from offload_ros.runtime.aigc_runner import AigcRunner
from offload_ros.runtime.edge_server_node import EdgeServerNode, EdgeServerNodeConfig
from offload_ros.ros.ros_shell import RosShell


class EdgeServerRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("edge_server")
        self.declare_parameter("es_id", "es1")
        self.declare_parameter("time_scale", 1.0)
        self.cfg = self.config(EdgeServerNodeConfig)
        self.es_id = self.get_parameter("es_id").value
        self.node = EdgeServerNode(self.scenario, self.es_id, self.cfg)
        self.cond = threading.Condition()
        self.aigc = AigcRunner(self.es_id, self.get_parameter("time_scale").value) \
            if self.cfg.aigc else None
        self.holding = 0       # offers waiting in their callbacks for rule 5's order
        self.create_service(self.bridge.ros_type("Offload"), f"/{self.es_id}/offload",
                            self.on_offload, callback_group=self.group)
        for a in self.scenario.agvs:
            self.subscribe(f"/{a.id}/status", "AgvStatus", self.on_status)

    def on_status(self, status: Any) -> None:
        with self.cond:
            self.node.on_agv_status(status)
            self.cond.notify_all()

    def on_offload(self, ros_request: Any, ros_response: Any) -> Any:
        req = self.bridge.from_ros(ros_request, "Offload_Request")
        deadline = time.monotonic() + self.cfg.order_timeout_s
        with self.cond:
            self.holding += 1
            while self.node.blocked_by(req) and time.monotonic() < deadline:
                self.cond.wait(0.01)
            self.holding -= 1
            answer = self.node.handle_offload(req, self.now_s())
            self.cond.notify_all()
            self.publish(f"/{self.es_id}/state", "EdgeServerState",
                         self.node.state_at(self.node.t))
        if answer.status == 2:
            self.get_logger().warning(f"rejected {req.request_id}: {answer.reason}")
        return self.bridge.to_ros(answer, type(ros_response))

    def run(self) -> None:
        last = 0.0
        while self.context.ok():
            now = self.now_s()
            if now <= 0.0:            # no /clock yet
                time.sleep(0.01)
                continue
            with self.cond:
                note = self.node.housekeep(now, holding=self.holding > 0)
                if note:
                    self.get_logger().info(note)
                inbox, self.node.aigc_inbox = self.node.aigc_inbox, []
                if time.monotonic() - last >= self.cfg.state_period_s:
                    self.publish(f"/{self.es_id}/state", "EdgeServerState",
                                 self.node.state_at(now))
                    last = time.monotonic()
            if self.aigc is not None:
                for task, agv, stamp in inbox:
                    self.aigc.submit(task, agv, stamp)
                for result in self.aigc.poll(now):
                    self.publish(f"/{self.es_id}/aigc/results", "AigcResult", result)
                self.node.aigc_pending = self.aigc.pending()
            time.sleep(0.02)
        if self.aigc is not None:
            self.aigc.stop()
        self.node.close()


def main() -> int:
    return RosShell.main(EdgeServerRosNode)

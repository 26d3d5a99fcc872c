"""``ros2 run offload_ros policy_node --ros-args -p agvs:=[agv1] -p policy:=mcoo``: a
PolicyServer answering ``/<agv>/decide`` (decentralised: one per AGV in sim.launch.py)."""

from __future__ import annotations

from typing import Any

from offload_ros.runtime.policy_server import PolicyServer
from offload_ros.ros.ros_shell import RosShell


class PolicyRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("policy")
        self.declare_parameter("agvs", [""])
        self.declare_parameter("policy", "mcoo")
        agvs = tuple(a for a in self.get_parameter("agvs").value if a)
        self.server = PolicyServer(self.scenario, self.get_parameter("policy").value, agvs)
        for agv in sorted(self.server.serves):
            self.create_service(self.bridge.ros_type("Decide"), f"/{agv}/decide",
                                self.on_decide, callback_group=self.group)

    def on_decide(self, ros_request: Any, ros_response: Any) -> Any:
        answer = self.server.handle_decide(self.bridge.from_ros(ros_request, "Decide_Request"))
        if not answer.ok:
            self.get_logger().warning(f"refused a decision: {answer.reason}")
        return self.bridge.to_ros(answer, type(ros_response))


def main() -> int:
    return RosShell.main(PolicyRosNode, loop=False)

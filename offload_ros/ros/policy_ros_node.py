"""``ros2 run offload_ros policy_node --ros-args -p agvs:=[agv1] -p policy:=mcoo``: a
PolicyServer answering ``/<agv>/decide`` (decentralised: one per AGV in the launch files), and
``/<agv>/decide_aigc`` when ``aigc_policy`` names an AIGC placement policy.
``agvs`` is a string array (a single id as a plain string is taken too); a request the policy
cannot handle is answered ``ok = False`` with the reason and logged. A policy that plans from
the fleet's state (``rollout``) also subscribes to every ``/<agv>/status``, ``/<es>/state``
and ``/<es>/pheromones`` (``runtime/fleet_view.py``) and waits up to ``state_wait_s`` for the
messages of a decision's instant; a message it cannot take is logged and dropped."""

from __future__ import annotations

from typing import Any

from rcl_interfaces.msg import ParameterDescriptor

from offload_ros.ros.ros_shell import RosShell
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.policy_server import PolicyServer, PolicyServerConfig


class PolicyRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("policy")
        self.declare_parameter("agvs", [""], ParameterDescriptor(
            dynamic_typing=True, description="the AGVs this node decides for"))
        self.declare_parameter("policy", "mcoo")
        value = self.get_parameter("agvs").value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) for a in value):
            raise NodeError(f"agvs: expected a list of AGV ids, got {value!r}")
        agvs = tuple(a for a in value if a)
        self.server = PolicyServer(self.scenario, self.get_parameter("policy").value, agvs,
                                   self.config(PolicyServerConfig))
        self.server.warm_up()                  # before its services exist: then it is ready
        if self.server.needs_state:            # rollout: the fleet as the graph tells it
            for a in self.scenario.agvs:
                self.subscribe(f"/{a.id}/status", "AgvStatus", self.server.on_agv_status)
            for e in self.scenario.edge_servers:
                self.subscribe(f"/{e.id}/state", "EdgeServerState", self.server.on_es_state)
                self.subscribe(f"/{e.id}/pheromones", "Pheromone", self.server.on_pheromone)
        for agv in sorted(self.server.serves):
            self.serve("Decide", f"/{agv}/decide", self.on_decide, self.refusal)
        for agv in sorted(self.server.aigc):          # aigc_policy set: AIGC placements too
            self.serve("DecideAigc", f"/{agv}/decide_aigc", self.on_decide_aigc,
                       lambda reason: self.server.types.make(
                           "DecideAigc_Response", ok=False, reason=reason))
        self.get_logger().info(f"policy {self.server.name} ready for "
                               + ", ".join(sorted(self.server.serves)))

    def refusal(self, reason: str) -> Any:
        return self.server.types.make("Decide_Response", ok=False, policy=self.server.name,
                                      reason=reason)

    def on_decide(self, request: Any) -> Any:
        """In an executor thread of its own (the shell's reentrant group): a rollout's wait
        for the messages of its instant does not hold up their callbacks."""
        answer, owed = self.server.answer(request)
        if not answer.ok:
            self.get_logger().warning(f"refused a decision for {request.agv_id}: "
                                      f"{answer.reason}")
        elif owed:
            self.get_logger().warning(
                f"planned {request.agv_id}'s decision at {request.time_s:.2f} s without "
                f"{owed} (after {self.server.config.state_wait_s:.2f} s)")
        return answer

    def on_decide_aigc(self, request: Any) -> Any:
        answer = self.server.answer_aigc(request)
        if not answer.ok:
            self.get_logger().warning(f"refused a placement for {request.agv_id}: "
                                      f"{answer.reason}")
        return answer


def main() -> int:
    return RosShell.main(PolicyRosNode)

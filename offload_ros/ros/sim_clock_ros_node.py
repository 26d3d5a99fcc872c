"""``ros2 run offload_ros sim_clock_node --ros-args -p time_scale:=60.0``: publishes /clock
(rosgraph_msgs/Clock, best effort) at the chosen time scale, from 0."""

from __future__ import annotations

from rosgraph_msgs.msg import Clock

from offload_ros.runtime.sim_clock import SimClock, SimClockConfig
from offload_ros.ros.message_bridge import MessageBridge
from offload_ros.ros.ros_shell import RosShell


class SimClockRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("sim_clock")
        cfg = self.config(SimClockConfig)
        self.clock = SimClock(cfg.time_scale).start()
        self.pub = self.create_publisher(Clock, "/clock", MessageBridge.qos("/clock"))
        self.create_timer(cfg.clock_period_s, self.tick)

    def tick(self) -> None:
        msg = Clock()
        ns = int(self.clock.now() * 1e9)
        msg.clock.sec, msg.clock.nanosec = ns // 1_000_000_000, ns % 1_000_000_000
        self.pub.publish(msg)


def main() -> int:
    return RosShell.main(SimClockRosNode, loop=False)

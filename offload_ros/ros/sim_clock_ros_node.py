"""``ros2 run offload_ros sim_clock_node --ros-args -p time_scale:=60.0 -p report:=out.json``:
the launched fleet's clock and its end. It waits until every AGV and edge server of the
scenario has announced itself (an AGV once its policy and edge servers answer), then publishes
/clock (rosgraph_msgs/Clock, best effort) from 0 at the chosen time scale. After the horizon,
once every node has reported its end, it writes the report (``offload-ros demo --json``'s
shape, plot beside it) and exits; sim.launch.py then shuts the launch down."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rosgraph_msgs.msg import Clock

from offload_ros.ros.message_bridge import MessageBridge
from offload_ros.ros.ros_shell import RosShell
from offload_ros.runtime.fleet_monitor import FleetMonitor, FleetMonitorConfig
from offload_ros.runtime.sim_clock import SimClock, SimClockConfig

WAITING, RUNNING, REFRESHING, ENDED = range(4)


class SimClockRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("sim_clock")
        self.cfg = self.config(SimClockConfig)
        self.end = self.config(FleetMonitorConfig)
        self.clock = SimClock(self.cfg.time_scale)
        self.monitor = FleetMonitor(self.scenario, self.end.policy, self.end.noise_seed,
                                    aigc_policy=self.end.aigc_policy,
                                    aigc_seed=self.end.aigc_seed)
        self.lock = threading.Lock()
        self.phase = WAITING
        self.code = 0
        self.finished = threading.Event()
        self.began = time.monotonic()
        self.deadline = 0.0
        for a in self.scenario.agvs:
            self.subscribe(f"/{a.id}/status", "AgvStatus", self._locked(self.monitor.on_status))
        for e in self.scenario.edge_servers:
            self.subscribe(f"/{e.id}/state", "EdgeServerState",
                           self._locked(self.monitor.on_state))
            self.subscribe(f"/{e.id}/aigc/results", "AigcResult",
                           self._locked(self.monitor.on_aigc))
            self.subscribe(f"/{e.id}/pheromones", "Pheromone",
                           self._locked(self.monitor.on_pheromone))
        self.pub = self.create_publisher(Clock, "/clock", MessageBridge.qos("/clock"))
        self.create_timer(self.cfg.clock_period_s, self.tick, callback_group=self.group)
        self.get_logger().info(f"waiting for {len(self.monitor.missing())} nodes")

    def _locked(self, fn):
        def wrapped(msg):
            with self.lock:
                fn(msg)
        return wrapped

    def tick(self) -> None:
        with self.lock:
            if self.phase == WAITING:
                self._wait_ready()
            elif self.phase != ENDED:
                self._publish()
                if self.clock.now() >= self.scenario.horizon_s:
                    self._wind_up()

    def _publish(self) -> None:
        msg = Clock()
        ns = int(self.clock.now() * 1e9)
        msg.clock.sec, msg.clock.nanosec = ns // 1_000_000_000, ns % 1_000_000_000
        self.pub.publish(msg)

    def _unrecorded(self) -> list[str]:
        """Topics the bag recorder (``recorder``) does not subscribe to yet."""
        if not self.end.recorder:
            return []
        topics = ["/offload/transitions"] + [f"/{a}/status" for a in self.monitor.agv_ids] + \
            [f"/{e}/state" for e in self.monitor.es_ids]
        return [t for t in topics if not any(
            info.node_name == self.end.recorder
            for info in self.get_subscriptions_info_by_topic(t))]

    def _wait_ready(self) -> None:
        missing = self.monitor.missing()
        if not missing:
            unrecorded = self._unrecorded()
            if unrecorded:
                missing = [f"{self.end.recorder} on {', '.join(unrecorded)}"]
        waited = time.monotonic() - self.began
        if not missing:
            self.clock.start()
            self.phase = RUNNING
            self.get_logger().info(f"all {len(self.monitor.agv_ids) + len(self.monitor.es_ids)}"
                                   f" nodes ready after {waited:.1f} s: sim time starts at "
                                   f"{self.cfg.time_scale:g}x")
        elif waited > self.end.ready_timeout_s:
            self._fail(f"not ready after {self.end.ready_timeout_s:g} s: " + ", ".join(missing))

    def _wind_up(self) -> None:
        if self.phase == RUNNING:
            stalled = self.monitor.stalled(time.monotonic(), self.end.settle_timeout_s)
            if not self.monitor.unsettled():
                self.monitor.mark()
                self.phase = REFRESHING
                self.deadline = time.monotonic() + self.end.settle_timeout_s
            elif stalled:
                self._fail(f"the fleet did not settle after the horizon (no progress in "
                           f"{self.end.settle_timeout_s:g} s): {stalled}")
        elif self.phase == REFRESHING and (self.monitor.refreshed()
                                           or time.monotonic() > self.deadline):
            self._report()

    def _report(self) -> None:
        self.phase = ENDED
        if not self.end.report:
            self.get_logger().info("horizon reached (no report requested)")
        else:
            report = self.monitor.report(bag=self.end.bag or None)
            self.monitor.write(report, Path(self.end.report))
            live = report["live"]
            self.get_logger().info(
                f"{FleetMonitor.headline(report)}; fallbacks {live['fallbacks']}, "
                f"retries {live['retries']}; "
                + ("work conserved" if not live["problems"]
                   else "NOT CONSERVED: " + "; ".join(live["problems"]))
                + f"; wrote {self.end.report} and {report['plot']}")
            self.code = 0 if not live["problems"] else 1
        self.finished.set()

    def _fail(self, reason: str) -> None:
        self.get_logger().error(reason)
        self.phase = ENDED
        self.code = 1
        self.finished.set()

    def run(self) -> int:
        while self.context.ok() and not self.finished.wait(0.1):
            pass
        return self.code


def main() -> int:
    return RosShell.main(SimClockRosNode)

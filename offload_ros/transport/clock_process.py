"""``offload-ros node clock``: the fleet's Zenoh router and its /clock. It waits until the
expected nodes are ready, then starts sim time at 0 and publishes it."""

from __future__ import annotations

import time

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.transport.errors import TransportError
from offload_ros.transport.node_process import READY, NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class ClockProcess(NodeProcess):
    kind = "sim_clock"

    def __init__(self, scenario: Scenario, zenoh: ZenohConfig, config: SimClockConfig,
                 expect: tuple[str, ...] = (), ready_timeout_s: float = 120.0) -> None:
        super().__init__("sim_clock", scenario, zenoh, config.time_scale, follow_clock=False)
        self.config, self.expect, self.ready_timeout_s = config, expect, ready_timeout_s
        self.types = MessageTypes.default()

    def ready_nodes(self) -> set[str]:
        prefix = self.bus.key(READY) + "/"
        found = set()
        for reply in self.bus.session.liveliness().get(prefix + "*", timeout=1.0):
            if reply.ok is not None:
                found.add(str(reply.ok.key_expr)[len(prefix):])
        return found

    def wait_ready(self, alive=lambda: True) -> None:
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            missing = set(self.expect) - self.ready_nodes()
            if not missing:
                return
            if time.monotonic() > deadline or not alive():
                raise TransportError("nodes not ready after "
                                     f"{self.ready_timeout_s:g} s: " + ", ".join(sorted(missing)))
            time.sleep(0.1)

    def publish_clock(self) -> None:
        self.bus.publish("/clock", "rosgraph_msgs/msg/Clock", self.types.make(
            "rosgraph_msgs/msg/Clock", clock=MessageTypes.stamp(self.clock.now())),
            best_effort=True)

    def setup(self) -> None:
        self.wait_ready()
        self.clock.start()

    def tick(self, now: float) -> float:
        self.publish_clock()
        return self.config.clock_period_s

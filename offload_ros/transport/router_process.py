"""``offload-ros node router``: a Zenoh router for the fleet and nothing else, so that no
Python callback ever runs on the threads that route the fleet's messages."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.transport.node_process import NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class RouterProcess(NodeProcess):
    kind = "router"

    def __init__(self, scenario: Scenario, zenoh: ZenohConfig) -> None:
        super().__init__("router", scenario, zenoh, 1.0, follow_clock=False)

    def setup(self) -> None:
        # zenoh's own warnings (a peer refused at the TLS handshake, say) go to this log
        self.bus.zenoh.init_log_from_env_or("warn")
        self.clock.start()

    def tick(self, now: float) -> float:
        return 1.0

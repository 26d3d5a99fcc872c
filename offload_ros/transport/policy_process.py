"""``offload-ros node policy --agv agv1``: a PolicyServer answering ``/<agv>/decide``; for a
policy that plans from the fleet's state (``rollout``) it also listens to every AGV's status,
every server's state and the pheromones."""

from __future__ import annotations

from typing import Any

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.policy_server import PolicyServer
from offload_ros.transport.node_process import READY, NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class PolicyProcess(NodeProcess):
    kind = "policy"

    def __init__(self, name: str, scenario: Scenario, zenoh: ZenohConfig, time_scale: float,
                 policy: str, agv_ids: tuple[str, ...]) -> None:
        self.server = PolicyServer(scenario, policy, agv_ids)
        self.server.warm_up()                  # before it says it is ready
        super().__init__(name, scenario, zenoh, time_scale, follow_clock=False)

    def on_decide(self, request: Any, sender: str) -> Any:
        answer = self.server.handle_decide(request)
        if not answer.ok:
            self.log.warning("refused a decision for %s from %s: %s", request.agv_id, sender,
                             answer.reason)
        return answer

    def setup(self) -> None:
        server = self.server
        if server.needs_state:    # before it serves, so the first decision sees the fleet
            # (a message the view refuses is logged and dropped by the bus)
            self.bus.subscribe("/*/state", "EdgeServerState",
                               lambda m, s: server.on_es_state(m), transient=True)
            self.bus.subscribe("/*/pheromones", "Pheromone",
                               lambda m, s: server.on_pheromone(m), transient=True)
            self.bus.subscribe("/*/status", "AgvStatus", lambda m, s: server.on_agv_status(m))
        for agv in sorted(self.server.serves):
            self.bus.serve(f"/{agv}/decide", "Decide", self.on_decide)
        self.clock.start()     # it needs no sim time; the loop only idles

    def ready(self) -> None:
        """Ready as its own name and as ``<agv>_policy`` for each AGV it serves, so a fleet
        waits for the same names however its policies are spread over processes."""
        super().ready()
        live = self.bus.session.liveliness()
        self._tokens = [live.declare_token(self.bus.key(f"{READY}/{agv}_policy"))
                        for agv in sorted(self.server.serves) if f"{agv}_policy" != self.name]

    def tick(self, now: float) -> float:
        return 1.0

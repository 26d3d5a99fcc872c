"""``offload-ros node policy --agv agv1``: a PolicyServer answering ``/<agv>/decide``; for a
policy that plans from the fleet's state (``rollout``) it also listens to every AGV's status,
every server's state and the pheromones, and answers each request from a thread of its own
(a decision waits for the messages of its instant, which Zenoh delivers on the threads a
waiting query handler would hold)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.policy_server import PolicyServer, PolicyServerConfig
from offload_ros.transport.node_process import READY, NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class PolicyProcess(NodeProcess):
    kind = "policy"

    def __init__(self, name: str, scenario: Scenario, zenoh: ZenohConfig, time_scale: float,
                 policy: str, agv_ids: tuple[str, ...],
                 config: PolicyServerConfig | None = None) -> None:
        self.server = PolicyServer(scenario, policy, agv_ids, config)
        self.server.warm_up()                  # before it says it is ready
        super().__init__(name, scenario, zenoh, time_scale, follow_clock=False)
        self.pool: ThreadPoolExecutor | None = None

    def on_decide(self, request: Any, sender: str) -> Any:
        answer, owed = self.server.answer(request)
        if not answer.ok:
            self.log.warning("refused a decision for %s from %s: %s", request.agv_id, sender,
                             answer.reason)
        elif owed:
            self.log.warning("planned %s's decision at %.2f s without %s (after %.2f s)",
                             request.agv_id, request.time_s, owed,
                             self.server.config.state_wait_s)
        return answer

    def on_decide_aigc(self, request: Any, sender: str) -> Any:
        answer = self.server.answer_aigc(request)
        if not answer.ok:
            self.log.warning("refused a placement for %s from %s: %s", request.agv_id,
                             sender, answer.reason)
        return answer

    def on_decide_later(self, request: Any, sender: str,
                        reply: Callable[[Any], None]) -> None:
        self.pool.submit(lambda: reply(self.on_decide(request, sender)))

    def setup(self) -> None:
        server = self.server
        if server.needs_state:    # before it serves, so the first decision sees the fleet
            # (a message the view refuses is logged and dropped by the bus)
            self.bus.subscribe("/*/state", "EdgeServerState",
                               lambda m, s: server.on_es_state(m), transient=True)
            self.bus.subscribe("/*/pheromones", "Pheromone",
                               lambda m, s: server.on_pheromone(m), transient=True)
            self.bus.subscribe("/*/status", "AgvStatus", lambda m, s: server.on_agv_status(m))
            self.pool = ThreadPoolExecutor(len(server.serves) + 1, f"{self.name}-decide")
        for agv in sorted(self.server.aigc):
            self.bus.serve(f"/{agv}/decide_aigc", "DecideAigc", self.on_decide_aigc)
        for agv in sorted(self.server.serves):
            if self.pool is None:
                self.bus.serve(f"/{agv}/decide", "Decide", self.on_decide)
                continue
            self.bus.serve(f"/{agv}/decide", "Decide", self.on_decide_later, deferred=True)
            if self.bus.hub is not None:       # an AGV of this process calls it directly
                self.bus.hub.serve_locally(f"/{agv}/decide", self.on_decide)
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

    def finish(self) -> None:
        if self.pool is not None:     # answer what is in hand (waits are bounded), then close
            self.pool.shutdown(wait=True, cancel_futures=True)

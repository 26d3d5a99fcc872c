"""``offload-ros node agv --id agv1``: an AgvController over Zenoh (kinematic mode)."""

from __future__ import annotations

import queue
import time
from typing import Any

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import AgvController, AgvControllerConfig
from offload_ros.runtime.aigc_agv_node import AigcAgvNode
from offload_ros.runtime.aigc_placer import AigcPlacerConfig
from offload_ros.runtime.errors import NodeError
from offload_ros.transport.node_process import NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class AgvProcess(NodeProcess):
    kind = "agv"

    def __init__(self, agv_id: str, scenario: Scenario, zenoh: ZenohConfig, time_scale: float,
                 config: AgvControllerConfig, use_policy: bool = True,
                 metrics: str = "", placement: AigcPlacerConfig | None = None) -> None:
        if config.mode != "kinematic":
            raise NodeError("mode: the Zenoh shell drives AGVs kinematically; Nav2 mode "
                            "needs the ROS 2 shell (ros2 launch offload_ros agv.launch.py)")
        self.config = config
        self.placement = placement or AigcPlacerConfig()
        self.controller = AgvController(scenario, agv_id, config, placement=placement)
        self.aigc = AigcAgvNode(self.controller.placer, resumed=self.controller.resumed)
        super().__init__(agv_id, scenario, zenoh, time_scale)   # bad input fails before this
        self.use_policy = use_policy
        self.metrics_path = metrics
        # (sim time, value) per call: decision and offload round trips (wall ms), and how
        # far behind sim time an offer left (sim s)
        self.metrics: dict[str, list[tuple[float, float]]] = {
            "decide_ms": [], "offload_ms": [], "lag_s": [], "aigc_decide_ms": [],
            "aigc_place_ms": [], "aigc_state_ms": []}
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.last_status = 0.0

    # ports -----------------------------------------------------------------
    def _timed_call(self, service: str, typename: str, request: Any, timeout: float,
                    metric: str, stamp: float) -> Any | None:
        """A call that takes its whole timeout when it fails (an absent server answers at
        once, and the retries must not run back to back); round trips go to ``metric``."""
        start = time.monotonic()
        answer = self.bus.call(service, typename, request, timeout)
        if answer is not None:
            self.metrics[metric].append((stamp, (time.monotonic() - start) * 1e3))
        else:
            self.wait_wall(timeout, start)
        return answer

    def decide(self, request: Any) -> Any | None:
        if not self.use_policy:
            return None
        return self._timed_call(f"/{self.name}/decide", "Decide", request,
                                self.config.decide_timeout_s, "decide_ms", request.time_s)

    def offload(self, es_id: str, request: Any) -> Any | None:
        if not request.resolve_only:       # how far behind sim time the AGV acts
            self.metrics["lag_s"].append(
                (request.stamp_s, max(0.0, self.clock.now() - request.stamp_s)))
        answer = self._timed_call(f"/{es_id}/offload", "Offload", request,
                                  self.config.offload_timeout_s, "offload_ms", request.stamp_s)
        if answer is None:
            self.log.warning("no answer from %s to %s (stamp %.1f s)", es_id,
                             request.request_id, request.stamp_s)
        return answer

    def place_decide(self, agv_id: str, obs: Any) -> int | None:
        if not self.use_policy:
            return None
        request = self.aigc.decide_request(obs)
        answer = self._timed_call(f"/{self.name}/decide_aigc", "DecideAigc", request,
                                  self.placement.aigc_decide_timeout_s, "aigc_decide_ms",
                                  request.time_s)
        if answer is not None and not answer.ok:
            self.log.warning("the policy refused a placement: %s", answer.reason)
        return int(answer.action) if answer is not None and answer.ok else None

    def on_aigc(self, msg: Any, sender: str) -> None:
        try:
            self.aigc.on_message(msg)
        except NodeError as err:
            self.log.warning("dropped an AIGC message from %s: %s", sender, err)
        self.wake.set()

    def aigc_state_at(self, es_id: str, t: float) -> dict | None:
        request = self.aigc.types.make("AigcStateAt_Request", time_s=t)
        answer = self._timed_call(f"/{es_id}/aigc/state_at", "AigcStateAt", request,
                                  self.placement.aigc_place_timeout_s, "aigc_state_ms", t)
        return self.aigc.state_of(answer)

    def place(self, es_id: str, task_id: str, task: Any, now: float) -> str | None:
        request = self.aigc.place_request(task_id, task, now)
        answer = self._timed_call(f"/{es_id}/aigc/place", "PlaceAigc", request,
                                  self.placement.aigc_place_timeout_s, "aigc_place_ms", now)
        if answer is None:
            self.log.warning("no answer from %s to placing %s", es_id, task_id)
        return self.aigc.answer(es_id, answer)

    def publish(self, topic: str, typename: str, message: Any) -> None:
        keep = 32 if typename == "Pheromone" else (1 if typename == "AigcProgress" else 0)
        self.bus.publish(topic, typename, message, keep=keep)
        if typename == "AgvStatus":
            self.last_status = time.monotonic()

    # node ------------------------------------------------------------------
    def setup(self) -> None:
        c = self.controller
        if c.resumed:
            self.log.info("resumed from %s: cycle %d, stop %d, %.1f kB on board, %.1f kB "
                          "delivered, %d offers in doubt%s", self.config.journal, c.returns,
                          c.stop, c.remaining, c.delivered, len(c.in_doubt),
                          ", re-sending " + c.outbox["rid"] if c.outbox else "")
        put = self.inbox.put
        self.bus.subscribe("/*/state", "EdgeServerState",
                           lambda m, s: put(("state", m)), transient=True)
        self.bus.subscribe("/*/pheromones", "Pheromone",
                           lambda m, s: put(("pheromone", m, s)), transient=True)
        if c.placer is not None:        # (thread-safe: a placement may be waiting on them)
            self.bus.subscribe("/*/aigc/progress", "AigcProgress", self.on_aigc,
                               transient=True)
            self.bus.subscribe("/*/aigc/results", "AigcResult", self.on_aigc)
            self.aigc.tell(self)

    def tick(self, now: float) -> float:
        c = self.controller
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if item[0] == "state":
                c.on_es_state(item[1])
            else:
                try:
                    c.on_pheromone(item[1])
                except NodeError as err:
                    self.log.warning("dropped a pheromone from %s: %s", item[2], err)
        did = c.step(now, self)
        if self.aigc.run(now, self):
            c.save()
        for note in self.aigc.notes:
            self.log.warning("%s", note)
        self.aigc.notes.clear()
        for note in c.notes:
            self.log.warning("%s", note)
        c.notes.clear()
        if not did and time.monotonic() - self.last_status >= self.config.status_period_s:
            self.publish(f"/{self.name}/status", "AgvStatus", c.status(now))
        nxt = c.next_event()
        pause = self.config.status_period_s
        if nxt is not None and nxt[0] <= self.scenario.horizon_s:
            pause = min(pause, self.clock.wall_until(nxt[0]))
        if c.in_doubt or c.pending:
            pause = min(pause, 0.05)
        if self.aigc.blocked:            # an AIGC epoch waits for the others' progress
            return min(pause, 0.005)
        return min(pause, self.clock.wall_until(self.aigc.next_s))

    def finish(self) -> None:
        p = self.controller.placer
        if p is not None:
            self.log.info("AIGC: %d tasks placed of %d arrived, %s; %d server states asked, "
                          "%d epochs skipped after a restart", len(p.placed) + len(p.outcomes),
                          p.arrived, ", ".join(f"{v} {k}" for k, v in p.counts.items()),
                          self.aigc.queries, self.aigc.skipped)
        self.controller.close()
        if self.metrics_path:
            import json
            with open(self.metrics_path, "w") as f:
                json.dump(self.metrics, f)

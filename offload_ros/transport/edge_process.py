"""``offload-ros node edge --id es1``: an EdgeServerNode over Zenoh, with its journal and its
AIGC tasks.

An offer is held while an AGV that is due here earlier in rule 5's order (by its last status)
has not offered yet, at most ``order_timeout_s``; so offers stamped at the same sim instant by
different AGV processes are admitted in the simulator's order whatever order the network
delivered them in, and no offer waits when none is due before it.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, Callable

from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_runner import AigcRunner
from offload_ros.runtime.edge_server_node import REJECTED, EdgeServerNode, EdgeServerNodeConfig
from offload_ros.transport.node_process import NodeProcess
from offload_ros.transport.zenoh_config import ZenohConfig


class EdgeProcess(NodeProcess):
    kind = "edge_server"

    def __init__(self, es_id: str, scenario: Scenario, zenoh: ZenohConfig, time_scale: float,
                 config: EdgeServerNodeConfig,
                 generation: GenerationServiceConfig | None = None) -> None:
        self.config = config
        self.node = EdgeServerNode(scenario, es_id, config)
        super().__init__(es_id, scenario, zenoh, time_scale)   # bad input fails before this
        self.lock = threading.Lock()
        self.held: list[tuple[tuple, int, float, Any, str, Callable]] = []
        self.seq = itertools.count()
        self.aigc = AigcRunner(es_id, time_scale, generation,
                               background=self.node.aigc_background) if config.aigc else None
        if self.aigc is not None and self.node.placement is not None:
            self.aigc.preload()         # placements come: loaded before the AGVs place
        self.last_state = 0.0
        self.last_aigc_state = 0.0

    def on_offload(self, request: Any, sender: str, reply: Callable[[Any], None]) -> None:
        with self.lock:
            heapq.heappush(self.held, (self.node.order_key(request), next(self.seq),
                                       time.monotonic() + self.config.order_timeout_s,
                                       request, sender, reply))
        self.wake.set()

    def _take_due(self, now: float) -> float:
        """Answer the held offers whose window has passed, in rule 5's order; the wall
        seconds until the next one is due."""
        wall = time.monotonic()
        answered = []
        with self.lock:
            while self.held:
                _, _, deadline, request, sender, reply = self.held[0]
                blocker = self.node.blocked_by(request)
                if blocker and deadline > wall:
                    break
                if blocker:
                    self.log.warning("took %s from %s without waiting longer for %s",
                                     request.request_id, sender, blocker)
                heapq.heappop(self.held)
                answer = self.node.handle_offload(request, now)
                if answer.status == REJECTED:
                    self.log.warning("rejected %s from %s: %s", request.request_id, sender,
                                     answer.reason)
                answered.append((reply, answer))
                # the state as of each offer, before its answer: a policy planning at a
                # later instant finds the server as it was then
                self._publish_state(self.node.t)
            nxt = min((h[2] for h in self.held), default=None)
        for reply, answer in answered:
            reply(answer)
        return 1.0 if nxt is None else max(0.0, min(0.01, nxt - time.monotonic()))

    def _publish_state(self, t: float) -> None:
        self.bus.publish(f"/{self.name}/state", "EdgeServerState", self.node.state_at(t),
                         keep=1)
        self.last_state = time.monotonic()

    def on_status(self, status: Any, sender: str) -> None:
        with self.lock:
            self.node.on_agv_status(status)
        if self.held:
            self.wake.set()

    def on_place(self, request: Any, sender: str) -> Any:
        with self.lock:
            answer = self.node.handle_place(request, self.clock.now())
            if answer.admitted:      # the state of this epoch, this placement in it
                self._publish_aigc_state(placed=True)
        if not answer.admitted and "es_queue_max" not in answer.reason:
            self.log.warning("refused AIGC task %s from %s: %s", request.task.task_id,
                             sender, answer.reason)
        return answer

    def on_progress(self, msg: Any, sender: str) -> None:
        with self.lock:          # (a bad one raises NodeError: the bus logs and drops it)
            self.node.on_aigc_progress(msg)
        self.wake.set()

    def on_state_at(self, request: Any, sender: str) -> Any:
        with self.lock:
            return self.node.place_state_at(request)

    def _publish_aigc_state(self, placed: bool = False) -> None:
        self.bus.publish(f"/{self.name}/aigc/state", "AigcEdgeState",
                         self.node.place_state(placed), keep=1)
        self.last_aigc_state = time.monotonic()

    def setup(self) -> None:
        if self.aigc is not None and self.node.aigc_real:   # ready once it can run them
            problem = self.aigc.wait_loaded(AigcRunner.load_timeout_s)
            if problem:
                self.log.error("placed AIGC tasks will be refused: %s", problem)
        # only the AGVs whose route comes here can be due here (at 50 AGVs and 12 servers
        # this is about a third of the fleet's status traffic)
        for agv in self.scenario.agvs:
            if self.name in agv.route:
                self.bus.subscribe(f"/{agv.id}/status", "AgvStatus", self.on_status)
        self.bus.serve(f"/{self.name}/offload", "Offload", self.on_offload, deferred=True)
        if self.node.placement is not None:
            self.bus.serve(f"/{self.name}/aigc/place", "PlaceAigc", self.on_place)
            self.bus.serve(f"/{self.name}/aigc/state_at", "AigcStateAt", self.on_state_at)
            self.bus.subscribe("/*/aigc/progress", "AigcProgress", self.on_progress,
                               transient=True)
            with self.lock:
                self._publish_aigc_state()

    def tick(self, now: float) -> float:
        wait = self._take_due(now)
        with self.lock:
            note = self.node.housekeep(now, holding=bool(self.held))
            if note:
                self.log.info("%s", note)
            inbox, self.node.aigc_inbox = self.node.aigc_inbox, []
            if time.monotonic() - self.last_state >= self.config.state_period_s:
                self._publish_state(now)
            placed = self.node.place_step(now, self.config.aigc_window_s * self.clock.scale)
            for result in placed:
                self.bus.publish(f"/{self.name}/aigc/results", "AigcResult", result)
            p = self.node.placement
            if p is not None:
                if placed or time.monotonic() - self.last_aigc_state >= \
                        self.config.state_period_s:
                    self._publish_aigc_state()
                wait = min(wait, self.clock.wall_until(
                    p.epoch_start_at(now) + p.settings.epoch_s))
        if self.aigc is not None:
            for task, agv, stamp in inbox:
                self.aigc.submit(task, agv, stamp, now)
            for result in self.aigc.poll(now):
                with self.lock:                 # an emulated placement's: its outcome
                    result = self.node.aigc_result(result)
                self.bus.publish(f"/{self.name}/aigc/results", "AigcResult", result)
                with self.lock:                 # published, then out of the journal
                    self.node.aigc_answered(result.task_id)
            if self.aigc.pending():
                wait = min(wait, 0.05)
        return min(wait, 0.1, self.config.state_period_s)

    def finish(self) -> None:
        p = self.node.placement
        if p is not None:
            self.log.info("AIGC placements: %d admitted, %d came after their epoch had "
                          "passed here (%.1f s of sim time late in all)", len(p.admitted),
                          p.late, p.late_s)
        if self.aigc is not None:
            self.aigc.stop()
        with self.lock:
            self.node.close()

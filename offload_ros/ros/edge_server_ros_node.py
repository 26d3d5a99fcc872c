"""``ros2 run offload_ros edge_server_node --ros-args -p es_id:=es1``: an EdgeServerNode as a
ROS 2 node: the Offload service, the state and AIGC results (through the generation service,
configured by its ``GenerationServiceConfig`` parameters: batching, device), the journal. An
offer waits (in its callback, releasing the lock while it waits; the executor has a thread per
AGV) while an AGV due earlier has not offered, as in the Zenoh shell, so same-instant offers
are admitted in rule 5's order. With ``aigc_placement``, it also serves placed AIGC tasks
(``/<es>/aigc/place``, ``/<es>/aigc/state_at``; under sim time the link and the compute
emulated, the images made afterwards by the model in a child process; on real time the model
runs them; ``docs/aigc_offloading.md``), committing as far as the AGVs'
``/<agv>/aigc/progress`` allows. A request the server cannot handle is answered ``REJECTED``
with the reason and logged; the node keeps serving."""

from __future__ import annotations

import threading
import time
from typing import Any

from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.ros.ros_shell import RosShell
from offload_ros.runtime.aigc_runner import AigcRunner
from offload_ros.runtime.edge_server_node import REJECTED, EdgeServerNode, EdgeServerNodeConfig


class EdgeServerRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("edge_server")
        self.declare_parameter("es_id", "es1")
        self.declare_parameter("time_scale", 1.0)
        self.cfg = self.config(EdgeServerNodeConfig)
        self.generation = self.config(GenerationServiceConfig)
        self.es_id = self.get_parameter("es_id").value
        self.node = EdgeServerNode(self.scenario, self.es_id, self.cfg, horizon_s=self.horizon,
                                   sim_clock=self.sim_time)
        if self.node.placement is not None:
            self.placement_time()
        self.cond = threading.Condition()
        scale = float(self.get_parameter("time_scale").value) if self.sim_time else 1.0
        self.aigc = AigcRunner(self.es_id, scale, self.generation,
                               background=self.node.aigc_background) if self.cfg.aigc else None
        if self.aigc is not None and self.node.placement is not None:
            self.aigc.preload()         # placements come: loaded before the AGVs place
        if self.aigc is not None and self.node.aigc_real:   # ready once it can run them
            problem = self.aigc.wait_loaded(AigcRunner.load_timeout_s)
            if problem:
                self.get_logger().error(f"placed AIGC tasks will be refused: {problem}")
        self.holding = 0       # offers waiting in their callbacks for rule 5's order
        self.serve("Offload", f"/{self.es_id}/offload", self.on_offload,
                   lambda reason: self.node.types.make("Offload_Response", status=REJECTED,
                                                       reason=reason))
        for a in self.scenario.agvs:
            self.subscribe(f"/{a.id}/status", "AgvStatus", self.on_status)
        self.window_s = self.cfg.aigc_window_s * scale
        if self.node.placement is not None:     # placed AIGC tasks
            types = self.node.types
            self.serve("PlaceAigc", f"/{self.es_id}/aigc/place", self.on_place,
                       lambda reason: types.make("PlaceAigc_Response", reason=reason))
            self.serve("AigcStateAt", f"/{self.es_id}/aigc/state_at", self.on_state_at,
                       lambda reason: types.make("AigcStateAt_Response"))
            for a in self.scenario.agvs:
                self.subscribe(f"/{a.id}/aigc/progress", "AigcProgress", self.on_progress)
            self.publisher(f"/{self.es_id}/aigc/results", "AigcResult")
            self.publish(f"/{self.es_id}/aigc/state", "AigcEdgeState", self.node.place_state())
        if self.aigc is not None:      # announced now, so a recorder has it before results
            self.publisher(f"/{self.es_id}/aigc/results", "AigcResult")
        self.publish_state(self.now_s() if not self.sim_time else 0.0)   # here, and ready
        self.get_logger().info(f"{self.es_id} ready ("
                               + ("sim time" if self.sim_time else "real time") + ")")

    def publish_state(self, t: float) -> None:
        self.publish(f"/{self.es_id}/state", "EdgeServerState", self.node.state_at(t))

    def on_status(self, status: Any) -> None:
        with self.cond:
            self.node.on_agv_status(status)
            self.cond.notify_all()

    def on_place(self, req: Any) -> Any:
        with self.cond:
            answer = self.node.handle_place(req, self.now_s())
            if answer.admitted:        # the state of this epoch, this placement in it
                self.publish(f"/{self.es_id}/aigc/state", "AigcEdgeState",
                             self.node.place_state(placed=True))
        if not answer.admitted and "es_queue_max" not in answer.reason:
            self.get_logger().warning(f"refused AIGC task {req.task.task_id} from "
                                      f"{req.agv_id}: {answer.reason}")
        return answer

    def on_state_at(self, req: Any) -> Any:
        with self.cond:
            return self.node.place_state_at(req)

    def on_progress(self, msg: Any) -> None:
        with self.cond:
            self.node.on_aigc_progress(msg)

    def on_offload(self, req: Any) -> Any:
        deadline = time.monotonic() + self.cfg.order_timeout_s
        with self.cond:
            self.holding += 1
            try:
                while self.node.blocked_by(req) and time.monotonic() < deadline:
                    self.cond.wait(0.01)
            finally:
                self.holding -= 1
            answer = self.node.handle_offload(req, self.now_s())
            self.cond.notify_all()
            self.publish_state(self.node.t)
        if answer.status == REJECTED:
            self.get_logger().warning(f"rejected {req.request_id} from {req.agv_id}: "
                                      f"{answer.reason}")
        return answer

    def run(self) -> None:
        last = 0.0
        idle = threading.Event()
        while self.context.ok():
            if not self.started():            # no /clock yet
                idle.wait(0.01)
                continue
            now = self.now_s()
            with self.cond:
                note = self.node.housekeep(now, holding=self.holding > 0)
                if note:
                    self.get_logger().info(note)
                inbox, self.node.aigc_inbox = self.node.aigc_inbox, []
                placed = self.node.place_step(now, self.window_s)
                for result in placed:
                    self.publish(f"/{self.es_id}/aigc/results", "AigcResult", result)
                if time.monotonic() - last >= self.cfg.state_period_s:
                    self.publish_state(now)
                    if self.node.placement is not None:
                        self.publish(f"/{self.es_id}/aigc/state", "AigcEdgeState",
                                     self.node.place_state())
                    last = time.monotonic()
            if self.aigc is not None:
                for task, agv, stamp in inbox:
                    self.aigc.submit(task, agv, stamp, now)
                for result in self.aigc.poll(now):
                    with self.cond:             # an emulated placement's: its outcome
                        result = self.node.aigc_result(result)
                    self.publish(f"/{self.es_id}/aigc/results", "AigcResult", result)
                    with self.cond:             # published, then out of the journal
                        self.node.aigc_answered(result.task_id)
            idle.wait(0.02)

    def close(self) -> None:
        if self.aigc is not None:
            self.aigc.stop()
        self.node.close()


def main() -> int:
    return RosShell.main(EdgeServerRosNode)

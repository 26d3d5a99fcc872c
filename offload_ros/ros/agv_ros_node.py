"""``ros2 run offload_ros agv_node --ros-args -p agv_id:=agv1 -p scenario:=…``: an
AgvController as a ROS 2 node. Kinematic mode drives at the AGV's speed on the run's time;
Nav2 mode sends each stop as a NavigateToPose goal (:class:`Nav2Driver`, a navigator node of
its own in its own thread) and reports the arrival when Nav2 says it succeeded.

The loop owns the controller: subscriptions only queue what they receive (no lock is shared
with the executor, so service answers are always delivered while the loop waits for one).
Before it drives, the AGV waits until its policy and its route's edge servers answer, then
announces itself with a status (the sim_clock node starts sim time when every node has).
With ``aigc_placement``, it also places its AIGC tasks each epoch (:class:`AigcAgvNode`:
``/<agv>/decide_aigc``, ``/<es>/aigc/place`` and ``state_at``, its progress published)."""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from typing import Any

from offload_ros.ros.ros_shell import RosShell
from offload_ros.runtime.agv_controller import AgvController, AgvControllerConfig
from offload_ros.runtime.aigc_agv_node import AigcAgvNode
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
from offload_ros.runtime.errors import NodeError


class AgvRosNode(RosShell):
    def __init__(self) -> None:
        super().__init__("agv")
        self.declare_parameter("agv_id", "agv1")
        self.declare_parameter("use_policy", True)
        self.cfg = self.config(AgvControllerConfig)
        self.placement = self.config(AigcPlacerConfig)
        self.agv_id = self.get_parameter("agv_id").value
        self.use_policy = bool(self.get_parameter("use_policy").value)
        # a bad id fails here (the journal is opened once, by the controller that drives)
        AgvController(self.scenario, self.agv_id, dataclasses.replace(self.cfg, journal=""))
        self.controller: AgvController | None = None
        spec = self.scenario.agvs[self.scenario.agv_index(self.agv_id)]
        self.decide_client = self.create_client(self.bridge.ros_type("Decide"),
                                                f"/{self.agv_id}/decide",
                                                callback_group=self.group)
        self.offload_clients = {
            e: self.create_client(self.bridge.ros_type("Offload"), f"/{e}/offload",
                                  callback_group=self.group)
            for e in dict.fromkeys(spec.route)}
        # hears the others' progress from now on; the controller's placer drives it later
        self.aigc = AigcAgvNode(AigcPlacer(self.scenario, self.agv_id, self.placement)
                                if self.placement.aigc_placement else None)
        self.aigc_clients: dict[str, Any] = {}
        if self.placement.aigc_placement:     # place AIGC tasks: ask, place, wait, tell
            self.placement_time()
            self.aigc_clients["decide"] = self.create_client(
                self.bridge.ros_type("DecideAigc"), f"/{self.agv_id}/decide_aigc",
                callback_group=self.group)
            for e in self.scenario.edge_servers:
                for kind, typename in (("place", "PlaceAigc"), ("state_at", "AigcStateAt")):
                    self.aigc_clients[f"{e.id}/{kind}"] = self.create_client(
                        self.bridge.ros_type(typename), f"/{e.id}/aigc/{kind}",
                        callback_group=self.group)
                self.subscribe(f"/{e.id}/aigc/results", "AigcResult", self.on_aigc)
            for a in self.scenario.agvs:
                if a.id != self.agv_id:
                    self.subscribe(f"/{a.id}/aigc/progress", "AigcProgress", self.on_aigc)
            self.publisher(f"/{self.agv_id}/aigc/progress", "AigcProgress")
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        for e in self.scenario.edge_servers:
            self.subscribe(f"/{e.id}/state", "EdgeServerState",
                           lambda m: self.inbox.put(("state", m)))
            self.subscribe(f"/{e.id}/pheromones", "Pheromone",
                           lambda m: self.inbox.put(("pheromone", m)))
        self.driver = None
        if self.cfg.mode == "nav2":
            from offload_ros.ros.nav2_driver import Nav2Driver
            self.driver = Nav2Driver(
                self.agv_id, self.cfg.nav2_namespace or self.agv_id, self.cfg.map_frame,
                tuple(spec.start), navigator=self.cfg.nav2_navigator,
                localizer=self.cfg.nav2_localizer, use_sim_time=self.sim_time)
        self.goal: tuple[float, float] | None = None
        self.last_status = 0.0
        for topic, typename in ((f"/{self.agv_id}/status", "AgvStatus"),
                                ("/offload/transitions", "Transition")):
            self.publisher(topic, typename)        # now, so a recorder can find them early
        waits = [c.srv_name for c in self.offload_clients.values()]
        if self.use_policy:
            waits.insert(0, self.decide_client.srv_name)
        self.get_logger().info(f"{self.agv_id} waiting for " + ", ".join(waits))

    # ports ---------------------------------------------------------------------------
    def decide(self, request: Any) -> Any | None:
        if not self.use_policy:
            return None
        return self.call(self.decide_client, "Decide", request, self.cfg.decide_timeout_s)

    def offload(self, es_id: str, request: Any) -> Any | None:
        answer = self.call(self.offload_clients[es_id], "Offload", request,
                           self.cfg.offload_timeout_s)
        if answer is None:
            self.get_logger().warning(f"no answer from {es_id} to {request.request_id}")
        return answer

    def on_aigc(self, msg: Any) -> None:
        self.aigc.on_message(msg)          # thread-safe: a placement may wait on it

    def place_decide(self, agv_id: str, obs: Any) -> int | None:
        if not self.use_policy:
            return None
        answer = self.call(self.aigc_clients["decide"], "DecideAigc",
                           self.aigc.decide_request(obs), self.placement.aigc_decide_timeout_s)
        if answer is not None and not answer.ok:
            self.get_logger().warning(f"the policy refused a placement: {answer.reason}")
        return int(answer.action) if answer is not None and answer.ok else None

    def place(self, es_id: str, task_id: str, task: Any, now: float) -> str | None:
        answer = self.call(self.aigc_clients[f"{es_id}/place"], "PlaceAigc",
                           self.aigc.place_request(task_id, task, now),
                           self.placement.aigc_place_timeout_s)
        if answer is None:
            self.get_logger().warning(f"no answer from {es_id} to placing {task_id}")
        return AigcAgvNode.answer(es_id, answer)

    def aigc_state_at(self, es_id: str, t: float) -> dict | None:
        request = self.aigc.types.make("AigcStateAt_Request", time_s=t)
        return AigcAgvNode.state_of(self.call(self.aigc_clients[f"{es_id}/state_at"],
                                              "AigcStateAt", request,
                                              self.placement.aigc_place_timeout_s))

    def publish(self, topic: str, typename: str, message: Any) -> None:
        super().publish(topic, typename, message)
        if typename == "AgvStatus":
            self.last_status = time.monotonic()

    # loop ------------------------------------------------------------------------------
    def services_ready(self) -> bool:
        clients = list(self.offload_clients.values()) + \
            [c for k, c in self.aigc_clients.items() if k != "decide" or self.use_policy]
        if self.use_policy:
            clients.append(self.decide_client)
        return all(c.service_is_ready() for c in clients) and \
            (self.driver is None or self.driver.ready.is_set())

    def _drain(self) -> None:
        c = self.controller
        while True:
            try:
                kind, msg = self.inbox.get_nowait()
            except queue.Empty:
                return
            try:
                if kind == "state":
                    c.on_es_state(msg)
                else:
                    c.on_pheromone(msg)
            except NodeError as err:
                self.get_logger().warning(f"dropped a {kind}: {err}")

    def _drive_nav2(self, now: float) -> None:
        for goal, reached, outcome in self.driver.poll():
            if goal != self.goal:
                continue
            self.goal = None
            if reached:
                self.controller.arrived(now)
            else:
                self.get_logger().error(f"Nav2 did not reach {goal}: {outcome}; sending it "
                                        f"again")
        goal = self.controller.goal()
        if goal is not None and self.goal is None:
            self.driver.go(goal)
            self.goal = goal

    def _announce(self) -> None:
        """Wait for the services, then make the controller and say so (sim time: at t = 0
        before the clock starts; real time: the schedule starts now)."""
        if not self.services_ready():
            return
        origin = 0.0 if self.sim_time else self.now_s()
        self.controller = c = AgvController(self.scenario, self.agv_id, self.cfg,
                                            time_origin_s=origin, horizon_s=self.horizon,
                                            placement=self.placement)
        if c.placer is not None:
            fresh = AigcAgvNode(c.placer, resumed=c.resumed)
            with self.aigc.cond:            # what came before it drove
                fresh.progress, fresh.placed_s = self.aigc.progress, self.aigc.placed_s
            self.aigc = fresh
        if c.resumed:       # respawned: it goes on from its journal, not from the start
            self.get_logger().info(
                f"{self.agv_id} resumed from {self.cfg.journal}: cycle {c.returns}, stop "
                f"{c.stop}, {c.remaining:.1f} kB on board, {len(c.in_doubt)} offers in doubt")
            origin = max(origin, self.now_s()) if self.started() else origin
        self.publish(f"/{self.agv_id}/status", "AgvStatus", self.controller.status(origin))
        self.get_logger().info(f"{self.agv_id} ready ({self.cfg.mode}"
                               + (", sim time" if self.sim_time else ", real time") + ")")

    def run(self) -> None:
        idle = threading.Event()
        while self.context.ok():
            if self.controller is None:
                self._announce()
                idle.wait(0.05)
                continue
            if not self.started():          # ready, no /clock yet: say so now and then
                if time.monotonic() - self.last_status >= self.cfg.status_period_s:
                    self.publish(f"/{self.agv_id}/status", "AgvStatus",
                                 self.controller.status(0.0))
                idle.wait(0.01)
                continue
            now = self.now_s()
            self._drain()
            did = self.controller.step(now, self)
            if self.aigc.run(now, self):
                self.controller.save()
            for note in self.controller.notes + self.aigc.notes:
                self.get_logger().warning(note)
            self.controller.notes.clear()
            self.aigc.notes.clear()
            if self.driver is not None:
                self._drive_nav2(now)
            if not did and time.monotonic() - self.last_status >= self.cfg.status_period_s:
                self.publish(f"/{self.agv_id}/status", "AgvStatus",
                             self.controller.status(now))
            idle.wait(0.005)

    def close(self) -> None:
        if self.driver is not None:
            self.driver.stop()
        if self.controller is not None:
            self.controller.close()


def main() -> int:
    return RosShell.main(AgvRosNode)

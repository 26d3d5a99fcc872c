"""An AGV's logic on sim time (DESIGN.md rules 1, 3-5 from the AGV's side): drive the route
(kinematic: at its speed; Nav2: the shell reports arrivals), ask its policy at each stop that
is not the last (no answer: the Algorithm 1 plan), offer work to the stop's edge server with a
unique request id (no answer: the same id again), wait at the door of its last stop until the
server says it is released, leave pheromones, publish status and transitions.

Every offer is stamped with the sim time of the arrival, so the servers' fluid models see the
same instants as the simulator does. The constants (routes, leg times, plans) are the
simulator's own (:class:`~offload_ros.sim.simulator.Simulator`), and the bookkeeping follows
``Simulator._loop`` line for line; ``test_local_fleet`` checks that a fleet of these objects
reproduces the simulator's numbers.

An offer whose answers never came is *in doubt*: its amount is set aside (neither carried nor
delivered) and the AGV asks the server about that id until it learns the answer; the server
closes an id it never saw, so the amount is then either admitted once or carried again: never
lost, never counted twice.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from offload_ros.aigc.defect_image_generator import CLASSES
from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.agv_journal import AgvJournal
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
from offload_ros.runtime.edge_server_node import ADMITTED, QUEUED, REJECTED, UNKNOWN, \
    EdgeServerNode
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.pheromone_board import PheromoneBoard
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation import Observation
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.simulator import ARRIVAL, CYCLE_START, RELEASE, Simulator, SimulatorConfig

IDLE, DRIVING, WAITING, IN_DOUBT, DONE = 0, 1, 2, 3, 4
STATE_NAMES = ("idle", "driving", "waiting", "in doubt", "done")
_DEVIATION_KB = 1e-9
MODES = ("kinematic", "nav2")


@dataclass(frozen=True)
class AgvControllerConfig:
    """An AGV node's knobs (ROS parameters of ``agv``)."""

    mode: str = field(default="kinematic", metadata={
        "help": "kinematic: drive at speed_mps on sim time; nav2: follow Nav2 waypoints"})
    offload_timeout_s: float = field(default=0.5, metadata={
        "help": "wait this long for an edge server's answer before asking again",
        "unit": "s of wall time"})
    offload_attempts: int = field(default=3, metadata={
        "help": "offers sent (same request id) before moving on with the amount in doubt"})
    noise_seed: int = field(default=0, metadata={
        "help": "which draw of the scenario's disturbance: section this AGV drives (start "
                "offset, leg times; as simulate --noise-seed; no section: nothing moves)"})
    decide_timeout_s: float = field(default=0.5, metadata={
        "help": "wait this long for the policy, then use the Algorithm 1 plan",
        "unit": "s of wall time"})
    status_period_s: float = field(default=0.5, metadata={
        "help": "publish the status at least this often", "unit": "s of wall time"})
    aigc_tasks_per_hour: float = field(default=0.0, metadata={
        "help": "AIGC tasks an AGV emits per sim hour (Poisson), sent with its next offer"})
    aigc_images: int = field(default=4, metadata={"help": "images per AIGC task"})
    aigc_steps: int = field(default=20, metadata={"help": "denoising steps per AIGC task"})
    aigc_deadline_s: float = field(default=600.0, metadata={
        "help": "AIGC deadline after the task is emitted", "unit": "s of sim time"})
    seed: int = field(default=0, metadata={"help": "seed of the AIGC task stream"})
    nav2_namespace: str = field(default="", metadata={
        "help": "Nav2 mode: the robot's Nav2 namespace ('' = the AGV id, as in Nav2's "
                "multi-robot bringup)"})
    nav2_navigator: str = field(default="bt_navigator", metadata={
        "help": "Nav2 mode: the lifecycle node to wait for before the first goal ('' = only "
                "the NavigateToPose action server)"})
    nav2_localizer: str = field(default="", metadata={
        "help": "Nav2 mode: '' or robot_localization (no wait), amcl (wait for it; initial "
                "pose at the AGV's start), or another lifecycle node to wait for"})
    map_frame: str = field(default="map", metadata={"help": "Nav2 mode: frame of the goals"})
    journal: str = field(default="", metadata={
        "help": "SQLite journal of the AGV's state (cycle, stop, kB on board, offers in "
                "doubt); a restarted AGV resumes from it ('' = none: a restart starts over)"})

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise NodeError(f"mode: must be one of {MODES}, got {self.mode!r}")
        if self.offload_attempts < 1:
            raise NodeError(f"offload_attempts: must be >= 1, got {self.offload_attempts}")
        if self.aigc_tasks_per_hour < 0:
            raise NodeError("aigc_tasks_per_hour: must be >= 0")


class AgvPorts(Protocol):
    """What a shell gives an AGV: blocking calls that answer ``None`` on timeout."""

    def decide(self, request: Any) -> Any | None: ...

    def offload(self, es_id: str, request: Any) -> Any | None: ...

    def publish(self, topic: str, typename: str, message: Any) -> None: ...


class AgvController:
    """One AGV of a scenario. ``step(now, ports)`` runs every event due by ``now`` (sim
    time); ``on_es_state`` and ``on_pheromone`` feed it what the servers publish."""

    def __init__(self, scenario: Scenario, agv_id: str, config: AgvControllerConfig | None = None,
                 *, run_id: str | None = None, sim: Simulator | None = None,
                 sim_config: SimulatorConfig | None = None, time_origin_s: float = 0.0,
                 horizon_s: float | None = None,
                 placement: AigcPlacerConfig | None = None) -> None:
        """``time_origin_s`` shifts the schedule (real time on robots: the node's start);
        ``horizon_s`` overrides the scenario's (``math.inf``: until stopped); ``placement``
        with ``aigc_placement`` on: the AGV also places its AIGC tasks (``placer``, its
        state in this journal)."""
        self.config = config or AgvControllerConfig()
        self.placer = AigcPlacer(scenario, agv_id, placement) \
            if placement is not None and placement.aigc_placement else None
        try:
            self.m = scenario.agv_index(agv_id)
        except Exception as err:  # noqa: BLE001 - ModelError
            raise NodeError(f"AGV {agv_id!r} is not in scenario {scenario.name!r}") from err
        self.scenario, self.agv_id = scenario, agv_id
        self.horizon = scenario.horizon_s if horizon_s is None else horizon_s
        self.run_id = run_id or uuid.uuid4().hex[:8]   # request ids stay unique after a restart
        self.sim = sim or Simulator(scenario, sim_config, noise_seed=self.config.noise_seed)
        m, sim = self.m, self.sim
        self.spec = scenario.agvs[m]
        self.route_ids = tuple(self.spec.route)
        self.route, self.legs, self.reach = sim.route[m], sim.legs[m], sim.reach[m]
        self.tail, self.load = sim.tail[m], sim.load[m]
        self.points = scenario.route_positions(self.spec)
        self.types = MessageTypes.default()
        self.features = ObservationFeatures(scenario)
        self.es_states: dict[str, Any] = {}
        self.board = PheromoneBoard(sim)
        # what the simulator's SimState holds for this AGV
        self.stop = 0
        self.remaining = 0.0
        self.started = 0
        self.returns = 0
        self.wait_start = 0.0
        self.wait_total = 0.0
        self.waits = 0
        self.delivered = 0.0
        self.loaded = 0.0
        self.ndec = 0
        self.short: list[tuple[int, float, int]] = []
        self.counts = {"fallbacks": 0, "retries": 0}
        start = time_origin_s + sim.start_time[m]      # disturbed by the noise draw, if any
        self.next: tuple[float, int] | None = (start, CYCLE_START)
        self.depart = start                              # when the current leg began
        self.state = IDLE
        self.door: tuple[str, float, float] | None = None   # (request id, rest, release_s)
        self.pending: tuple[str, Any] | None = None         # last-stop offer not yet answered
        self.in_doubt: dict[str, tuple[str, float, float]] = {}   # rid -> (es, kb, stamp)
        self.seq = 0
        self.notes: list[str] = []        # refusals the shell should log (then clears)
        self.aigc_rng = Seeding.rng(self.config.seed, "aigc-tasks", agv_id)
        self.aigc_next = self._next_task_time(start)
        self.aigc_queue: list[dict[str, Any]] = []
        self.aigc_count = 0                 # tasks emitted: their ids are unique in a run
        self.outbox: dict[str, Any] | None = None   # the offer being sent (write-ahead)
        self.resumed = False
        self.journal = AgvJournal(self.config.journal) if self.config.journal else None
        if self.journal is not None:
            state = self.journal.load()
            if state is not None:
                self._restore(state)

    # ------------------------------------------------------------------ journal
    _SCALARS = ("run_id", "stop", "remaining", "started", "returns", "wait_start",
                "wait_total", "waits", "delivered", "loaded", "ndec", "depart", "state", "seq",
                "aigc_next", "aigc_count")

    def snapshot(self) -> dict[str, Any]:
        """Everything a restarted AGV needs to go on (JSON)."""
        out: dict[str, Any] = {k: getattr(self, k) for k in self._SCALARS}
        out.update(agv_id=self.agv_id, short=self.short, counts=self.counts, next=self.next,
                   door=self.door, in_doubt=self.in_doubt, outbox=self.outbox,
                   aigc_queue=self.aigc_queue, aigc_rng=self.aigc_rng.bit_generator.state)
        if self.placer is not None:
            out["aigc_placer"] = self.placer.snapshot()
        return out

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("agv_id") != self.agv_id:
            raise NodeError(f"journal {self.config.journal}: it is {state.get('agv_id')!r}'s, "
                            f"not {self.agv_id!r}'s")
        try:
            for k in self._SCALARS:
                setattr(self, k, state[k])
            self.short = [tuple(x) for x in state["short"]]
            self.counts.update(state["counts"])
            self.next = tuple(state["next"]) if state["next"] is not None else None
            self.door = tuple(state["door"]) if state["door"] is not None else None
            self.in_doubt = {rid: tuple(v) for rid, v in state["in_doubt"].items()}
            self.outbox = state["outbox"]
            self.aigc_queue = state["aigc_queue"]
            self.aigc_rng.bit_generator.state = state["aigc_rng"]
        except (KeyError, TypeError, ValueError) as err:
            raise NodeError(f"journal {self.config.journal}: not an AGV journal "
                            f"({err!r})") from err
        if self.placer is not None and state.get("aigc_placer"):
            self.placer.restore(state["aigc_placer"])
        if self.outbox is not None and self.outbox["fields"]["last_stop"]:
            self.pending = (self.outbox["rid"], self._request(self.outbox["fields"]))
        self.resumed = True

    def save(self) -> None:
        if self.journal is not None:
            self.journal.save(self.snapshot())

    def close(self) -> None:
        if self.journal is not None:
            self.save()
            self.journal.close()
            self.journal = None

    # ------------------------------------------------------------------ inputs
    def on_es_state(self, state: Any) -> None:
        if state.es_id in self.sim.es_ids:
            self.es_states[state.es_id] = state

    def on_pheromone(self, msg: Any) -> None:
        """A pheromone left at ``msg.es_id`` (kept as the topic's QoS: the newest 32)."""
        self.board.add(msg)

    def arrived(self, t: float) -> None:
        """Nav2 mode: the shell reports that the current goal was reached at ``t``."""
        if self.config.mode != "nav2" or self.next is not None or self.state == DONE:
            return
        kind = ARRIVAL if self.stop < len(self.route) else CYCLE_START
        self.next = (t, kind)

    def goal(self) -> tuple[float, float] | None:
        """Nav2 mode: where it drives now (the next stop, or back to its start); None while
        it is not driving or an arrival is reported but not yet handled."""
        if self.state != DRIVING or self.next is not None:
            return None
        return self.points[self.stop + 1] if self.stop < len(self.route) else self.points[0]

    # ------------------------------------------------------------------ loop
    def next_event(self) -> tuple[float, int] | None:
        return self.next

    def step(self, now: float, ports: AgvPorts) -> bool:
        """Run what is due by ``now``; True if something happened."""
        did = self.resolve(ports)
        horizon = self.horizon
        while self.next is not None and self.next[0] <= min(now, horizon):
            if not self.handle(ports):
                break
            did = True
        if now >= horizon and self.state not in (DONE, WAITING) and not self.pending:
            self.state = DONE
            did = True
        if did:
            self.save()
            ports.publish(f"/{self.agv_id}/status", "AgvStatus", self.status(now))
        return did

    def handle(self, ports: AgvPorts) -> bool:
        """Run the next event (False: it needs an answer that has not come; try later)."""
        t, kind = self.next
        if kind == CYCLE_START:
            self._cycle_start(t)
        elif kind == RELEASE:
            if not self._release(t, ports):
                return False
        elif self.stop < len(self.route) - 1:
            self._stop(t, ports)
        elif not self._last_stop(t, ports):
            return False
        self.save()
        return True

    def _schedule(self, t: float, leg: int, kind: int) -> None:
        self.depart = t
        self.state = DRIVING
        self.next = None if self.config.mode == "nav2" else (t + self.legs[leg], kind)

    # ------------------------------------------------------------------ events
    def _cycle_start(self, t: float) -> None:
        if self.started:
            self.returns += 1
        self.started += 1
        self.loaded += self.load
        self.remaining += self.load
        self.stop = 0
        self.short = []
        self._schedule(t, 0, ARRIVAL)

    def observation(self, t: float) -> Observation:
        k = self.stop
        i = self.route[k]
        es_id = self.sim.es_ids[i]
        state = self.es_states.get(es_id)
        if state is not None:
            backlog, free, door = EdgeServerNode.project(state, t)
        else:  # nothing heard from it yet: as the scenario describes it, empty
            backlog, free, door = 0.0, self.sim.cap[i], 0
        seen = self.board.seen(es_id, t, self.m)
        plan = max(0.0, self.remaining - self.tail[k])
        return Observation(self.m, self.agv_id, t, self.started - 1, k, len(self.route),
                           self.remaining, self.load, plan, i, es_id, backlog, free,
                           self.sim.cap[i], self.sim.rate[i] * 60.0, door, seen)

    def _stop(self, t: float, ports: AgvPorts) -> None:
        k = self.stop
        i = self.route[k]
        es_id = self.sim.es_ids[i]
        obs = self.observation(t)
        plan, rem = obs.plan_kb, obs.remaining_kb
        box = self.outbox
        if box is not None and box["fields"]["stop"] == k and not box["fields"]["last_stop"]:
            # resumed from the journal while this offer was out: the same id and amount again
            rid, req = box["rid"], self._request(box["fields"])
            a, action, policy, fallback = req.amount_kb, box["action"], box["policy"], \
                box["fallback"]
        else:
            answer = ports.decide(self._decide_request(obs))
            if answer is not None and answer.ok and not math.isnan(answer.amount_kb):
                a, action, policy, fallback = (answer.amount_kb, answer.action, answer.policy,
                                               False)
            else:
                a, action, policy, fallback = plan, ActionSet.DEFAULT, "plan", True
                self.counts["fallbacks"] += 1
            a = 0.0 if a < 0.0 else (rem if a > rem else a)
            rid = self._request_id()
            fields = self._offload_fields(rid, t, a, last=False)
            req = self._request(fields)
            self.outbox = {"rid": rid, "fields": fields, "action": int(action),
                           "policy": policy, "fallback": fallback}
            self.save()                # write-ahead: a restart sends this very offer again
        resp = self._offer(es_id, req, ports)
        self.outbox = None
        self.ndec += 1
        if resp is None:  # no answer at all: set the amount aside until the server tells
            self.in_doubt[rid] = (es_id, a, t)
            self.remaining = rem - a
            adm = float("nan")
        else:
            adm = resp.admitted_kb if resp.status == ADMITTED else 0.0
            if adm > 0.0:
                self.remaining = rem - adm
                self.delivered += adm
            want = a if a < plan else plan
            short = want - adm if self.sim.shared[i] and want - adm > _DEVIATION_KB else 0.0
            if short:
                self.short.append((i, short, k))
        ports.publish("/offload/transitions", "Transition", self.types.make(
            "Transition", header={"stamp": MessageTypes.stamp(t)}, agv_id=self.agv_id,
            es_id=es_id, policy=policy, cycle=max(0, self.started - 1), stop=k,
            observation=self.features(obs), action=action, default_action=ActionSet.DEFAULT,
            remaining_kb=rem, plan_kb=plan, amount_kb=a,
            admitted_kb=0.0 if math.isnan(adm) else adm,
            reward=0.0 if math.isnan(adm) else adm, fallback=fallback))
        self.stop = k + 1
        self._schedule(t, k + 1, ARRIVAL)

    def _last_stop(self, t: float, ports: AgvPorts) -> bool:
        k = self.stop
        i = self.route[k]
        es_id = self.sim.es_ids[i]
        if self.pending is None:
            rid = self._request_id()
            fields = self._offload_fields(rid, t, self.remaining, last=True)
            self.pending = (rid, self._request(fields))
            self.outbox = {"rid": rid, "fields": fields}
            self.save()                # write-ahead: a restart sends this very offer again
        rid, req = self.pending
        resp = self._offer(es_id, req, ports)
        if resp is None:
            self.state = IN_DOUBT     # it must hand everything over here: ask again later
            return False
        if resp.status == REJECTED:   # it cannot leave with the work: say why, offer again
            self.notes.append(f"{es_id} refused the hand-over {rid} at {t:.1f} s: "
                              f"{resp.reason}")
            self.state = IN_DOUBT
            return False
        self.pending = None
        self.outbox = None
        # what this offer carried (an amount in doubt that came back meanwhile stays on board)
        rem = req.amount_kb
        if resp.status == ADMITTED:
            if rem > 0.0:
                self.delivered += rem
                self.remaining -= rem
                if abs(self.remaining) < 1e-9 * max(1.0, self.load):
                    self.remaining = 0.0
            self.stop = k + 1
            self._schedule(t, -1, CYCLE_START)
            return True
        free = resp.admitted_kb
        if free > 0.0:
            self.delivered += free
            rem -= free
            self.remaining -= free
        self.wait_start = t
        self.waits += 1
        if self.sim.shared[i]:
            self.short.append((i, rem, k))
        wait = resp.release_s - t
        back = t + wait + self.legs[-1]
        ttl = self.sim.config.pheromone_ttl_s
        for j, short, kj in self.short:
            need = short if short < rem else rem
            msg = self.types.make(
                "Pheromone", header={"stamp": MessageTypes.stamp(t)}, agv_id=self.agv_id,
                es_id=self.sim.es_ids[j], need_kb=need, wait_s=wait,
                door_rate_kb_per_s=self.sim.rate[i], returns_s=back + self.reach[kj],
                cycle_s=self.sim.cycle[self.m], expires_s=t + ttl)
            ports.publish(f"/{self.sim.es_ids[j]}/pheromones", "Pheromone", msg)
            self.on_pheromone(msg)
        self.short = []
        self.door = (rid, rem, resp.release_s)
        self.state = WAITING
        self.next = (resp.release_s, RELEASE)
        return True

    def _release(self, t: float, ports: AgvPorts) -> bool:
        rid, rest, _ = self.door
        es_id = self.route_ids[-1]
        req = self.types.make("Offload_Request", request_id=rid, agv_id=self.agv_id,
                              stamp_s=t, cycle=max(0, self.started - 1), stop=self.stop,
                              last_stop=True, amount_kb=rest, resolve_only=True)
        resp = ports.offload(es_id, req)
        if resp is None:
            self.counts["retries"] += 1
            return False
        if resp.status == QUEUED:       # not yet (the server was down a while): ask again then
            self.door = (rid, rest, resp.release_s)
            self.next = (max(resp.release_s, t), RELEASE)
            return True
        released = resp.release_s if resp.status == ADMITTED else t
        self.delivered += rest
        self.remaining -= rest
        if abs(self.remaining) < 1e-9 * max(1.0, self.load):
            self.remaining = 0.0
        self.wait_total += released - self.wait_start
        self.door = None
        self.stop = len(self.route)
        self._schedule(released, -1, CYCLE_START)
        return True

    # ------------------------------------------------------------------ offers
    def _request_id(self) -> str:
        self.seq += 1
        return f"{self.agv_id}:{self.run_id}:{self.seq}"

    def _offload_fields(self, rid: str, t: float, amount: float, last: bool) -> dict:
        """An offer's fields (JSON, for the journal)."""
        return {"request_id": rid, "agv_id": self.agv_id, "stamp_s": t,
                "cycle": max(0, self.started - 1), "stop": self.stop, "last_stop": last,
                "amount_kb": amount, "tasks": self._take_tasks(t)}

    def _request(self, fields: dict[str, Any]) -> Any:
        return self.types.make("Offload_Request", **fields)

    def _offer(self, es_id: str, req: Any, ports: AgvPorts) -> Any | None:
        for attempt in range(self.config.offload_attempts):
            if attempt:
                self.counts["retries"] += 1
            resp = ports.offload(es_id, req)
            if resp is not None:
                if resp.status == REJECTED and not req.last_stop:
                    # a clear refusal: nothing was admitted; carry on with all of it
                    self.notes.append(f"{es_id} refused {req.request_id}: {resp.reason}")
                    return self.types.make("Offload_Response", status=ADMITTED,
                                           admitted_kb=0.0, reason=resp.reason)
                return resp
        return None

    def resolve(self, ports: AgvPorts) -> bool:
        """Ask about offers in doubt; each ends admitted (once) or carried again."""
        did = False
        for rid, (es_id, kb, stamp) in list(self.in_doubt.items()):
            req = self.types.make("Offload_Request", request_id=rid, agv_id=self.agv_id,
                                  stamp_s=stamp, amount_kb=kb, resolve_only=True)
            resp = ports.offload(es_id, req)
            if resp is None:
                continue
            adm = resp.admitted_kb if resp.status == ADMITTED else 0.0
            if resp.status == UNKNOWN or resp.status == REJECTED:
                adm = 0.0
            self.delivered += adm
            self.remaining += kb - adm
            del self.in_doubt[rid]
            did = True
        return did

    # ------------------------------------------------------------------ AIGC tasks
    def _next_task_time(self, t: float) -> float:
        rate = self.config.aigc_tasks_per_hour / 3600.0
        return math.inf if rate <= 0 else t + float(self.aigc_rng.exponential(1.0 / rate))

    def _take_tasks(self, t: float) -> list[dict[str, Any]]:
        while self.aigc_next <= t:
            n = self.aigc_count
            self.aigc_count += 1
            cls = CLASSES[int(self.aigc_rng.integers(1, len(CLASSES)))]   # a defect
            self.aigc_queue.append({
                "task_id": f"{self.agv_id}:{self.run_id}:task{n}", "defect_class": cls,
                "images": self.config.aigc_images, "resolution": 32,
                "steps": self.config.aigc_steps, "seed": int(self.aigc_rng.integers(2**31)),
                "input_kb": 2.0, "output_kb": self.config.aigc_images * 1.0,
                "deadline_s": self.aigc_next + self.config.aigc_deadline_s})
            self.aigc_next = self._next_task_time(self.aigc_next)
        tasks, self.aigc_queue = self.aigc_queue, []
        return tasks

    # ------------------------------------------------------------------ outputs
    def _decide_request(self, obs: Observation) -> Any:
        return self.types.make(
            "Decide_Request", agv_id=self.agv_id, time_s=obs.time_s, cycle=obs.cycle,
            stop=obs.stop, stops=obs.stops, remaining_kb=obs.remaining_kb, load_kb=obs.load_kb,
            plan_kb=obs.plan_kb, es_id=obs.es_id, backlog_kb=obs.backlog_kb,
            free_kb=obs.free_kb, capacity_kb=obs.capacity_kb,
            rate_kb_per_min=obs.rate_kb_per_min, door_queue=obs.door_queue,
            pheromones=[{"header": {"stamp": MessageTypes.stamp(p.time_s)},
                         "agv_id": p.agv_id, "es_id": obs.es_id, "need_kb": p.need_kb,
                         "wait_s": p.wait_s, "door_rate_kb_per_s": p.door_rate_kb_per_s,
                         "returns_s": p.returns_s, "cycle_s": p.cycle_s,
                         "expires_s": p.expires_s} for p in obs.pheromones])

    def position_at(self, t: float) -> tuple[float, float]:
        if self.state in (WAITING, IN_DOUBT):
            return self.points[len(self.route)]
        if self.state == IDLE:
            return self.points[0]
        leg = self.stop if self.stop < len(self.route) else len(self.route)
        a, b = np.array(self.points[leg]), np.array(self.points[leg + 1])
        dur = self.legs[leg] if leg < len(self.legs) else 0.0
        f = 1.0 if dur <= 0 else min(1.0, max(0.0, (t - self.depart) / dur))
        p = a + (b - a) * f
        return float(p[0]), float(p[1])

    def status(self, t: float) -> Any:
        wait = self.wait_total
        if self.state == WAITING:
            wait += min(t, self.horizon) - self.wait_start
        x, y = self.position_at(t)
        target = self.route_ids[self.stop] if self.stop < len(self.route) else \
            (self.route_ids[-1] if self.door is not None else "")
        nxt = self.next if self.next is not None and self.pending is None else (-1.0, 0)
        return self.types.make(
            "AgvStatus", header={"stamp": MessageTypes.stamp(t)}, agv_id=self.agv_id,
            state=self.state, cycle=self.returns, stop=self.stop, target_es=target,
            next_event_s=nxt[0], next_event_kind=nxt[1],
            position={"x": x, "y": y}, remaining_kb=self.remaining, loaded_kb=self.loaded,
            delivered_kb=self.delivered,
            in_doubt_kb=sum(kb for _, kb, _ in self.in_doubt.values()),
            wait_s=wait, waits=self.waits, decisions=self.ndec, **self.counts)

"""An edge server's logic (DESIGN.md rules 2-4) on sim time: admission, the door queue,
processing at its rate, idempotent requests, a journal, AIGC task intake.

Time comes from the requests: an AGV stamps each offer with the sim time of its arrival and
the server advances its fluid model to that stamp (never backwards: a late offer is taken at
the server's current time). So network delay does not change what is admitted, and a live
fleet reproduces the simulator. Between offers the state is *projected* (:meth:`state_at`)
for publication without advancing, so a periodic publication never runs ahead of an offer
that is on its way.

At a route's last stop an AGV that does not fit joins the door queue; the answer says when it
will have handed over everything (``release_s``: the queue ahead and its own rest drain at
the server's rate). It asks again at that time (``resolve_only``) and learns whether it was
released; after a restart the answer moves the time on. A repeated request id is answered
with its first answer and admits nothing.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

from offload_ros.aigc.defect_image_generator import CLASSES
from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_edge import AigcEdge
from offload_ros.runtime.edge_journal import EdgeJournal
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_simulator import AigcTask

ADMITTED, QUEUED, REJECTED, UNKNOWN = 0, 1, 2, 3
COMPUTE = ("auto", "emulated", "real")
_EPS_KB = 1e-9


@dataclass(frozen=True)
class EdgeServerNodeConfig:
    """An edge server node's knobs (ROS parameters of ``edge_server``)."""

    max_skew_s: float = field(default=30.0, metadata={
        "help": "offers stamped further than this ahead of the server's clock are rejected",
        "unit": "s of sim time"})
    max_offer_loads: float = field(default=4.0, metadata={
        "help": "offers of more than this many of the AGV's loads are rejected as oversize "
                "(an AGV carries one load, more only after offers in doubt came back)"})
    journal: str = field(default="", metadata={
        "help": "SQLite journal of the backlog and answers ('' = none: a restart forgets)"})
    order_timeout_s: float = field(default=2.0, metadata={
        "help": "longest hold of an offer while an AGV due here earlier (by its status) has "
                "not offered yet", "unit": "s of wall time"})
    settle_s: float = field(default=60.0, metadata={
        "help": "processing older than this is committed (and journalled); an offer stamped "
                "earlier is taken at the server's time", "unit": "s of sim time"})
    state_period_s: float = field(default=0.5, metadata={
        "help": "publish the state at least this often", "unit": "s of wall time"})
    noise_seed: int = field(default=0, metadata={
        "help": "which draw of the scenario's disturbance: section sets this server's rate "
                "(as simulate --noise-seed; no section: the file's rate)"})
    aigc: bool = field(default=True, metadata={
        "help": "run AIGC tasks with the shipped diffusion model (loaded at the first task)"})
    aigc_placement: bool = field(default=False, metadata={
        "help": "serve AIGC placements on /<es>/aigc/place (run as aigc_compute says), "
                "state on /<es>/aigc/state, results on /<es>/aigc/results"})
    aigc_window_s: float = field(default=10.0, metadata={
        "help": "placements that come this late are still served at their own instant "
                "(in order); outcomes are published this much later", "unit": "s of wall "
                "time"})
    aigc_compute: str = field(default="auto", metadata={
        "help": "placed AIGC tasks: 'emulated' (link and batched compute on sim time by the "
                "AIGC model, as aigc offload runs them), 'real' (the diffusion model makes "
                "every image, the deadline holds, the latency is the time to the result; the "
                "model still gives the state AGVs decide on) or 'auto' (emulated under a sim "
                "clock, real on wall time: robots)"})
    aigc_images: int = field(default=1, metadata={
        "help": "emulated placements: images the diffusion model makes for each task done "
                "(at most the task's; 0: none), after its outcome is final and off its "
                "latency; its result carries them"})

    def __post_init__(self) -> None:
        if self.aigc_compute not in COMPUTE:
            raise NodeError(f"aigc_compute: must be one of {', '.join(COMPUTE)}, got "
                            f"{self.aigc_compute!r}")
        if self.aigc_images < 0:
            raise NodeError(f"aigc_images: must be >= 0, got {self.aigc_images!r}")


class _Door:
    """An AGV waiting at the door, by the request that put it there."""

    __slots__ = ("request_id", "agv_id", "remaining", "released_s")

    def __init__(self, request_id: str, agv_id: str, remaining: float) -> None:
        self.request_id, self.agv_id, self.remaining = request_id, agv_id, remaining
        self.released_s: float | None = None


class EdgeServerNode:
    """One edge server of a scenario. ``handle_offload(request, now)`` answers an Offload
    request (a ``Offload_Request`` message) with an ``Offload_Response``; ``state_at(t)`` is
    its ``EdgeServerState``. ``now`` is the server's sim clock, used only to refuse offers
    stamped in the future."""

    def __init__(self, scenario: Scenario, es_id: str,
                 config: EdgeServerNodeConfig | None = None, *,
                 horizon_s: float | None = None, sim_clock: bool = True) -> None:
        """``horizon_s`` overrides the scenario's (``math.inf``: until stopped);
        ``sim_clock``: the shell runs on a simulated clock (``aigc_compute: auto`` emulates
        placed tasks' compute then)."""
        self.config = config or EdgeServerNodeConfig()
        compute = self.config.aigc_compute
        #: placed tasks run on the diffusion model, their results its (else: emulated)
        self.aigc_real = compute == "real" or (compute == "auto" and not sim_clock)
        if self.aigc_real and self.config.aigc_placement and not self.config.aigc:
            raise NodeError("aigc_compute: real placements need the diffusion model "
                            "(aigc: true)")
        try:
            self.spec = scenario.edge_servers[scenario.es_index(es_id)]
        except Exception as err:  # noqa: BLE001 - ModelError or IndexError
            raise NodeError(f"edge server {es_id!r} is not in scenario {scenario.name!r}") \
                from err
        self.scenario = scenario
        self.horizon = scenario.horizon_s if horizon_s is None else horizon_s
        self.es_id = es_id
        self.rate = self.spec.rate_kb_per_s
        noise = scenario.disturbance
        if noise is not None and noise.active:       # the simulator's draw, the same factor
            self.rate *= noise.draw(scenario, self.config.noise_seed).rate_factor[
                scenario.es_index(es_id)]
        self.cap = self.spec.capacity_kb
        self.loads = {a.id: a.load_kb for a in scenario.agvs}
        self.rank = {a.id: m for m, a in enumerate(scenario.agvs)}   # rule 5's tie order
        self.types = MessageTypes.default()
        self.t = 0.0
        self.backlog = 0.0
        self.processed = 0.0
        self.admitted = 0.0
        self.by_agv: dict[str, float] = {}
        self.queue: list[_Door] = []
        self.doors: dict[str, _Door] = {}           # by request id, released ones included
        self.answers: dict[str, dict[str, Any]] = {}
        self.counts = {"requests": 0, "duplicates": 0, "rejected": 0, "restarts": 0}
        self.aigc_inbox: list[tuple[Any, str, float]] = []   # (OffloadTask, agv, submitted)
        # admitted AIGC tasks not answered yet (journalled: a restart runs them again), and
        # the ids answered, so that none is run or counted twice
        self.aigc_open: dict[str, dict[str, Any]] = {}
        self.aigc_done: set[str] = set()
        # placed AIGC tasks (journalled with the rest: a restart goes on from the state saved
        # at each admission and after each outcome)
        self.placement = AigcEdge(scenario, es_id) if self.config.aigc_placement else None
        self.aigc_progress: dict[str, float] = {}   # AGV -> it places nothing before this
        self._resumed = False
        self._journalled_t = -1.0
        self.due: dict[str, tuple[float, int]] = {}      # AGV -> its next event here
        self.handled: dict[str, tuple[float, int]] = {}  # AGV -> its latest offer taken
        self.journal = EdgeJournal(self.config.journal) if self.config.journal else None
        if self.journal is not None:
            self._resume()

    # ------------------------------------------------------------------ fluid model
    def advance(self, t: float) -> None:
        """Process up to ``t``: the door's head takes every kB that processing frees."""
        dt = t - self.t
        while dt > 0.0 and self.queue:
            head = self.queue[0]
            need = head.remaining / self.rate
            if need <= dt:
                self._absorb(head, head.remaining)
                self.processed += self.rate * need
                self.t += need
                dt = t - self.t
                head.remaining = 0.0
                head.released_s = self.t
                self.queue.pop(0)
            else:
                work = self.rate * dt
                self.processed += work
                self._absorb(head, work)
                head.remaining -= work
                self.t = t
                dt = 0.0
        if dt > 0.0:
            work = self.rate * dt
            if work >= self.backlog:
                self.processed += self.backlog
                self.backlog = 0.0
            else:
                self.processed += work
                self.backlog -= work
            self.t = t

    def _absorb(self, door: _Door, kb: float) -> None:
        """A door's head hands over ``kb`` as the same amount is processed (backlog stays)."""
        self.admitted += kb
        self.by_agv[door.agv_id] = self.by_agv.get(door.agv_id, 0.0) + kb

    def _admit(self, agv_id: str, kb: float) -> None:
        if kb > 0.0:
            self.backlog += kb
            self.admitted += kb
            self.by_agv[agv_id] = self.by_agv.get(agv_id, 0.0) + kb

    def free(self) -> float:
        return 0.0 if self.queue else max(0.0, self.cap - self.backlog)

    # ------------------------------------------------------------------ requests
    def order_key(self, req: Any) -> tuple[float, int, int]:
        """Rule 5's order of offers: by stamp, door releases before arrivals, then by the
        AGV's place in the scenario file."""
        m = self.rank.get(req.agv_id, len(self.rank))
        stamp = float(req.stamp_s)
        return (stamp if math.isfinite(stamp) else math.inf,
                0 if req.resolve_only else 2, m)

    def on_agv_status(self, status: Any) -> None:
        """Learn when each AGV is next due here (its status says where it goes and when)."""
        if status.agv_id not in self.loads:
            return
        if status.target_es == self.es_id and status.next_event_s >= 0 and \
                status.next_event_kind != 1:
            self.due[status.agv_id] = (status.next_event_s, status.next_event_kind)
        else:
            self.due.pop(status.agv_id, None)

    def blocked_by(self, req: Any) -> str:
        """An AGV due here before this offer (rule 5's order) whose offer has not come yet:
        take this one after it (conservative ordering: offers stamped at the same instant by
        different processes are admitted in the simulator's order). '' if none."""
        key = self.order_key(req)
        for agv, (t, kind) in self.due.items():
            if agv == req.agv_id:
                continue
            if (t, kind, self.rank[agv]) < key and self.handled.get(agv, (-1.0, 0)) < (t, kind):
                return agv
        return ""

    def handle_offload(self, req: Any, now: float) -> Any:
        """Answer one Offload request. Never raises on bad input: a bad offer is answered
        ``REJECTED`` with the reason (and counted)."""
        self.counts["requests"] += 1
        rid = req.request_id
        if rid in self.answers:
            return self._answer_again(req, now)
        problem = self._problem(req, now)
        if problem:
            self.counts["rejected"] += 1
            return self._response({"status": REJECTED, "reason": problem})
        stamp = float(req.stamp_s)
        self.advance(max(stamp, self.t))
        self.handled[req.agv_id] = max(self.handled.get(req.agv_id, (-1.0, 0)),
                                       self.order_key(req)[:2])
        if req.resolve_only:  # never seen: close the id so a late copy admits nothing
            answer = {"status": UNKNOWN, "admitted_kb": 0.0,
                      "reason": "no earlier request with this id; closed"}
            self._record(rid, answer)
            return self._response(answer)
        free = self.free()
        amount = float(req.amount_kb)
        if not req.last_stop:
            adm = min(amount, free)
            self._admit(req.agv_id, adm)
            answer = {"status": ADMITTED, "admitted_kb": adm, "free_kb": free}
        elif amount <= free:
            self._admit(req.agv_id, amount)
            answer = {"status": ADMITTED, "admitted_kb": amount, "free_kb": free}
        else:
            self._admit(req.agv_id, free)
            rest = amount - free
            door = _Door(rid, req.agv_id, rest)
            ahead = sum(d.remaining for d in self.queue)
            self.queue.append(door)
            self.doors[rid] = door
            answer = {"status": QUEUED, "admitted_kb": free, "free_kb": free,
                      "release_s": self.t + (ahead + rest) / self.rate,
                      "door_position": len(self.queue)}
        answer["backlog_kb"] = self.backlog
        self._intake(req, stamp)
        self._record(rid, answer)
        return self._response(answer)

    def _answer_again(self, req: Any, now: float) -> Any:
        rid = req.request_id
        door = self.doors.get(rid)
        if door is None or not req.resolve_only:
            self.counts["duplicates"] += 1
            return self._response({**self.answers[rid], "duplicate": True})
        # an AGV at the door asks whether it has been released
        self.handled[req.agv_id] = max(self.handled.get(req.agv_id, (-1.0, 0)),
                                       self.order_key(req)[:2])
        self.advance(max(min(float(req.stamp_s), now + self.config.max_skew_s), self.t))
        if door.released_s is None and door.remaining <= _EPS_KB * max(1.0, self.cap):
            self._absorb(door, door.remaining)     # rounding residue of t = start + rest / rate
            door.remaining = 0.0
            door.released_s = self.t
            self.queue.remove(door)
        if door.released_s is not None:
            answer = {"status": ADMITTED, "admitted_kb": 0.0, "release_s": door.released_s,
                      "reason": "released"}
        else:
            ahead = 0.0
            for d in self.queue:
                ahead += d.remaining
                if d is door:
                    break
            answer = {"status": QUEUED, "admitted_kb": 0.0,
                      "release_s": self.t + ahead / self.rate,
                      "door_position": self.queue.index(door) + 1}
        answer["backlog_kb"] = self.backlog
        if self.journal is not None:
            self.journal.save(self.snapshot())
        return self._response(answer)

    def _problem(self, req: Any, now: float) -> str:
        if req.agv_id not in self.loads:
            return f"unknown AGV {req.agv_id!r} (not in scenario {self.scenario.name!r})"
        if not req.request_id:
            return "request_id: empty"
        amount, stamp = float(req.amount_kb), float(req.stamp_s)
        if not math.isfinite(amount) or amount < 0.0:
            return f"amount_kb: must be a finite number >= 0, got {amount!r}"
        limit = self.loads[req.agv_id] * self.config.max_offer_loads
        if amount > limit * (1 + 1e-9):
            return (f"amount_kb: {amount:g} is more than {self.config.max_offer_loads:g} "
                    f"loads of {req.agv_id} ({limit:g} kB)")
        if not math.isfinite(stamp) or stamp < 0.0:
            return f"stamp_s: must be a finite sim time >= 0, got {stamp!r}"
        if stamp > self.horizon:
            return (f"stamp_s: {stamp:.3f} is after the run's horizon "
                    f"({self.horizon:g} s)")
        if stamp > now + self.config.max_skew_s:
            return (f"stamp_s: {stamp:.3f} is {stamp - now:.1f} s ahead of the server's clock "
                    f"(max_skew_s {self.config.max_skew_s:g})")
        limit = GenerationServiceConfig().max_images
        for k, task in enumerate(req.tasks):
            where = f"tasks[{k}]"
            if not task.task_id:
                return f"{where}.task_id: empty"
            if task.defect_class not in CLASSES:
                return f"{where}.defect_class: {task.defect_class!r} is not one of {CLASSES}"
            if not 1 <= task.images <= limit:
                return f"{where}.images: must be 1-{limit}, got {task.images}"
            if not 1 <= task.steps <= 1000:
                return f"{where}.steps: must be 1-1000, got {task.steps}"
            if not (task.input_kb >= 0 and task.output_kb >= 0):
                return f"{where}: sizes must be >= 0"
        return ""

    def _intake(self, req: Any, stamp: float) -> None:
        """Admitted AIGC tasks go to the shell's runner and into the journal (with the offer's
        answer, in one transaction) until :meth:`aigc_answered`."""
        for task in req.tasks:
            self._open(MessageTypes.to_dict(task), req.agv_id, stamp)

    def aigc_answered(self, task_id: str) -> None:
        """The shell published ``task_id``'s result: it leaves the journal's open tasks. A
        crash between the two publishes it again after the restart; consumers keep the first
        result of a task id (:class:`FleetMonitor`, the bag's counts)."""
        if self.aigc_open.pop(task_id, None) is None:
            return
        self.aigc_done.add(task_id)
        if self.journal is not None:
            self.journal.save(self.snapshot())

    def _record(self, rid: str, answer: dict[str, Any]) -> None:
        self.answers[rid] = answer
        if self.journal is not None:
            self.journal.save(self.snapshot(), (rid, answer))
            self._journalled_t = self.t

    def _response(self, answer: dict[str, Any]) -> Any:
        return self.types.make("Offload_Response", **answer)

    # ------------------------------------------------------------------ placed AIGC tasks
    def handle_place(self, req: Any, now: float) -> Any:
        """A ``PlaceAigc_Request``: admit the task (its upload starts at ``req.stamp_s``),
        journalled before the answer, or say why not (full, or a bad request)."""
        if self.placement is None:
            return self._place_answer(False, f"{self.es_id} takes no AIGC placements "
                                             "(aigc_placement is off)")
        problem = self._place_problem(req, now)
        if problem:
            self.counts["rejected"] += 1
            return self._place_answer(False, problem)
        t, s = req.task, self.placement.settings
        task = AigcTask(0, self.rank[req.agv_id], req.arrival_s, t.defect_class, int(t.images),
                        int(t.steps), int(t.resolution), float(t.input_kb),
                        s.output_kb(int(t.images), int(t.resolution)),
                        t.deadline_s - req.arrival_s,
                        s.task_s(int(t.images), int(t.steps), int(t.resolution)))
        reason = self.placement.place(t.task_id, task, req.stamp_s)
        if not reason and self.aigc_real:     # the diffusion model runs it from its arrival
            self._open(MessageTypes.to_dict(t), req.agv_id, req.arrival_s)
        if not reason and self.journal is not None:
            self.journal.save(self.snapshot())
        return self._place_answer(not reason, reason)

    def _open(self, task: dict, agv_id: str, submitted_s: float,
              outcome: dict | None = None) -> None:
        """A task for the shell's runner, open in the journal until :meth:`aigc_answered`
        (a task id once); ``outcome``: its result is this (emulated) one, with the runner's
        images."""
        tid = task["task_id"]
        if tid in self.aigc_open or tid in self.aigc_done:
            return
        task.setdefault("seed", 0)
        if not task["seed"]:            # its images are the same after a restart
            task["seed"] = zlib.crc32(tid.encode())
        entry = {"task": task, "agv": agv_id, "stamp": submitted_s}
        if outcome is not None:
            entry["outcome"] = outcome
        self.aigc_open[tid] = entry
        self.aigc_inbox.append((self.types.make("OffloadTask", **task), agv_id, submitted_s))

    def _place_problem(self, req: Any, now: float) -> str:
        t = req.task
        if req.agv_id not in self.rank:
            return f"agv_id: {req.agv_id!r} is not in scenario {self.scenario.name!r}"
        if not t.task_id:
            return "task.task_id: empty"
        for name, value in (("stamp_s", req.stamp_s), ("arrival_s", req.arrival_s),
                            ("task.input_kb", t.input_kb), ("task.deadline_s", t.deadline_s)):
            if not math.isfinite(value):
                return f"{name}: not a finite number ({value!r})"
        if req.stamp_s > now + self.config.max_skew_s:
            return (f"stamp_s: {req.stamp_s:.1f} s is more than max_skew_s ahead of the "
                    f"server's {now:.1f} s")
        if req.arrival_s > req.stamp_s + 1e-9 or req.arrival_s < 0:
            return f"arrival_s: {req.arrival_s!r} must be in [0, stamp_s]"
        if not (t.images >= 1 and t.steps >= 1 and t.resolution >= 1 and t.input_kb >= 0):
            return "task: images, steps and resolution must be >= 1, input_kb >= 0"
        return ""

    def _place_answer(self, admitted: bool, reason: str) -> Any:
        return self.types.make("PlaceAigc_Response", admitted=admitted, reason=reason)

    def on_aigc_progress(self, msg: Any) -> None:
        """An AGV's ``AigcProgress``: it will place nothing stamped before ``next_s``."""
        if msg.agv_id not in self.rank:
            raise NodeError(f"AIGC progress of {msg.agv_id!r}, not an AGV of "
                            f"{self.scenario.name!r}")
        self.aigc_progress[msg.agv_id] = msg.next_s

    def place_step(self, now: float, window_s: float = 0.0) -> list[Any]:
        """Commit placed tasks as far as no placement can come before: the epoch every AGV
        has decided up to (their progress), but at least ``window_s`` (sim seconds) behind
        ``now`` (an AGV that does not progress is waited for that long) and not past
        ``now``'s epoch; the ``AigcResult`` of each task finished by then (stamped when its
        images were back, or when it was dropped), journalled as the server's state after
        them."""
        if self.placement is None:
            return []
        decided = min((self.aigc_progress.get(a, -math.inf) for a in self.rank),
                      default=math.inf)
        commit = min(now, max(decided, now - window_s))
        outcomes = self.placement.advance(self.placement.epoch_start_at(commit))
        ids = [a.id for a in self.scenario.agvs]
        out = []
        for o in outcomes:
            if self.aigc_real:        # the model's outcome only moved its state on
                continue
            result = {"task_id": o.task_id, "agv_id": ids[o.agv], "status": 1 if o.expired
                      else 0, "reason": "its deadline passed while it waited in the queue"
                      if o.expired else "", "defect_class": o.cls,
                      "submitted_s": o.finish_s - o.latency_s, "latency_s": o.latency_s,
                      "finish_s": o.finish_s}
            images = min(self.config.aigc_images, o.images)
            if o.expired or not images or not self.config.aigc:
                out.append(self._placed_result(result))
            else:                     # published with its images (aigc_result)
                self._open({"task_id": o.task_id, "defect_class": o.cls, "images": images,
                            "steps": o.steps}, ids[o.agv], result["submitted_s"], result)
        if outcomes and self.journal is not None:
            self.journal.save(self.snapshot())
        return out

    def _placed_result(self, r: dict, images: Any = (), note: str = "") -> Any:
        return self.types.make(
            "AigcResult", header={"stamp": MessageTypes.stamp(r["finish_s"])},
            task_id=r["task_id"], agv_id=r["agv_id"], es_id=self.es_id, status=r["status"],
            reason=note or r["reason"], defect_class=r["defect_class"],
            submitted_s=r["submitted_s"], latency_s=r["latency_s"], images=list(images))

    def aigc_result(self, result: Any) -> Any:
        """The runner's ``AigcResult`` as the server publishes it: for an emulated placement
        the model's outcome (its status, latency and time) with the runner's images (none,
        and why, when the model could not make them); others as they are."""
        entry = self.aigc_open.get(result.task_id)
        if entry is None or "outcome" not in entry:
            return result
        if result.status == 0:
            return self._placed_result(entry["outcome"], result.images)
        return self._placed_result(entry["outcome"], note=f"no images: {result.reason}")

    def place_state_at(self, req: Any) -> Any:
        """An ``AigcStateAt_Request`` → its response: the state at ``req.time_s`` with the
        placements stamped before it (an empty state when placement is off)."""
        if self.placement is None or not math.isfinite(req.time_s):
            return self.types.make("AigcStateAt_Response")
        return self.types.make("AigcStateAt_Response", state=self._state_msg(
            self.placement.state_at(req.time_s)))

    def place_state(self, placed: bool = False) -> Any:
        """The ``AigcEdgeState`` (what AGVs build their observations from): where the
        server's model is, or (``placed``) just after the last placement's instant."""
        p = self.placement
        return self._state_msg(p.placed_state if placed and p.placed_state is not None
                               else p.state())

    def _state_msg(self, state: dict) -> Any:
        p = self.placement
        return self.types.make(
            "AigcEdgeState", header={"stamp": MessageTypes.stamp(state["time_s"])},
            es_id=self.es_id, load=len(state["tasks"]) - len(state["downloads"]),
            owed_s=p.owed_s(state), state_json=json.dumps(state))

    # ------------------------------------------------------------------ state
    def state_at(self, t: float) -> Any:
        """The ``EdgeServerState`` at ``t``, never past the horizon (projected; the model
        is not advanced)."""
        shadow = self._copy()
        shadow.advance(max(min(t, self.horizon), shadow.t))
        return self.types.make(
            "EdgeServerState", header={"stamp": MessageTypes.stamp(shadow.t)},
            es_id=self.es_id, capacity_kb=self.cap, rate_kb_per_min=self.rate * 60.0,
            backlog_kb=shadow.backlog, processed_kb=shadow.processed,
            admitted_kb=shadow.admitted,
            door_queue=[d.agv_id for d in shadow.queue],
            door_remaining_kb=[d.remaining for d in shadow.queue],
            agv_ids=sorted(shadow.by_agv), agv_admitted_kb=[shadow.by_agv[a]
                                                            for a in sorted(shadow.by_agv)],
            aigc_pending=self.aigc_owed(), **self.counts)

    @property
    def aigc_background(self) -> bool:
        """The shell's runner only makes images for emulated placements (off their
        latency): it runs at a low priority."""
        return self.placement is not None and not self.aigc_real

    def aigc_owed(self) -> int:
        """AIGC tasks admitted and not answered yet (``aigc_pending``): those the shell's
        runner has (from their admission until their result is published: none is missed
        between the inbox and the runner), and emulated placements whose outcome is not
        final yet."""
        owed = len(self.aigc_open) if self.config.aigc else 0
        if self.placement is not None and not self.aigc_real:
            owed += self.placement.held()
        return owed

    def _copy(self) -> "EdgeServerNode":
        c = EdgeServerNode.__new__(EdgeServerNode)
        c.rate, c.cap, c.t, c.scenario = self.rate, self.cap, self.t, self.scenario
        c.horizon = self.horizon
        c.backlog, c.processed, c.admitted = self.backlog, self.processed, self.admitted
        c.by_agv = dict(self.by_agv)
        c.queue = [_Door(d.request_id, d.agv_id, d.remaining) for d in self.queue]
        return c

    @staticmethod
    def project(state: Any, t: float) -> tuple[float, float, int]:
        """(backlog, free, door queue length) at ``t`` from a received ``EdgeServerState``."""
        stamp = MessageTypes.seconds(state.header.stamp)
        backlog = state.backlog_kb
        if not state.door_queue and t > stamp:
            backlog = max(0.0, backlog - state.rate_kb_per_min / 60.0 * (t - stamp))
        free = 0.0 if state.door_queue else max(0.0, state.capacity_kb - backlog)
        return backlog, free, len(state.door_queue)

    def snapshot(self) -> dict[str, Any]:
        return {"t": self.t, "backlog": self.backlog, "processed": self.processed,
                "admitted": self.admitted, "by_agv": self.by_agv,
                "queue": [d.request_id for d in self.queue],
                "doors": {rid: [d.agv_id, d.remaining, d.released_s]
                          for rid, d in self.doors.items()},
                "counts": self.counts, "aigc_open": self.aigc_open,
                "aigc_done": sorted(self.aigc_done),
                "aigc_placement": self.placement.journal() if self.placement else None}

    def _resume(self) -> None:
        state, answers = self.journal.load()
        self.answers = answers
        if state is None:
            return
        self.t = state["t"]
        self.backlog, self.processed = state["backlog"], state["processed"]
        self.admitted, self.by_agv = state["admitted"], dict(state["by_agv"])
        self.counts.update(state["counts"])
        self.counts["restarts"] += 1
        self._resumed = True
        for rid, (agv, remaining, released) in state["doors"].items():
            door = _Door(rid, agv, remaining)
            door.released_s = released
            self.doors[rid] = door
        self.queue = [self.doors[rid] for rid in state["queue"]]
        self.aigc_open = dict(state.get("aigc_open", {}))
        self.aigc_done = set(state.get("aigc_done", ()))
        if self.placement is not None and state.get("aigc_placement"):
            self.placement = AigcEdge.resume(self.scenario, self.es_id,
                                             state["aigc_placement"])
        for entry in self.aigc_open.values():           # run again: none was answered
            self.aigc_inbox.append((self.types.make("OffloadTask", **entry["task"]),
                                    entry["agv"], entry["stamp"]))

    def restart_at(self, now: float) -> None:
        """After a restart: the server was down until ``now`` and processed nothing then."""
        if now > self.t:
            self.t = now

    def housekeep(self, now: float, *, holding: bool = False) -> str:
        """A running server's periodic work at its clock's ``now``: after a restart, skip
        the time it was down; commit processing older than ``settle_s`` (not while an offer
        is held: it may be stamped earlier) and journal it. Returns a line to log on resume."""
        horizon = self.horizon
        note = ""
        if self._resumed:
            self.restart_at(min(now, horizon))
            self._resumed = False
            note = (f"resumed from {self.config.journal}: backlog {self.backlog:.1f} kB, "
                    f"{len(self.queue)} at the door, {len(self.aigc_open)} AIGC tasks to run "
                    "again")
        settle = min(now - self.config.settle_s, horizon)
        if settle > self.t and not holding:
            self.advance(settle)
        if self.journal is not None and self.t != self._journalled_t:
            self.journal.save(self.snapshot())
            self._journalled_t = self.t
        return note

    def close(self) -> None:
        if self.journal is not None:
            self.journal.save(self.snapshot())
            self.journal.close()

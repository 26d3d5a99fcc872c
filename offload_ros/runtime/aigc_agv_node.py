"""An AGV node's AIGC placement on the graph, for any shell (Zenoh process, rclpy node): the
epochs it runs (:class:`AigcPlacer`), what it tells the others and what it waits for, and
the requests it sends.

In the model every AGV of an epoch decides on what each server held at the epoch's start,
before that epoch's placements. Live, an AGV deciding at ``t``:

1. waits (at most ``aigc_wait_s``; without blocking: the AGV's other work goes on) until
   every other AGV's progress (``/<agv>/aigc/progress``) says it has decided, and had
   answered, every epoch before ``t``;
2. asks each server placed on since it last asked for its state at ``t``
   (``/<es>/aigc/state_at``: the server replays its window with the placements stamped
   before ``t``); the others' states it has are played forward to ``t``;
3. decides (``DecideAigc`` to its policy node) and places (``PlaceAigc``), then publishes its
   own progress.

So, however late messages come, it decides on exactly what the model's AGV sees; an AGV that
does not progress within the wait is left out (and logged) until it speaks again.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any, Protocol

from offload_ros.bag.message_types import MessageTypes
from offload_ros.runtime.aigc_edge import AigcOutcome
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPorts
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_simulator import EPS, AigcTask


class AigcNodePorts(AigcPorts, Protocol):
    """A shell's ports for the placement: the placer's plus a state query and publishing."""

    def aigc_state_at(self, es_id: str, t: float) -> dict | None: ...

    def publish(self, topic: str, typename: str, message: Any) -> None: ...


class AigcAgvNode:
    """``on_message(msg)`` for each ``AigcProgress`` and ``AigcResult`` heard (thread-safe);
    ``run(now, ports)`` runs the epochs due by ``now`` (True: something to journal);
    ``next_s``: when the next epoch with work starts (``inf``: none, or placement off)."""

    def __init__(self, placer: AigcPlacer | None, resumed: bool = False) -> None:
        """``resumed``: the AGV restarted (from its journal); its first run skips the epochs
        it missed instead of placing in the past."""
        self.placer = placer
        self.resumed = resumed
        self.types = MessageTypes.default()
        self.cond = threading.Condition()
        self.progress: dict[str, float] = {}    # another AGV -> the epoch it decides next
        self.absent: set[str] = set()           # left out of waits until they speak
        self.placed_s: dict[str, float] = {}    # server -> newest placement instant heard
        self.known: dict[str, tuple[float, dict]] = {}   # server -> (t, its state at t)
        self.fresh: list[tuple[str, float]] = []          # own placements not yet told
        self.told = math.nan
        self.notes: list[str] = []
        self.waiting_since: tuple[float, float] | None = None   # (epoch, wall time)
        self.skipped = 0
        self.queries = 0
        self.next_s = math.inf if placer is None else placer.next_epoch(0.0)
        self.placing_t = 0.0

    # ------------------------------------------------------------------ inputs
    def on_message(self, msg: Any) -> None:
        p = self.placer
        if p is None:
            return
        kind = msg.__msgtype__.rsplit("/", 1)[-1]
        if kind == "AigcProgress":
            if msg.agv_id == p.agv_id:
                return
            if msg.agv_id not in p.agv_ids:
                raise NodeError(f"AIGC progress of {msg.agv_id!r}, not an AGV of "
                                f"{p.scenario.name!r}")
            unknown = set(msg.placed_es) - set(p.es_ids)
            if unknown or len(msg.placed_es) != len(msg.placed_s):
                raise NodeError(f"AIGC progress of {msg.agv_id}: placed_es names "
                                f"{sorted(unknown) or 'a server'} wrongly or does not match "
                                f"placed_s")
            with self.cond:
                self.progress[msg.agv_id] = msg.next_s
                for es, s in zip(msg.placed_es, msg.placed_s):
                    self.placed_s[es] = max(self.placed_s.get(es, -math.inf), s)
                self.absent.discard(msg.agv_id)
                self.cond.notify_all()
        elif kind == "AigcResult" and msg.agv_id == p.agv_id and msg.es_id in p.es_ids:
            finish = MessageTypes.seconds(msg.header.stamp)
            with self.cond:
                p.on_outcome(AigcOutcome(msg.task_id, p.i, p.es_ids.index(msg.es_id), finish,
                                         msg.latency_s, msg.status != 0, msg.defect_class))

    # ------------------------------------------------------------------ an epoch
    def owed(self, t: float) -> list[str]:
        """The other AGVs that may still place before ``t`` (not absent)."""
        return [a for a in self.placer.agv_ids if a != self.placer.agv_id
                and a not in self.absent and self.progress.get(a, -math.inf) < t - EPS]

    def ready(self, t: float, timeout_s: float) -> bool:
        """May it decide at ``t``: every other AGV has decided the epochs before, or has
        been waited for ``timeout_s`` since this was first asked for ``t`` (those are then
        left out, and logged, until they speak again). Never blocks: the shell's loop goes
        on with the AGV's other work and asks again."""
        with self.cond:
            late = self.owed(t)
            if not late:
                self.waiting_since = None
                return True
            if self.waiting_since is None or self.waiting_since[0] != t:
                self.waiting_since = (t, time.monotonic())
                return False
            if time.monotonic() - self.waiting_since[1] < timeout_s:
                return False
            self.absent.update(late)
            self.waiting_since = None
            self.notes.append(f"placed at {t:.0f} s without waiting longer for "
                              f"{', '.join(late)} (no AIGC progress for {timeout_s:.2f} s; "
                              f"left out until they speak)")
            return True

    @property
    def blocked(self) -> bool:
        """An epoch is due and waits for the others (the shell asks again soon)."""
        return self.waiting_since is not None

    def states_at(self, t: float, ports: AigcNodePorts) -> dict[str, dict]:
        """Each server's state at ``t``: asked of the servers placed on since it was last
        known, played forward by the placer for the others."""
        out = {}
        for es in self.placer.es_ids:
            at, state = self.known.get(es, (0.0, None))
            if state is None or self.placed_s.get(es, -math.inf) >= at - EPS:
                self.queries += 1
                asked = ports.aigc_state_at(es, t)
                if asked is not None:
                    at, state = self.known[es] = (t, asked)
            if state is not None:
                out[es] = state
        return out

    def run(self, now: float, ports: AigcNodePorts) -> bool:
        p = self.placer
        if p is None:
            return False
        if self.next_s > now:
            self.tell(ports)                  # (the first time: where it starts)
            return False
        eps = p.settings.epoch_s
        if self.resumed:       # after a restart: no placements in the past
            self.resumed = False
            behind = max(0, math.floor((now - self.next_s) / eps + EPS))
            self.skipped += behind
            self.next_s += behind * eps
        did = False
        while self.next_s <= now + EPS:
            t = self.placing_t = self.next_s
            self.tell(ports)                      # the others need not wait for this one
            p.admit(t)
            states: dict[str, dict] = {}
            if p.waiting and p.doubt is None:
                if not self.ready(t, p.config.aigc_wait_s):
                    return did                    # this epoch again, next time round
                states = self.states_at(t, ports)
            what = p.epoch(t, states, ports)
            if what in p.es_ids:
                self.fresh.append((what, t))
                with self.cond:
                    self.placed_s[what] = max(self.placed_s.get(what, -math.inf), t)
            did = bool(what) or did
            self.next_s = p.next_epoch(t + eps)
        self.tell(ports)
        return did

    def tell(self, ports: AigcNodePorts) -> None:
        """Publish this AGV's progress if it moved or it placed since it last did."""
        if self.placer is None or (self.next_s == self.told and not self.fresh):
            return
        ports.publish(f"/{self.placer.agv_id}/aigc/progress", "AigcProgress",
                      self.types.make(
                          "AigcProgress",
                          header={"stamp": MessageTypes.stamp(min(self.next_s, 1e9))},
                          agv_id=self.placer.agv_id, next_s=self.next_s,
                          placed_es=[es for es, _ in self.fresh],
                          placed_s=[s for _, s in self.fresh]))
        self.told, self.fresh = self.next_s, []

    # ------------------------------------------------------------------ messages
    def decide_request(self, obs: Any) -> Any:
        return self.types.make(
            "DecideAigc_Request", agv_id=self.placer.agv_id, time_s=self.placing_t,
            features=obs.features[0], eft_s=obs.eft_s[0], eft_batch_s=obs.eft_batch_s[0],
            distance_m=obs.distance_m[0])

    def place_request(self, task_id: str, task: AigcTask, now: float) -> Any:
        return self.types.make(
            "PlaceAigc_Request", agv_id=self.placer.agv_id, stamp_s=now,
            arrival_s=task.arrival_s,
            task={"task_id": task_id, "defect_class": task.cls, "images": task.images,
                  "resolution": task.resolution, "steps": task.steps,
                  "input_kb": task.input_kb, "output_kb": task.output_kb,
                  "deadline_s": task.arrival_s + task.deadline_s})

    @staticmethod
    def answer(es_id: str, response: Any) -> str | None:
        """A ``PlaceAigc_Response`` as the placer takes it (None: no answer)."""
        if response is None:
            return None
        if response.admitted:
            return ""
        return response.reason or f"{es_id} refused"

    @staticmethod
    def state_of(response: Any) -> dict | None:
        """The state in an ``AigcStateAt_Response`` (None: no answer, or none in it)."""
        if response is None or not response.state.state_json:
            return None
        try:
            return json.loads(response.state.state_json)
        except ValueError:
            return None

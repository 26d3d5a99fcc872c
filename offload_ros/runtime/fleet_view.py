"""What a live policy node knows of the whole fleet, turned back into the simulator's state:
the ``rollout`` planner's input on the graph (DESIGN.md, "Policies are per factory").

It keeps the newest message of each kind it receives and, at a decision, rebuilds a
:class:`~offload_ros.sim.simulator.SimState` at the decision's time ``T`` from them:

==========================  ============================================================
field of the state          from
==========================  ============================================================
server ``t_upd``,           ``EdgeServerState``: ``header.stamp``, ``backlog_kb``,
``backlog``, ``processed``  ``processed_kb`` (the fluid model carries them on to ``T``)
server rate                 ``EdgeServerState.rate_kb_per_min`` (a disturbed server's own)
door queue and the head's   ``EdgeServerState.door_queue``, ``door_remaining_kb``; the
release                     head is released at ``stamp + its rest / rate``
pheromones                  ``/<es>/pheromones`` (the newest 32 per server, unexpired,
                            left before the decision)
deciding AGV                the ``Decide`` request: ``stop``, ``remaining_kb``, ``cycle``;
                            its arrival is the pending event at ``time_s``
other AGVs                  ``AgvStatus``: ``state``, ``cycle`` (returns), ``stop``,
                            ``remaining_kb``, ``next_event_s``/``next_event_kind``,
                            ``loaded_kb``, ``delivered_kb``, ``waits``, ``wait_s``,
                            ``decisions``; ``position`` only when no event is announced
==========================  ============================================================

Not rebuilt: each AGV's shortfalls of its current cycle (no message carries them; they only
shape pheromones left later, which rollouts with a fixed base never read) and the exact
start of a wait in progress (wait statistics only).

**As of the decision.** A live fleet runs a little behind sim time, so when a request stamped
``T`` is answered, other AGVs may already have acted at later instants, and the servers
admitted their offers (each server still serves offers in stamp order). The view keeps the
last few messages of each sender and rebuilds from those that describe the fleet at ``T``:
per server the newest state stamped at or before ``T``; per AGV the oldest status whose
announced next event is still ahead of the decision (in the simulator's event order), else
its newest. So the rollout sees the later offers as the pending events they were at ``T``,
as the simulator does. A server publishes its state as of each offer it takes and, between
offers, projections to its clock; a state stamped before the last one it sent means an offer
came late, and the view forgets the projections it overtook.

**Staleness.** Messages cross the graph while the fleet moves on, so the newest of two
messages that disagree wins:

- an AGV in a server's door queue waits there, unless its own status is newer and says it
  is not waiting (it was released); an AGV whose newer status says it waits, and which the
  older server state does not list yet, joins the end of that queue with what it carries;
- an AGV whose announced event lies before ``T`` has done it without telling yet: if the
  servers' ledgers (``agv_admitted_kb``) hold more from it than its ``delivered_kb`` and
  ``in_doubt_kb``, that stop is counted done (the difference left the AGV, its next leg
  starts at the announced time); otherwise the event is taken to happen at ``T``, right
  after this decision;
- an AGV that announces no event (waiting for a server's answer; in Nav2 mode, driving)
  arrives at its target after the distance from its announced position at its speed, no
  earlier than ``T``;
- an AGV never heard from, or a server never heard from, is as the scenario starts it
  (idle until its start time, or empty); a status of ``STATE_DONE`` has no more events.

No event of the rebuilt state lies before ``T``: a rollout never replays the past.

**Waiting for the instant.** Those rules guess; a decision need not. :meth:`FleetView.owed`
names what the view still lacks to describe the fleet at ``T`` exactly, and
:meth:`FleetView.wait` waits (a bounded wall time) until nothing is owed: every other AGV
has announced an event after the decision in the simulator's order (or waits at a door, is
done, or announces no event: Nav2 driving, whose arrival no wait would tell), an AGV due to
start by ``T`` has been heard, and each server's ledger holds what the AGVs report
delivered. Decisions at one instant thus follow the simulator's order
(``agv3`` at 40 s plans after ``agv1``'s offer at 40 s has reached its server), and a
loaded fleet decides as an idle one. The guesses above remain for what does not come in
time.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections import deque
from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import DONE, IDLE, WAITING
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.pheromone_board import PheromoneBoard
from offload_ros.sim.observation import Observation
from offload_ros.sim.simulator import ARRIVAL, CYCLE_START, RELEASE, SimState, Simulator

_LEDGER_KB = 1e-6          # admitted-but-unreported below this is rounding
HISTORY = 8                # messages kept per sender


class FleetView:
    """``on_agv_status``/``on_es_state``/``on_pheromone`` for what arrives (thread-safe; a
    message naming an unknown AGV or server raises :class:`NodeError`), ``snapshot(obs)``
    at a decision. ``sim`` is the nominal factory; the rates servers announce replace its
    own as they arrive."""

    def __init__(self, scenario: Scenario, sim: Simulator | None = None) -> None:
        self.scenario = scenario
        self.sim = sim or Simulator(scenario)
        self.agvs: dict[str, deque] = {}        # each sender's last HISTORY messages
        self.servers: dict[str, deque] = {}
        self.board = PheromoneBoard(self.sim)
        self.points = [scenario.route_positions(a) for a in scenario.agvs]
        self.speeds = [scenario.speed_of(a) for a in scenario.agvs]
        self._lock = threading.Condition()     # notified by every message taken

    # ------------------------------------------------------------------ inputs
    def on_agv_status(self, msg: Any) -> None:
        if msg.agv_id not in self.sim.agv_ids:
            raise NodeError(f"status from {msg.agv_id!r}: not an AGV of "
                            f"{self.scenario.name!r}")
        with self._lock:
            kept = self.agvs.setdefault(msg.agv_id, deque(maxlen=HISTORY))
            if not kept or MessageTypes.seconds(msg.header.stamp) >= \
                    MessageTypes.seconds(kept[-1].header.stamp):   # else overtaken: dropped
                kept.append(msg)
            self._lock.notify_all()

    def on_es_state(self, msg: Any) -> None:
        sim = self.sim
        if msg.es_id not in sim.es_ids:
            raise NodeError(f"state from {msg.es_id!r}: not an edge server of "
                            f"{self.scenario.name!r}")
        if len(msg.door_queue) != len(msg.door_remaining_kb) or \
                any(a not in sim.agv_ids for a in msg.door_queue):
            raise NodeError(f"state from {msg.es_id!r}: door_queue must list AGVs of the "
                            f"scenario, one door_remaining_kb each")
        rate = msg.rate_kb_per_min / 60.0
        if not (math.isfinite(rate) and rate > 0):
            raise NodeError(f"state from {msg.es_id!r}: rate_kb_per_min must be > 0, got "
                            f"{msg.rate_kb_per_min!r}")
        with self._lock:
            kept = self.servers.setdefault(msg.es_id, deque(maxlen=HISTORY))
            stamp = MessageTypes.seconds(msg.header.stamp)
            while kept and MessageTypes.seconds(kept[-1].header.stamp) > stamp:
                kept.pop()     # projections past an offer the server took after them
            kept.append(msg)
            sim.rate[sim.es_ids.index(msg.es_id)] = rate
            self._lock.notify_all()

    def on_pheromone(self, msg: Any) -> None:
        with self._lock:
            self.board.add(msg)
            self._lock.notify_all()

    @staticmethod
    def _server_at(kept: deque, t: float) -> Any:
        """The newest state stamped at or before ``t`` (else the oldest kept)."""
        for msg in reversed(kept):
            if MessageTypes.seconds(msg.header.stamp) <= t:
                return msg
        return kept[0]

    @staticmethod
    def _agv_at(kept: deque, m: int, obs: Observation) -> Any:
        """The oldest status whose next event comes after ``obs``'s arrival in the
        simulator's order (time, kind, AGV); else the newest."""
        decision = (obs.time_s, ARRIVAL, obs.agv)
        for msg in kept:
            if msg.next_event_s >= 0 and (msg.next_event_s, msg.next_event_kind, m) > decision:
                return msg
        return kept[-1]

    # ------------------------------------------------------------------ completeness
    def owed(self, obs: Observation) -> str:
        """What the view still lacks to describe the fleet at ``obs``'s decision exactly
        ('' when nothing), in words for a log line."""
        with self._lock:
            return self._owed(obs)

    def wait(self, obs: Observation, timeout_s: float) -> str:
        """Wait up to ``timeout_s`` (wall) until nothing is owed for ``obs``; returns what
        is still owed then ('' when the view is complete)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while True:
                owed = self._owed(obs)
                left = deadline - time.monotonic()
                if not owed or left <= 0:
                    return owed
                self._lock.wait(left)

    def _owed(self, obs: Observation) -> str:
        sim = self.sim
        decision = (obs.time_s, ARRIVAL, obs.agv)
        ledger = self._ledger([self._server_at(kept, obs.time_s)
                               for kept in self.servers.values()])
        for m, agv_id in enumerate(sim.agv_ids):
            if m == obs.agv:
                continue
            kept = self.agvs.get(agv_id)
            if not kept:
                if (sim.start_time[m], CYCLE_START, m) < decision:
                    return f"a status from {agv_id} (due to start by now)"
                continue
            # an AGV that announces no event (Nav2 driving, an answer pending) owes nothing
            # a wait would bring: its arrival is estimated from where it is
            if kept[-1].state not in (DONE, WAITING) and kept[-1].next_event_s >= 0 and \
                    not any(s.next_event_s >= 0 and
                            (s.next_event_s, s.next_event_kind, m) > decision for s in kept):
                return f"{agv_id}'s status after its event at {kept[-1].next_event_s:.2f} s"
            s = self._agv_at(kept, m, obs)
            if ledger[m] < s.delivered_kb - _LEDGER_KB * max(1.0, sim.load[m]):
                return (f"the servers' state with {agv_id}'s offers ({ledger[m]:.1f} of "
                        f"{s.delivered_kb:.1f} kB admitted)")
        return ""

    # ------------------------------------------------------------------ the state
    def snapshot(self, obs: Observation) -> SimState:
        """The simulator's state at ``obs.time_s`` with ``obs``'s arrival pending (what
        :meth:`Simulator.run` hands a state policy), rebuilt as the module describes."""
        sim, t_now = self.sim, obs.time_s
        with self._lock:
            agvs = {a: self._agv_at(kept, sim.agv_ids.index(a), obs)
                    for a, kept in self.agvs.items()}
            servers = {e: self._server_at(kept, t_now) for e, kept in self.servers.items()}
            phero = [list(self.board.seen(e, t_now, obs.agv, own=True)) for e in sim.es_ids]
        st = sim.initial_state()
        st.heap = []
        st.phero = phero
        stamp = [-math.inf] * len(sim.es_ids)
        queues: list[list[tuple[int, float]]] = [[] for _ in sim.es_ids]
        ledger = self._ledger(list(servers.values()))
        for i, es_id in enumerate(sim.es_ids):
            msg = servers.get(es_id)
            if msg is None:
                st.t_upd[i] = t_now
                continue
            stamp[i] = MessageTypes.seconds(msg.header.stamp)
            st.t_upd[i], st.backlog[i], st.processed[i] = \
                stamp[i], msg.backlog_kb, msg.processed_kb
            queues[i] = [(sim.agv_ids.index(a), kb) for a, kb in
                         zip(msg.door_queue, msg.door_remaining_kb) if a != obs.agv_id]
        waiting = {m: i for i, q in enumerate(queues) for m, _ in q}
        for m, agv_id in enumerate(sim.agv_ids):
            s = agvs.get(agv_id)
            if s is not None:
                self._counters(st, m, s)
            if m == obs.agv:
                st.stop[m], st.remaining[m], st.started[m] = obs.stop, obs.remaining_kb, \
                    obs.cycle + 1
                st.heap.append((t_now, ARRIVAL, m))
            elif m in waiting:
                i = waiting[m]
                if s is not None and s.state != WAITING and \
                        stamp[i] < MessageTypes.seconds(s.header.stamp):
                    queues[i] = [(h, kb) for h, kb in queues[i] if h != m]   # released
                    self._event(st, m, s, ledger[m], t_now)
            elif s is None:
                st.heap.append((max(sim.start_time[m], t_now), CYCLE_START, m))
            elif s.state == WAITING:
                i = sim.route[m][-1]
                if stamp[i] < MessageTypes.seconds(s.header.stamp):
                    queues[i].append((m, s.remaining_kb))    # the server's state is older
                else:                                        # released, not reported yet
                    self._released(st, m, s, ledger[m], t_now)
            elif s.state != DONE:
                self._event(st, m, s, ledger[m], t_now)
        for i, q in enumerate(queues):
            st.queue[i] = [m for m, _ in q]
            for m, kb in q:
                st.stop[m], st.remaining[m] = len(sim.route[m]) - 1, kb
                s = agvs.get(sim.agv_ids[m])                  # its wait_s runs to its stamp
                st.wait_start[m] = MessageTypes.seconds(s.header.stamp) \
                    if s is not None and s.state == WAITING else t_now
            if q:
                head, rest = q[0]
                st.heap.append((max(st.t_upd[i] + rest / sim.rate[i], t_now), RELEASE, head))
        heapq.heapify(st.heap)
        return st

    def _counters(self, st: SimState, m: int, s: Any) -> None:
        st.returns[m] = s.cycle
        st.started[m] = s.cycle + (0 if s.state == IDLE else 1)
        st.stop[m], st.remaining[m] = s.stop, s.remaining_kb
        st.loaded[m], st.delivered[m] = s.loaded_kb, s.delivered_kb
        st.waits[m], st.wait_total[m], st.ndec[m] = s.waits, s.wait_s, s.decisions

    def _ledger(self, states: list[Any]) -> list[float]:
        """Per AGV, the kB these server states say their servers admitted from it."""
        ledger = [0.0] * len(self.sim.agv_ids)
        for msg in states:
            for a, kb in zip(msg.agv_ids, msg.agv_admitted_kb):
                if a in self.sim.agv_ids:
                    ledger[self.sim.agv_ids.index(a)] += kb
        return ledger

    def _unreported(self, m: int, s: Any, ledger: float) -> float:
        """kB the servers admitted from AGV ``m`` that its status does not show yet."""
        extra = ledger - s.delivered_kb - s.in_doubt_kb
        return extra if extra > _LEDGER_KB * max(1.0, self.sim.load[m]) else 0.0

    def _event(self, st: SimState, m: int, s: Any, ledger: float, t_now: float) -> None:
        """AGV ``m``'s next event from its status (not waiting, not done)."""
        sim = self.sim
        route = sim.route[m]
        t, kind = s.next_event_s, s.next_event_kind
        extra = self._unreported(m, s, ledger)
        if t < 0:                  # waiting for an answer, or Nav2 driving: from where it is
            kind = ARRIVAL if s.stop < len(route) else CYCLE_START
            target = self.points[m][min(s.stop, len(route)) + 1]
            here = (s.position.x, s.position.y)
            t = MessageTypes.seconds(s.header.stamp) + \
                self.scenario.distance(here, target) / self.speeds[m]
        elif t <= t_now and extra and kind == ARRIVAL:    # that stop is done, not yet told
            st.remaining[m] -= extra
            st.delivered[m] += extra
            k = s.stop
            if k < len(route) - 1:
                st.stop[m], st.ndec[m] = k + 1, st.ndec[m] + 1
                t += sim.legs[m][k + 1]
            else:
                kind = CYCLE_START
                t += sim.legs[m][-1]
        if kind == CYCLE_START:    # driving back: the simulator keeps the last stop's index
            st.stop[m] = min(st.stop[m], len(route) - 1)
        st.heap.append((max(t, t_now), kind, m))

    def _released(self, st: SimState, m: int, s: Any, ledger: float, t_now: float) -> None:
        """AGV ``m`` said it waits, a newer server state no longer lists it: it drives back."""
        sim = self.sim
        extra = self._unreported(m, s, ledger)
        st.remaining[m] = max(0.0, s.remaining_kb - extra)
        st.delivered[m] += extra
        st.stop[m] = len(sim.route[m]) - 1          # as the simulator keeps it, driving back
        st.heap.append((max(s.next_event_s + sim.legs[m][-1], t_now), CYCLE_START, m))

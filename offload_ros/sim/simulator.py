"""The event-driven fleet simulator: DESIGN.md rules 1-6, exactly and deterministically.

Fluid model: work is a real number of kB. Each AGV has exactly one pending event at a time
(an arrival, a cycle start, or — at the head of a door queue — its release), so the heap holds
``(time, kind, agv)`` with ``kind`` 0 = door release, 1 = cycle start, 2 = arrival: popping it
gives rule 5's order (releases, then cycle starts, then arrivals; ties by file order). An
event created at the instant being processed (a zero-length drive) runs in that same order.
Servers are advanced lazily to the time of the next event that touches them.

The loop is a generator: where a policy must decide it yields the :class:`Observation` and
receives the amount, so :meth:`Simulator.run` (a callback policy) and
:class:`~offload_ros.sim.episode.Episode` (a stepping API for environments and batched
rollouts) share one implementation of the rules.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Protocol, Sequence

from offload_ros.model.scenario import Scenario
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.errors import SimError
from offload_ros.sim.observation import Observation
from offload_ros.sim.pheromone import Pheromone
from offload_ros.sim.sim_result import AgvResult, EsResult, SimResult

RELEASE, CYCLE_START, ARRIVAL = 0, 1, 2
_DEVIATION_KB = 1e-9


class Policy(Protocol):
    """Anything that names an amount at a non-last stop.

    ``decide(obs)`` returns kB (clipped to ``[0, obs.remaining_kb]``). A policy whose answer
    depends only on (AGV, stop) may set ``static_amounts[agv][stop]``, and one that always
    asks for ``obs.plan_kb`` may set ``static_amounts = "plan"``; the simulator then builds no
    observation (greedy, fixed and balanced do this).
    """

    name: str

    def decide(self, obs: Observation) -> float: ...


class StatePolicy(Protocol):
    """A policy that plans from the simulator's state (the ``rollout`` planner):
    :meth:`Simulator.run` calls ``decide_in(obs, simulator, snapshot)``, where ``snapshot()``
    returns a copy of the state just before this decision, which
    :meth:`Simulator.rollout` continues from."""

    name: str

    def decide_in(self, obs: Observation, simulator: "Simulator",
                  snapshot: Callable[[], "SimState"]) -> float: ...


@dataclass(frozen=True)
class SimulatorConfig:
    """Simulator knobs that are not part of the scenario."""

    pheromone_ttl_s: float = field(default=900.0, metadata={
        "help": "how long a pheromone lies at an edge server", "unit": "s"})
    pheromones_per_es: int = field(default=32, metadata={
        "help": "most pheromones kept per edge server (oldest dropped), as the topic's QoS"})
    conservation_tol: float = field(default=1e-6, metadata={
        "help": "relative tolerance of the work-conservation check run after every episode"})


@dataclass
class Trace:
    """What a recorded episode keeps for counterfactual replay and for learning."""

    requests: list[list[float]]            # per AGV, each decision's (clipped) request
    decisions: list[tuple]                 # (time, agv, stop, cycle, es, request, admitted,
                                           #  plan, processed_kb: total processed at `time`)
    snapshots: dict[int, "SimState"]       # per AGV, state before its first deviation in
                                           # effect (admitted amount or reported shortfall)
    deviations: dict[int, int] = field(default_factory=dict)  # per AGV, that decision's
                                                              # index among its own
    per_decision: bool = False             # also keep a snapshot before every decision
    decision_snapshots: dict[int, "SimState"] = field(default_factory=dict)  # whose effect
                                           # differs from the plan's, by index in decisions


class SimState:
    """Everything that changes during an episode (copyable for counterfactual replay and
    rollouts; rebuilt from the graph's messages by the live policy node's ``FleetView``).

    Per edge server ``i``: ``t_upd[i]`` when its fluid model was last advanced, ``backlog``
    and ``processed`` (kB) then, ``queue[i]`` the AGV indices at its door (head first),
    ``phero[i]`` its pheromones. Per AGV ``m``: ``stop`` (route index it drives to or waits
    at), ``remaining`` (kB on board), ``started``/``returns`` (cycle starts, returns),
    ``wait_start``, ``wait_total``, ``waits``, ``delivered``, ``loaded``, ``ndec`` (decisions
    made) and ``short`` (this cycle's shortfalls ``(es, kB, stop)``). ``heap``: the pending
    events ``(time, kind, agv)``, kind ``RELEASE`` (the head of a door queue), ``CYCLE_START``
    or ``ARRIVAL``; at most one per AGV.
"""

    __slots__ = ("t_upd", "backlog", "processed", "queue", "phero", "stop", "remaining",
                 "started", "returns", "wait_start", "wait_total", "waits", "delivered",
                 "loaded", "ndec", "short", "heap")

    def copy(self) -> "SimState":
        c = SimState.__new__(SimState)
        for name in ("t_upd", "backlog", "processed", "stop", "remaining", "started",
                     "returns", "wait_start", "wait_total", "waits", "delivered", "loaded",
                     "ndec", "heap"):
            setattr(c, name, list(getattr(self, name)))
        c.queue = [list(q) for q in self.queue]
        c.phero = [list(p) for p in self.phero]
        c.short = [list(s) for s in self.short]
        return c


class Simulator:
    """Runs episodes of one scenario. Build once, run many times (it precompiles routes,
    driving times and every AGV's Algorithm 1 plan).

    ``noise_seed``: where the scenario has an active ``disturbance:`` section, its draw for
    this seed moves start times, scales each leg's driving time and each server's rate
    (``Disturbance.draw``); without the section nothing changes, whatever the seed. The
    Algorithm 1 plan stays the nominal factory's: a policy plans for the file, and meets
    the disturbed factory only through what it observes."""

    def __init__(self, scenario: Scenario, config: SimulatorConfig | None = None,
                 noise_seed: int = 0) -> None:
        self.scenario = scenario
        self.config = config or SimulatorConfig()
        self.noise_seed = noise_seed
        sc = scenario
        self.agv_ids = tuple(a.id for a in sc.agvs)
        self.es_ids = tuple(e.id for e in sc.edge_servers)
        self.route = [[sc.es_index(e) for e in a.route] for a in sc.agvs]
        self.legs = [sc.leg_times(a) for a in sc.agvs]
        self.cycle = [sum(legs) for legs in self.legs]
        # arrival offset of stop k from the cycle start: legs[0] + ... + legs[k]
        self.reach = [[sum(legs[:k + 1]) for k in range(len(legs) - 1)] for legs in self.legs]
        self.load = [a.load_kb for a in sc.agvs]
        self.start_time = [a.start_time_s for a in sc.agvs]
        self.rate = [e.rate_kb_per_s for e in sc.edge_servers]
        self.cap = [e.capacity_kb for e in sc.edge_servers]
        sharing = sc.sharing()
        self.shared = [len(sharing[e]) > 1 for e in self.es_ids]
        # what the Algorithm 1 plan still expects after stop k: sum(plan[k+1:]); the default
        # request at stop k is what it carries beyond that, so a shortfall moves on.
        self.tail = [[sum(p[k + 1:]) for k in range(len(p))] for p in DefaultPlan(sc).all()]
        noise = sc.disturbance
        self.draw = noise.draw(sc, noise_seed) if noise is not None and noise.active else None
        if self.draw is not None:
            d = self.draw
            self.start_time = [s + o for s, o in zip(self.start_time, d.start_offset_s)]
            self.legs = [[t * f for t, f in zip(legs, fs)] for legs, fs in
                         zip(self.legs, d.leg_factor)]
            self.cycle = [sum(legs) for legs in self.legs]
            self.reach = [[sum(legs[:k + 1]) for k in range(len(legs) - 1)]
                          for legs in self.legs]
            self.rate = [r * f for r, f in zip(self.rate, d.rate_factor)]
        self._all_it_carries = [[math.inf] * len(r) for r in self.route]     # greedy

    # ------------------------------------------------------------------ public API
    def run(self, policy: Policy | Callable[[Observation], float], *, record: bool = False,
            name: str | None = None) -> SimResult:
        """One episode under ``policy`` (an object with ``decide`` or a plain callable).

        With ``record=True`` the result's ``trace`` holds every decision and the snapshots that
        :class:`~offload_ros.sim.counterfactual_replay.CounterfactualReplay` resumes from.
        """
        static = getattr(policy, "static_amounts", None)
        decide = getattr(policy, "decide", None) or policy
        label = name or getattr(policy, "name", None) or getattr(decide, "__name__", "policy")
        if static is not None and static != "plan" and (len(static) != len(self.route) or any(
                len(s) < len(r) - 1 for s, r in zip(static, self.route))):
            raise SimError(f"policy {label!r}: static_amounts does not match the routes of "
                           f"{self.scenario.name!r}")
        trace = Trace([[] for _ in self.route], [], {}) if record else None
        st = self.initial_state()
        loop = self._loop(st, static, None, trace, label)
        planner = getattr(policy, "decide_in", None)
        if planner is not None:            # a StatePolicy: it plans from a copy of `st`
            def decide(obs: Observation) -> float:
                def snapshot() -> SimState:
                    snap = st.copy()           # the decision's arrival is back on the heap
                    heapq.heappush(snap.heap, (obs.time_s, ARRIVAL, obs.agv))
                    return snap
                return planner(obs, self, snapshot)
        if static is None:
            try:
                obs = next(loop)
                while True:
                    obs = loop.send(decide(obs))
            except StopIteration:
                pass
        else:
            for _ in loop:  # a static policy is never asked
                raise SimError(f"policy {label!r}: asked to decide without a decide method")
        return self._result(st, label, trace)

    def resume(self, snapshot: "SimState | None", requests: Sequence[Sequence[float]],
               agent: int, label: str, relative: bool = False) -> SimResult:
        """Continue from ``snapshot`` (``None``: from the start) with ``agent`` (-1: none) on
        its default plan and every other AGV repeating ``requests`` (its n-th request at its
        n-th decision; its plan once they run out). Used by counterfactual replay.
        ``relative``: requests are multiples of the plan at that decision (``inf``: all it
        carries), so a replayed choice keeps its meaning when the AGV carries another amount.
        """
        st = snapshot.copy() if snapshot is not None else self.initial_state()
        for _ in self._loop(st, None, (agent, requests, relative), None, label):
            raise SimError("a counterfactual replay never asks a policy")  # pragma: no cover
        return self._result(st, label, None)

    def rollout(self, snapshot: "SimState", agent: int, amount: float,
                base: str | Sequence[Sequence[float]], until: float | None = None) -> float:
        """The value of ``agent`` asking ``amount`` at its decision pending in ``snapshot``
        (from a :class:`StatePolicy`'s ``snapshot()``) while every later decision, its own
        and the others', follows ``base`` (``"greedy"``: all it carries; ``"plan"``: its
        Algorithm 1 amount; a table ``[agv][stop]`` of multiples of that amount, ``inf``
        for all it carries: a fixed plan such as a :class:`PlanTable`'s), simulated up to
        ``until`` (``None``: the horizon): the work processed by then plus the backlog its
        servers can still process before the horizon (at the horizon, exactly the
        episode's processed work)."""
        horizon = self.scenario.horizon_s
        until = horizon if until is None or until > horizon else until
        if isinstance(base, str):
            static, relative = "plan" if base == "plan" else self._all_it_carries, False
        else:
            static, relative = base, True
        st = snapshot.copy()
        for _ in self._loop(st, static, None, None, "rollout", first=(agent, amount),
                            until=until, relative_static=relative):
            raise SimError("a rollout never asks a policy")  # pragma: no cover
        left = horizon - until
        return sum(st.processed) + sum(b if b < r * left else r * left
                                       for b, r in zip(st.backlog, self.rate))

    def processed_at(self, st: "SimState", t: float) -> float:
        """Total work processed by ``t`` (no later than the next event), without advancing."""
        total = 0.0
        for i, r in enumerate(self.rate):
            work = r * (t - st.t_upd[i])
            b = st.backlog[i]
            total += st.processed[i] + (work if st.queue[i] or work < b else b)
        return total

    # ------------------------------------------------------------------ internals
    def initial_state(self) -> SimState:
        """The state at time 0: every AGV idle until its start time, every server empty."""
        n, m = len(self.rate), len(self.route)
        st = SimState()
        st.t_upd = [0.0] * n
        st.backlog = [0.0] * n
        st.processed = [0.0] * n
        st.queue = [[] for _ in range(n)]
        st.phero = [[] for _ in range(n)]
        st.stop = [0] * m
        st.remaining = [0.0] * m
        st.started = [0] * m
        st.returns = [0] * m
        st.wait_start = [0.0] * m
        st.wait_total = [0.0] * m
        st.waits = [0] * m
        st.delivered = [0.0] * m
        st.loaded = [0.0] * m
        st.ndec = [0] * m
        st.short = [[] for _ in range(m)]
        st.heap = [(self.start_time[k], CYCLE_START, k) for k in range(m)]
        heapq.heapify(st.heap)
        return st

    def _loop(self, st: SimState, static: Any, replay: Any, trace: Trace | None, label: str,
              first: tuple[int, float] | None = None, until: float | None = None,
              relative_static: bool = False) -> Generator[Observation, float, None]:
        """``first``: (agent, amount) that agent asks at its next decision whatever else
        decides; ``until``: stop there instead of at the horizon (a truncated rollout);
        ``relative_static``: ``static[agv][stop]`` is a multiple of the plan's amount
        (``inf``: all it carries) instead of kB."""
        horizon = self.scenario.horizon_s if until is None else until
        route, legs, load, tail = self.route, self.legs, self.load, self.tail
        rate, cap, shared = self.rate, self.cap, self.shared
        t_upd, backlog, processed = st.t_upd, st.backlog, st.processed
        queue, phero = st.queue, st.phero
        stop, remaining, delivered = st.stop, st.remaining, st.delivered
        heap = st.heap
        pop, push = heapq.heappop, heapq.heappush
        ttl = self.config.pheromone_ttl_s
        keep = self.config.pheromones_per_es
        cf_agent, cf_requests, relative = replay if replay is not None else (-1, None, False)

        def advance(i: int, t: float) -> None:
            dt = t - t_upd[i]
            if dt <= 0.0:
                return
            t_upd[i] = t
            work = rate[i] * dt
            q = queue[i]
            if q:  # full backlog; the head takes every kB that processing frees
                processed[i] += work
                h = q[0]
                take = work if work < remaining[h] else remaining[h]
                remaining[h] -= take
                delivered[h] += take
                backlog[i] += take - work
            else:
                b = backlog[i]
                if work >= b:
                    processed[i] += b
                    backlog[i] = 0.0
                else:
                    processed[i] += work
                    backlog[i] = b - work

        while heap:
            t, kind, m = heap[0]
            if t > horizon:
                break
            pop(heap)
            if kind == ARRIVAL:
                k = stop[m]
                r = route[m]
                i = r[k]
                advance(i, t)
                free = 0.0 if queue[i] else cap[i] - backlog[i]
                rem = remaining[m]
                if k < len(r) - 1:
                    plan = rem - tail[m][k]
                    if plan < 0.0:
                        plan = 0.0
                    if first is not None and first[0] == m:
                        a, first = first[1], None
                    elif m == cf_agent:
                        a = plan
                    elif cf_requests is not None:
                        reqs = cf_requests[m]
                        n = st.ndec[m]
                        if n >= len(reqs):
                            a = plan
                        elif relative:
                            a = reqs[n]
                            a = rem if a == math.inf else a * plan
                        else:
                            a = reqs[n]
                    elif static is not None:
                        if relative_static:
                            a = static[m][k]
                            a = rem if a == math.inf else a * plan
                        else:
                            a = plan if static == "plan" else static[m][k]
                    else:
                        ph = phero[i]
                        if ph:
                            ph[:] = [p for p in ph if p.expires_s > t]
                            seen = tuple(p for p in ph if p.agv != m)
                        else:
                            seen = ()
                        a = yield Observation(
                            m, self.agv_ids[m], t, st.started[m] - 1, k, len(r), rem, load[m],
                            plan, i, self.es_ids[i], backlog[i], free, cap[i], rate[i] * 60.0,
                            len(queue[i]), seen)
                        try:
                            a = float(a)
                        except (TypeError, ValueError) as err:
                            raise SimError(f"policy {label!r} answered {a!r} for "
                                           f"{self.agv_ids[m]} at stop {k}: not a number") from err
                        if math.isnan(a):
                            raise SimError(f"policy {label!r} answered NaN for "
                                           f"{self.agv_ids[m]} at stop {k}")
                    a = 0.0 if a < 0.0 else (rem if a > rem else a)
                    adm = a if a < free else free
                    want = a if a < plan else plan
                    short = want - adm if shared[i] and want - adm > _DEVIATION_KB else 0.0
                    if trace is not None:
                        if trace.per_decision or m not in trace.snapshots:
                            # a decision whose effect differs from the plan's (what is
                            # admitted, or the shortfall a pheromone would report): up to
                            # here the episode with this choice on plan is the same one
                            adm_p = plan if plan < free else free
                            short_p = plan - adm_p if shared[i] and plan - adm_p > \
                                _DEVIATION_KB else 0.0
                            if abs(adm - adm_p) > _DEVIATION_KB or \
                                    abs(short - short_p) > _DEVIATION_KB:
                                snap = st.copy()
                                heapq.heappush(snap.heap, (t, kind, m))
                                if m not in trace.snapshots:
                                    trace.snapshots[m] = snap
                                    trace.deviations[m] = st.ndec[m]
                                if trace.per_decision:
                                    trace.decision_snapshots[len(trace.decisions)] = snap
                        trace.requests[m].append(a)
                    st.ndec[m] += 1
                    if adm > 0.0:
                        backlog[i] += adm
                        remaining[m] = rem - adm
                        delivered[m] += adm
                    if short:
                        st.short[m].append((i, short, k))
                    if trace is not None:
                        trace.decisions.append((t, m, k, st.started[m] - 1, i, a, adm, plan,
                                                self.processed_at(st, t)))
                    stop[m] = k + 1
                    push(heap, (t + legs[m][k + 1], ARRIVAL, m))
                elif rem <= free:  # last stop, everything fits
                    if rem > 0.0:
                        backlog[i] += rem
                        delivered[m] += rem
                        remaining[m] = 0.0
                    push(heap, (t + legs[m][-1], CYCLE_START, m))
                else:  # last stop, it must wait at the door
                    if free > 0.0:
                        backlog[i] += free
                        delivered[m] += free
                        rem -= free
                        remaining[m] = rem
                    st.wait_start[m] = t
                    st.waits[m] += 1
                    if shared[i]:  # it lost capacity here too: the excess it waits with
                        st.short[m].append((i, rem, k))
                    wait = (sum(remaining[h] for h in queue[i]) + rem) / rate[i]
                    back = t + wait + legs[m][-1]  # when it will be at its start again
                    for j, short, kj in st.short[m]:
                        need = short if short < rem else rem
                        ph = phero[j]
                        ph.append(Pheromone(m, self.agv_ids[m], j, t, need, wait, rate[i],
                                            back + self.reach[m][kj], self.cycle[m], t + ttl))
                        if len(ph) > keep:
                            del ph[0]
                    st.short[m] = []
                    queue[i].append(m)
                    if len(queue[i]) == 1:
                        push(heap, (t + rem / rate[i], RELEASE, m))
            elif kind == CYCLE_START:
                if st.started[m]:
                    st.returns[m] += 1
                st.started[m] += 1
                st.loaded[m] += load[m]
                remaining[m] += load[m]
                stop[m] = 0
                st.short[m] = []
                push(heap, (t + legs[m][0], ARRIVAL, m))
            else:  # RELEASE: m is the head of its last stop's door queue
                i = route[m][-1]
                advance(i, t)
                rest = remaining[m]
                if rest != 0.0:  # rounding residue of t = start + rem / rate
                    backlog[i] += rest
                    delivered[m] += rest
                    remaining[m] = 0.0
                st.wait_total[m] += t - st.wait_start[m]
                q = queue[i]
                q.pop(0)
                push(heap, (t + legs[m][-1], CYCLE_START, m))
                if q:
                    h = q[0]
                    push(heap, (t + remaining[h] / rate[i], RELEASE, h))
        for i in range(len(rate)):
            advance(i, horizon)
        for i, q in enumerate(queue):
            for m in q:
                st.wait_total[m] += horizon - st.wait_start[m]
            phero[i][:] = [p for p in phero[i] if p.expires_s > horizon]

    def _result(self, st: SimState, label: str, trace: Trace | None) -> SimResult:
        agvs = {aid: AgvResult(st.returns[m], st.wait_total[m], st.delivered[m], st.loaded[m],
                               st.remaining[m], st.waits[m])
                for m, aid in enumerate(self.agv_ids)}
        ess = {eid: EsResult(st.processed[i], st.backlog[i], len(st.queue[i]), len(st.phero[i]))
               for i, eid in enumerate(self.es_ids)}
        result = SimResult(self.scenario.name, label, self.scenario.horizon_s, self.agv_ids,
                           self.es_ids, agvs, ess, sum(st.ndec),
                           sum(len(p) for p in st.phero), trace)
        result.check_conservation(self.config.conservation_tol)
        return result

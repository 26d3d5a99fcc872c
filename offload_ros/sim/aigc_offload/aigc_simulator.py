"""AIGC task offloading over wireless links (DESIGN.md, "The AIGC offloading model").

AGVs drive their routes as in :class:`Simulator` (never waiting: no cyclic work here) and emit
AIGC tasks as Poisson arrivals. Once per decision epoch every AGV with a waiting task places
its oldest one on an edge server or holds it. A placed task then goes through, in order:

1. **upload**: ``input_kb`` over the uplink; the ES's band is shared equally by its concurrent
   uploads, each at the Shannon rate of its AGV's distance (the AGV's position at the start
   of the epoch; rates are recomputed every epoch and whenever an upload starts or ends);
2. **queue and compute**: the ES serves tasks as the live generation service does
   (:class:`AigcEdgeServer`): in the order uploads finished, images of tasks with the same
   steps and side batched together (``max_batch``, ``max_wait_s``), each model call taking
   ``AigcSettings.batch_s`` over the ES's speed (its rate over the reference); a task whose
   deadline passes while it waits is dropped (``expired``: finished then, missed);
3. **download**: ``output_kb`` over the ES's downlink, shared by its concurrent downloads.

An ES holds at most ``es_queue_max`` tasks (uploading, queued, computing); a placement beyond
that is refused and the AGV keeps the task for the next epoch (a retry). Latency is
``finish - arrival`` (holding, refusals, upload, queue, compute, download); a task meets its
deadline when the latency is at most ``deadline_s``. Arrivals stop at ``horizon_s``; the
episode ends when every task is done, or ``drain_s`` later, when the unfinished ones count as
missed with the latency they have so far. Within an epoch the clock runs event to event, so
a lone task's latency is exact, not rounded to epochs.

Rewards (``step``'s return, per AGV): minus the seconds its tasks spent in the system during
the epoch over ``latency_scale_s`` (summed over an episode: minus its total latency), minus
``miss_penalty`` per deadline missed (counted when the task finishes late, or at the end);
``team_weight`` mixes that with the fleet's mean (1, the default: a cooperative game whose
return is minus the fleet's total latency and misses over the number of AGVs).
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_edge_server import AigcEdgeServer
from offload_ros.sim.errors import SimError

HOLD = 0                     # action 0 holds; action k >= 1 places on edge server k - 1
EPS = 1e-9

UPLOAD, QUEUE, DOWNLOAD, DONE, WAITING = range(5)   # QUEUE: at the ES, queued or computing


@dataclass(eq=False)
class AigcTask:
    """One task and where it is; ``remaining`` is bits (transfers) or seconds (compute)."""

    id: int
    agv: int
    arrival_s: float
    cls: str
    images: int
    steps: int
    resolution: int
    input_kb: float
    output_kb: float
    deadline_s: float
    compute_s: float                 # at 1x speed
    stage: int = WAITING
    es: int = -1
    remaining: float = 0.0
    finish_s: float = math.nan
    refusals: int = 0
    holds: int = 0
    submitted_s: float = math.nan    # its upload ended: the ES's service has it
    images_left: int = 0             # not handed to a batch yet
    images_done: int = 0
    expired: bool = False            # the ES dropped it, its deadline passed in the queue

    @property
    def batch_key(self) -> tuple[int, int]:
        return (self.steps, self.resolution)

    @property
    def images_total(self) -> int:
        return self.images

    @property
    def latency_s(self) -> float:
        return self.finish_s - self.arrival_s

    @property
    def met(self) -> bool:
        return self.stage == DONE and not self.expired and \
            self.latency_s <= self.deadline_s + EPS


@dataclass(frozen=True)
class AigcSimulatorConfig:
    """Reward shaping of the environment (the physics is the scenario's ``aigc:`` section)."""

    latency_scale_s: float = field(default=10.0, metadata={
        "help": "rewards are seconds in the system over this", "unit": "s"})
    miss_penalty: float = field(default=1.0, metadata={
        "help": "reward lost per missed deadline"})
    team_weight: float = field(default=1.0, metadata={
        "help": "0: each AGV is rewarded for its own tasks; 1: every AGV gets the fleet's "
                "mean (cooperative); in between mixes them"})

    def __post_init__(self) -> None:
        if self.latency_scale_s <= 0 or self.miss_penalty < 0 or \
                not 0.0 <= self.team_weight <= 1.0:
            raise SimError("latency_scale_s must be > 0, miss_penalty >= 0 and team_weight "
                           "in [0, 1]")


class AigcSimulator:
    """``reset(seed)``, then ``step(actions)`` once per epoch until ``done``; ``tasks`` holds
    every task with its outcome. The same scenario and seed give the same tasks whatever the
    policy does (arrivals are drawn per AGV up front)."""

    def __init__(self, scenario: Scenario, config: AigcSimulatorConfig | None = None,
                 settings: AigcSettings | None = None) -> None:
        self.scenario = scenario
        self.settings = settings or scenario.aigc_settings()
        self.config = config or AigcSimulatorConfig()
        self.n_agvs, self.n_es = len(scenario.agvs), len(scenario.edge_servers)
        s = self.settings
        self.es_pos = np.array([es.position for es in scenario.edge_servers], float)
        self.speed = np.array([es.rate_kb_per_min / s.reference_rate_kb_per_min
                               for es in scenario.edge_servers])
        self._routes = []
        for agv in scenario.agvs:
            pts = np.array(scenario.route_positions(agv), float)
            legs = np.array(scenario.leg_times(agv))
            self._routes.append((pts, np.concatenate([[0.0], np.cumsum(legs)]),
                                 float(agv.start_time_s)))
        self._metric = scenario.metric
        self.rate_bps = self.settings.rate_bps
        self.reset(0)

    # ------------------------------------------------------------------ episode
    def reset(self, seed: int, tasks: list[AigcTask] | None = None) -> None:
        """A new episode: tasks drawn with ``seed``, or exactly ``tasks`` (scripted runs)."""
        s = self.settings
        self.seed, self.now, self.epochs = int(seed), 0.0, 0
        self.tasks: list[AigcTask] = list(tasks or [])
        for task in self.tasks:
            if not 0 <= task.agv < self.n_agvs:
                raise SimError(f"task {task.id}: no AGV {task.agv}")
        for i in range(self.n_agvs if tasks is None else 0):
            self.tasks.extend(self.draw_tasks(seed, i))
        self.tasks.sort(key=lambda k: (k.arrival_s, k.agv))
        for n, task in enumerate(self.tasks):
            task.id = n
        self._next_arrival = 0                      # index into tasks (sorted by arrival)
        self._distances: tuple[float, np.ndarray] = (math.nan, np.zeros(0))
        self.waiting: list[deque[AigcTask]] = [deque() for _ in range(self.n_agvs)]
        self.uploads: list[list[AigcTask]] = [[] for _ in range(self.n_es)]
        self.servers = [AigcEdgeServer(sp, s) for sp in self.speed]
        self.downloads: list[list[AigcTask]] = [[] for _ in range(self.n_es)]
        self.in_system = np.zeros(self.n_agvs, int)   # arrived, not finished
        self.finished = 0
        self.expired = 0
        self.refused = 0
        self.held = 0
        self.misses = np.zeros(self.n_agvs, int)
        self._admit_arrivals()

    def draw_tasks(self, seed: int, agv: int) -> list[AigcTask]:
        """AGV ``agv``'s tasks of episode ``seed``, in arrival order (ids 0; ``reset`` numbers
        them): the one draw both this simulator and a live AGV make."""
        s = self.settings
        rng = Seeding.rng(seed, "aigc-tasks", agv)
        out: list[AigcTask] = []
        t = 0.0
        while True:
            t += float(rng.exponential(1.0 / s.arrival_rate_per_s))
            if t >= s.horizon_s:
                return out
            images = int(rng.integers(s.images_min, s.images_max + 1))
            steps = int(s.steps[rng.integers(len(s.steps))])
            res = int(s.resolutions[rng.integers(len(s.resolutions))])
            out.append(AigcTask(
                0, agv, t, s.classes[int(rng.integers(len(s.classes)))], images, steps, res,
                float(rng.uniform(s.input_kb_min, s.input_kb_max)), s.output_kb(images, res),
                float(rng.uniform(s.deadline_min_s, s.deadline_max_s)),
                s.task_s(images, steps, res)))

    def make_task(self, agv: int, arrival_s: float, images: int, steps: int, resolution: int,
                  input_kb: float, deadline_s: float, cls: str = "scratch") -> AigcTask:
        """A task with this scenario's output size and compute cost (for scripted runs)."""
        s = self.settings
        return AigcTask(0, agv, arrival_s, cls, images, steps, resolution, input_kb,
                        s.output_kb(images, resolution), deadline_s,
                        s.task_s(images, steps, resolution))

    @property
    def end_s(self) -> float:
        return self.settings.horizon_s + self.settings.drain_s

    @property
    def done(self) -> bool:
        return self.now >= self.end_s - EPS or (
            self.now >= self.settings.horizon_s - EPS and self.finished == len(self.tasks))

    # ------------------------------------------------------------------ geometry and radio
    def positions(self, t: float | None = None) -> np.ndarray:
        """Every AGV's floor position at ``t`` (default now), driving its cycle without stops."""
        t = self.now if t is None else t
        out = np.empty((self.n_agvs, 2))
        for i, (pts, cum, start) in enumerate(self._routes):
            period = cum[-1]
            if t <= start or period <= 0:
                out[i] = pts[0]
                continue
            u = (t - start) % period
            k = min(int(np.searchsorted(cum, u, side="right")) - 1, len(pts) - 2)
            span = cum[k + 1] - cum[k]
            f = 0.0 if span <= 0 else (u - cum[k]) / span
            a, b = pts[k], pts[k + 1]
            if self._metric == "manhattan" and f > 0:    # x first, then y, as a floor path
                dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
                walk = f * (dx + dy)
                if walk <= dx:
                    out[i] = (a[0] + math.copysign(walk, b[0] - a[0]), a[1])
                else:
                    out[i] = (b[0], a[1] + math.copysign(walk - dx, b[1] - a[1]))
            else:
                out[i] = a + f * (b - a)
        return out

    def floor_distances(self, pos: np.ndarray) -> np.ndarray:
        """``[agv, es]`` straight-line floor distances (radio follows the line of sight)."""
        return np.hypot(pos[:, None, 0] - self.es_pos[None, :, 0],
                        pos[:, None, 1] - self.es_pos[None, :, 1])

    def distances(self) -> np.ndarray:
        """``floor_distances`` of the positions now, worked out once per instant (the epoch's
        rates and the observation both use them)."""
        if self._distances[0] != self.now:
            self._distances = (self.now, self.floor_distances(self.positions()))
        return self._distances[1]

    # ------------------------------------------------------------------ views for policies
    def head(self, agv: int) -> AigcTask | None:
        """The task the AGV decides on this epoch (its oldest waiting one)."""
        q = self.waiting[agv]
        return q[0] if q else None

    def load(self, es: int) -> int:
        """Tasks the ES holds: uploading, queued, computing."""
        server = self.servers[es]
        return len(self.uploads[es]) + len(server.queue) + len(server.computing())

    def committed_s(self, es: int) -> float:
        """Compute seconds the ES owes, one task after another: the running batch's rest,
        the queue, and the tasks still uploading to it (they will queue ahead of a task
        placed now). As compute it is an upper bound, since batching can only shorten it;
        :meth:`finish_s` plays the rule forward instead."""
        return self.servers[es].owed_s(self.now) + \
            sum(t.compute_s for t in self.uploads[es]) / self.speed[es]

    def finish_s(self, agv: int, es: int, task: AigcTask | None = None) -> float:
        """Seconds from now until ``task`` (default: the AGV's head) would be back at the AGV
        if placed on ``es`` now, knowing the batching rule: uploads at today's rates (its own
        sharing the band with the ES's current ones), then the ES's service played forward
        with the tasks uploading to it, then the download. What the batch-aware baseline
        and the ``eft_batch`` feature use; ``inf`` where nothing is placed."""
        task = task or self.head(agv)
        if task is None:
            return math.inf
        dist = self.distances()
        ups = self.uploads[es]
        arrivals = [(self.now + t.remaining / self.rate_bps(dist[t.agv, es], len(ups) + 1), t)
                    for t in ups]
        up = task.input_kb * 8000.0 / self.rate_bps(dist[agv, es], len(ups) + 1)
        arrivals.append((self.now + up, task))
        done = self.servers[es].project(self.now, arrivals, task)
        down = task.output_kb * 8000.0 / self.rate_bps(dist[agv, es],
                                                        len(self.downloads[es]) + 1, True)
        return done - self.now + down

    # ------------------------------------------------------------------ one epoch
    def step(self, actions) -> np.ndarray:
        """Apply one action per AGV (ignored for AGVs with nothing waiting), run one epoch;
        returns each AGV's reward."""
        if self.done:
            raise SimError("step() after the episode ended; call reset()")
        if len(actions) != self.n_agvs:
            raise SimError(f"need {self.n_agvs} actions, got {len(actions)}")
        for i, a in enumerate(actions):
            task = self.head(i)
            if task is None:
                continue
            a = int(a)
            if not 0 <= a <= self.n_es:
                raise SimError(f"agent {i}: action {a} outside 0..{self.n_es}")
            if a == HOLD:
                task.holds += 1
                self.held += 1
                continue
            es = a - 1
            if self.load(es) >= self.settings.es_queue_max:
                task.refusals += 1
                self.refused += 1
                continue
            self.waiting[i].popleft()
            task.stage, task.es = UPLOAD, es
            task.remaining = task.input_kb * 8000.0
            self.uploads[es].append(task)
        cost = np.zeros(self.n_agvs)
        misses_before = self.misses.copy()
        self.run_until(min(self.now + self.settings.epoch_s, self.end_s), cost=cost)
        self.epochs += 1
        if self.done:
            for task in self.tasks:
                if task.stage != DONE and task.arrival_s < self.now:
                    self.misses[task.agv] += 1
        c = self.config
        own = -cost / c.latency_scale_s - c.miss_penalty * (self.misses - misses_before)
        return (1.0 - c.team_weight) * own + c.team_weight * own.mean()

    def run_until(self, end: float, dist: np.ndarray | None = None,
                  cost: np.ndarray | None = None) -> None:
        """Run the clock event to event to ``end``, within one epoch: the radio rates use
        ``dist`` (default: the distances now, as at an epoch's start); ``cost`` adds up each
        AGV's task-seconds in the system."""
        dist = self.distances() if dist is None else dist
        cost = np.zeros(self.n_agvs) if cost is None else cost
        while self.now < end - EPS:
            self._advance(end, dist, cost)
        self.now = max(self.now, end)

    # ------------------------------------------------------------------ one server's state
    def es_state(self, es: int) -> dict:
        """What edge server ``es`` holds, as plain values (JSON): its tasks by id, the ids
        uploading, queued, in the running batch (with their images) and downloading, and the
        service's clock. What a live edge server broadcasts; :meth:`set_es_state` reads it."""
        server = self.servers[es]
        held = [*self.uploads[es], *server.queue, *(t for t, _ in server.batch),
                *self.downloads[es]]
        return {"time_s": self.now,
                "tasks": {str(t.id): dataclasses.asdict(t) for t in held},
                "uploads": [t.id for t in self.uploads[es]],
                "queue": [t.id for t in server.queue],
                "batch": [[t.id, n] for t, n in server.batch],
                "batch_end_s": server.batch_end, "wake_s": server.wake,
                "downloads": [t.id for t in self.downloads[es]]}

    def set_es_state(self, es: int, state: dict) -> None:
        """Edge server ``es`` holds what ``state`` (:meth:`es_state`, of this scenario) says;
        a task in both the queue and the batch is one object, as on the server."""
        try:
            tasks = {int(k): AigcTask(**v) for k, v in state["tasks"].items()}
            server = AigcEdgeServer(self.speed[es], self.settings, self.servers[es].rule)
            server.queue = deque(tasks[i] for i in state["queue"])
            server.batch = [(tasks[i], int(n)) for i, n in state["batch"]]
            server.batch_end = float(state["batch_end_s"])
            server.wake = float(state["wake_s"])
            uploads = [tasks[i] for i in state["uploads"]]
            downloads = [tasks[i] for i in state["downloads"]]
        except (KeyError, TypeError, ValueError) as err:
            raise SimError(f"edge server {es}: not an edge server state ({err!r})") from err
        for t in tasks.values():
            if not 0 <= t.agv < self.n_agvs:
                raise SimError(f"edge server {es}: task {t.id} of AGV {t.agv}, which is not "
                               f"in the scenario")
        self.servers[es], self.uploads[es], self.downloads[es] = server, uploads, downloads

    def _advance(self, end: float, dist: np.ndarray, cost: np.ndarray) -> None:
        """Run to the next event (a transfer or compute ending, an arrival) or ``end``."""
        up_rates, down_rates = [], []
        tau = end - self.now
        if self._next_arrival < len(self.tasks):
            tau = min(tau, self.tasks[self._next_arrival].arrival_s - self.now)
        for es in range(self.n_es):
            ups = self.uploads[es]
            rates = [self.rate_bps(dist[t.agv, es], len(ups)) for t in ups]
            up_rates.append(rates)
            for t, r in zip(ups, rates):
                tau = min(tau, t.remaining / r)
            tau = min(tau, self.servers[es].next_event() - self.now)
            downs = self.downloads[es]
            rates = [self.rate_bps(dist[t.agv, es], len(downs), True) for t in downs]
            down_rates.append(rates)
            for t, r in zip(downs, rates):
                tau = min(tau, t.remaining / r)
        tau = max(tau, 0.0)
        cost += self.in_system * tau
        self.now += tau
        for es in range(self.n_es):
            for t, r in zip(self.uploads[es], up_rates[es]):
                t.remaining -= r * tau
            for t, r in zip(self.downloads[es], down_rates[es]):
                t.remaining -= r * tau
        for es in range(self.n_es):   # ends of this instant: downloads, compute, uploads
            for t in [t for t in self.downloads[es] if t.remaining <= EPS * max(1.0, r_bits(t))]:
                self.downloads[es].remove(t)
                t.stage, t.finish_s = DONE, self.now
                self.in_system[t.agv] -= 1
                self.finished += 1
                if not t.met:
                    self.misses[t.agv] += 1
            for t in [t for t in self.uploads[es] if t.remaining <= EPS * max(1.0, r_bits(t))]:
                self.uploads[es].remove(t)
                t.stage = QUEUE
                self.servers[es].submit(t, self.now)
            computed, expired = self.servers[es].poll(self.now)
            for t in computed:
                t.stage, t.remaining = DOWNLOAD, t.output_kb * 8000.0
                self.downloads[es].append(t)
            for t in expired:
                t.stage, t.finish_s = DONE, self.now
                self.in_system[t.agv] -= 1
                self.finished += 1
                self.expired += 1
                self.misses[t.agv] += 1
        self._admit_arrivals()

    def _admit_arrivals(self) -> None:
        while self._next_arrival < len(self.tasks) and \
                self.tasks[self._next_arrival].arrival_s <= self.now + EPS:
            t = self.tasks[self._next_arrival]
            self.waiting[t.agv].append(t)
            self.in_system[t.agv] += 1
            self._next_arrival += 1

    # ------------------------------------------------------------------ outcome
    def latencies(self) -> np.ndarray:
        """Per task: its latency, or for an unfinished one the time it has been in the
        system (tasks that have not arrived yet are left out)."""
        arrived = self.tasks[:self._next_arrival]
        return np.array([t.latency_s if t.stage == DONE else self.now - t.arrival_s
                         for t in arrived])

    def summary(self) -> dict:
        """The episode's outcome (the keys of ``offload-ros aigc offload --json``)."""
        lat = self.latencies()
        arrived = self.tasks[:self._next_arrival]
        met = sum(1 for t in arrived if t.met)
        n = len(arrived)
        return {"tasks": n, "finished": self.finished,
                "mean_latency_s": float(lat.mean()) if n else 0.0,
                "p95_latency_s": float(np.percentile(lat, 95)) if n else 0.0,
                "completion_rate": met / n if n else 1.0,
                "expired": self.expired, "refusals": self.refused, "holds": self.held,
                "epochs": self.epochs,
                "end_s": self.now}

    def check_conservation(self) -> None:
        """Every arrived task is in exactly one place; raises :class:`SimError` if not."""
        seen: dict[int, str] = {}
        places = [("waiting", q) for q in self.waiting] + [("upload", u) for u in self.uploads] \
            + [("queue", s.queue) for s in self.servers] \
            + [("download", d) for d in self.downloads] \
            + [("computing", s.computing()) for s in self.servers]
        for name, tasks in places:
            for t in tasks:
                if t.id in seen:
                    raise SimError(f"task {t.id} is both {seen[t.id]} and {name}")
                seen[t.id] = name
        arrived = self._next_arrival
        done = sum(1 for t in self.tasks[:arrived] if t.stage == DONE)
        if done + len(seen) != arrived or done != self.finished:
            raise SimError(f"{arrived} tasks arrived but {done} are done and {len(seen)} "
                           f"in the system")
        if int(self.in_system.sum()) != len(seen):
            raise SimError(f"in_system counts {int(self.in_system.sum())}, found {len(seen)}")


def r_bits(task: AigcTask) -> float:
    """The task's full size in bits of the transfer it is in (for a relative tolerance)."""
    return (task.input_kb if task.stage == UPLOAD else task.output_kb) * 8000.0

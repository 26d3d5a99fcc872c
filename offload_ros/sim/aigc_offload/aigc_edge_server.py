"""One edge server's AIGC compute in simulated time, served exactly as the live generation
service serves requests (:class:`GenerationBatching`: same queue order, same batch key, same
batches; deadline expiry).

A task is submitted when its upload ends. Whenever the server is free it sweeps the tasks past
their deadline out of its queue (they are answered ``expired``: finished, missed) and asks the
rule for a batch: it runs ``AigcSettings.batch_s`` over the server's speed, or the server waits
until the head's ``max_wait_s`` is over or another task comes in. A task's compute is done
when its last batch ends. Nothing in the game cancels a task, so the service's cancellation
has no counterpart here.
"""

from __future__ import annotations

import copy
import math
from collections import deque

from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.aigc_offload.generation_batching import GenerationBatching

EPS = 1e-9


class AigcEdgeServer:
    """``submit(task, now)``; ``next_event()``; at that time ``poll(now)`` → ``(computed,
    expired)``. ``batches`` logs every model call as ``(start_s, ((task id, images), ...))``."""

    def __init__(self, speed: float, settings: AigcSettings,
                 rule: GenerationBatching | None = None) -> None:
        self.speed, self.settings = float(speed), settings
        self.rule = rule or GenerationBatching(settings.service_config())
        self.queue: deque = deque()
        self.batch: list = []              # (task, images) of the model call running
        self.batch_end = math.inf
        self.wake = math.inf
        self.batches: list[tuple[float, tuple[tuple[int, int], ...]]] = []

    def submit(self, task, now: float) -> None:
        task.submitted_s, task.images_left, task.images_done = now, task.images, 0
        self.queue.append(task)

    def next_event(self) -> float:
        return self.batch_end if self.batch else self.wake

    def computing(self) -> list:
        """Tasks whose images are all in batches and not all done (their last batch runs)."""
        return [t for t, _ in self.batch if t.images_left == 0 and not t.expired]

    def owed_s(self, now: float) -> float:
        """Seconds of compute the server owes, counted one task after another (an upper
        bound on the compute: batching can only shorten it)."""
        total = max(self.batch_end - now, 0.0) if self.batch else 0.0
        for t in self.queue:
            total += t.compute_s * t.images_left / t.images / self.speed
        return total

    def poll(self, now: float) -> tuple[list, list]:
        computed, expired = [], []
        if self.batch and now >= self.batch_end - EPS:
            for task, n in self.batch:
                if task.expired:
                    continue
                task.images_done += n
                if task.images_done == task.images:
                    computed.append(task)
            self.batch, self.batch_end = [], math.inf
        if not self.batch and self.queue:
            for t in list(self.queue):
                if now > t.arrival_s + t.deadline_s + EPS:
                    self.queue.remove(t)
                    t.expired = True
                    expired.append(t)
            taken, self.wake = self.rule.take(self.queue, now)
            if taken:
                self._start(taken, now)
        elif not self.queue:
            self.wake = math.inf
        return computed, expired

    def _start(self, taken: list, now: float) -> None:
        for t, n in taken:
            t.images_left -= n
            if t.images_left == 0:
                self.queue.remove(t)
        steps, side = taken[0][0].batch_key
        images = sum(n for _, n in taken)
        self.batch = taken
        self.batch_end = now + self.settings.batch_s(images, steps, side) / self.speed
        self.batches.append((now, tuple((t.id, n) for t, n in taken)))

    def project(self, now: float, arrivals: list[tuple[float, object]], target) -> float:
        """When ``target``'s compute would end if the ``arrivals`` ``(submit time, task)``
        came and nothing else: the batching rule played forward on copies (nothing here
        changes). ``target`` must be one of the arrivals."""
        twin = AigcEdgeServer(self.speed, self.settings, self.rule)
        copies = {}

        def clone(t):
            c = copy.copy(t)
            copies[id(t)] = c
            return c

        twin.batch = [(clone(t), n) for t, n in self.batch]
        twin.batch_end, twin.wake = self.batch_end, self.wake
        twin.queue = deque(copies.get(id(t)) or clone(t) for t in self.queue)
        pending = sorted(((s, clone(t)) for s, t in arrivals), key=lambda a: a[0])
        goal = copies[id(target)]
        goal.deadline_s = math.inf        # the question is when, not whether in time
        t = now
        for _ in range(10_000):
            while pending and pending[0][0] <= t + EPS:
                s, task = pending.pop(0)
                twin.submit(task, max(s, now))
            computed, _ = twin.poll(t)
            if goal in computed:
                return t
            nxt = min(twin.next_event(), pending[0][0] if pending else math.inf)
            if nxt == math.inf:
                return math.inf
            t = max(nxt, t)
        return math.inf


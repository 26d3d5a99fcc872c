"""The edge generation service's batching rule, in one place for the two components that
batch: the live service (``aigc/generation_service.py``) and the edge servers of the AIGC
offloading simulator (``sim/aigc_offload/aigc_edge_server.py``).

The service keeps its requests in a queue in the order they were submitted. Whenever its worker
is free it looks at the queue:

1. requests past their deadline are answered ``expired`` and leave the queue (the caller does
   this sweep; a request whose images are all in batches already is never expired);
2. the oldest request (the head) sets the batch key: its number of denoising steps and its
   image side, which must be equal for every image of one model call;
3. if the images still to be batched of the requests with that key fill a batch
   (``max_batch``), or the head has waited ``max_wait_s`` since it was submitted, or the head
   is already partly batched, a batch is formed: the requests with the key in queue order,
   each giving as many of its images as still fit;
4. otherwise the worker waits until the head's ``max_wait_s`` is over or a request comes in.

A request leaves the queue once all its images are in batches; it is answered when its last
batch ends.
"""

from __future__ import annotations

import math
from typing import Protocol, Sequence

from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig


class Batchable(Protocol):
    """What the rule reads of a waiting request."""

    @property
    def batch_key(self) -> tuple[int, int]: ...          # (steps, image side)

    @property
    def images_left(self) -> int: ...                    # not handed to a batch yet

    @property
    def images_total(self) -> int: ...

    @property
    def submitted_s(self) -> float: ...


class GenerationBatching:
    """``take(queue, now)`` → ``(batch, wake_s)``: ``batch`` lists ``(request, images)`` to
    run now (empty: wait), ``wake_s`` when to look again if nothing comes in (``inf``: only
    when a request comes in)."""

    def __init__(self, config: GenerationServiceConfig) -> None:
        self.config = config

    def take(self, queue: Sequence[Batchable], now: float) -> tuple[list[tuple[Batchable, int]],
                                                                     float]:
        if not queue:
            return [], math.inf
        cfg = self.config
        head = queue[0]
        same = [r for r in queue if r.batch_key == head.batch_key]
        waiting = sum(r.images_left for r in same)
        wake = head.submitted_s + cfg.max_wait_s
        if not (waiting >= cfg.max_batch or wake - now <= 0
                or head.images_left < head.images_total):
            return [], wake
        batch: list[tuple[Batchable, int]] = []
        room = cfg.max_batch
        for r in same:
            take = min(r.images_left, room)
            if take <= 0:
                break
            batch.append((r, take))
            room -= take
        return batch, math.inf

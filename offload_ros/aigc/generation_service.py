"""The edge generation service: a request queue with dynamic batching in front of the defect
diffusion model.

A worker thread gathers images of waiting requests into batches of at most ``max_batch``
images with the same number of denoising steps, waiting at most ``max_wait_s`` after the
oldest one for a batch to fill (:class:`GenerationBatching`, the rule the AIGC offloading
simulator's edge servers follow too). A request larger than a batch is split across batches;
every image's noise comes from its request's seed and its index, so a request gives the same
images alone or in any batch (on a GPU up to a few grey levels of rounding). A request past
its deadline is answered ``expired`` and not run; a cancelled one ``cancelled``. If a batch
fails, its requests are retried one by one, so only the one at fault fails and the service
keeps serving.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import torch

from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.errors import AigcError
from offload_ros.model.aigc_offload.generation_batching import GenerationBatching
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig

STATUSES = ("done", "expired", "cancelled", "failed")


@dataclass
class GenerationRequest:
    """``deadline_s`` is relative to submission (None: no deadline)."""

    class_name: str
    num: int = 1
    steps: int = 20
    seed: int = 0
    deadline_s: float | None = None
    request_id: str = ""


@dataclass
class GenerationResult:
    request_id: str
    status: str                       # one of STATUSES
    images: np.ndarray | None         # uint8 (num, H, W) when done
    error: str = ""
    queue_s: float = float("nan")     # submission to its first image's batch starting
    latency_s: float = float("nan")   # submission to answer


class _Pending:
    """A submitted request and its progress."""

    def __init__(self, req: GenerationRequest, label: int, submitted: float,
                 resolution: int) -> None:
        self.req, self.label, self.submitted = req, label, submitted
        self.batch_key = (req.steps, resolution)
        self.deadline = None if req.deadline_s is None else submitted + req.deadline_s
        self.future: Future = Future()
        self.images: list[np.ndarray | None] = [None] * req.num
        self.next_index = 0            # images handed to batches so far
        self.done_count = 0
        self.image_steps = 0           # denoising steps run for its images so far
        self.started: float | None = None
        self.cancelled = False

    # what GenerationBatching reads
    @property
    def images_left(self) -> int:
        return self.req.num - self.next_index

    @property
    def images_total(self) -> int:
        return self.req.num

    @property
    def submitted_s(self) -> float:
        return self.submitted


class GenerationHandle:
    """What ``submit`` returns: wait for the result, or cancel."""

    def __init__(self, service: "GenerationService", pending: _Pending) -> None:
        self._service, self._pending = service, pending
        self.request_id = pending.req.request_id

    def result(self, timeout: float | None = None) -> GenerationResult:
        return self._pending.future.result(timeout)

    def done(self) -> bool:
        return self._pending.future.done()

    def add_done_callback(self, fn: Any) -> None:
        """``fn(result)`` once it is done (at once if it is)."""
        self._pending.future.add_done_callback(lambda f: fn(f.result()))

    def progress(self) -> tuple[int, int]:
        """``(image-steps run, image-steps in all)``: ``num * steps`` when it is done."""
        p = self._pending
        total = p.req.num * p.req.steps
        return (total if p.future.done() and p.done_count == p.req.num
                else min(p.image_steps, total)), total

    def cancel(self) -> bool:
        """True if the request will not finish (it is answered ``cancelled``)."""
        return self._service._cancel(self._pending)


class GenerationService:
    """Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, model: DefectDiffusionModel,
                 config: GenerationServiceConfig = GenerationServiceConfig()) -> None:
        self.model, self.config = model, config
        self._rule = GenerationBatching(config)
        self._queue: deque[_Pending] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._ids = itertools.count(1)
        self._records: list[GenerationResult] = []
        self._batches: list[tuple[tuple[str, int], ...]] = []
        self._images = 0
        self._first_submit: float | None = None
        self._last_answer: float | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "GenerationService":
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._serve, name="aigc-generation",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Answers everything still waiting ``cancelled`` and ends the worker; with
        ``timeout``, waits at most that long for the model call under way (a process that is
        shutting down leaves it to the daemon thread)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._cond:
            while self._queue:
                self._finish(self._queue.popleft(), "cancelled", "service stopped")

    def __enter__(self) -> "GenerationService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ requests
    def validate(self, req: GenerationRequest) -> int:
        """The request's class label; a bad field is an ``AigcError`` naming it."""
        label = self.model.label(req.class_name)
        if isinstance(req.num, bool) or not isinstance(req.num, (int, np.integer)) \
                or not 1 <= req.num <= self.config.max_images:
            raise AigcError(f"num: must be an integer in 1..{self.config.max_images}, got "
                            f"{req.num!r}" + (f" (request {req.request_id})" if req.request_id
                                              else ""))
        self.model.check_steps(req.steps)
        if req.deadline_s is not None and not req.deadline_s > 0:
            raise AigcError(f"deadline_s: must be > 0 or None, got {req.deadline_s!r}")
        return label

    def submit(self, req: GenerationRequest) -> GenerationHandle:
        label = self.validate(req)
        if not req.request_id:
            req.request_id = f"r{next(self._ids)}"
        now = time.monotonic()
        pending = _Pending(req, label, now, self.model.resolution)
        with self._cond:
            if self._stopping or self._thread is None:
                raise AigcError("the generation service is not running")
            if len(self._queue) >= self.config.max_queue:
                raise AigcError(f"queue full ({self.config.max_queue} requests); request "
                                f"{req.request_id} refused")
            if self._first_submit is None:
                self._first_submit = now
            self._queue.append(pending)
            self._cond.notify_all()
        return GenerationHandle(self, pending)

    def generate(self, req: GenerationRequest, timeout: float | None = None) -> GenerationResult:
        return self.submit(req).result(timeout)

    def _cancel(self, pending: _Pending) -> bool:
        with self._cond:
            if pending.future.done():
                return False
            pending.cancelled = True
            if pending in self._queue and pending.done_count == 0 and \
                    pending.next_index == 0:
                self._queue.remove(pending)
                self._finish(pending, "cancelled", "cancelled by the caller")
            self._cond.notify_all()
        return True

    # ------------------------------------------------------------------ worker
    def _sweep(self, now: float) -> None:
        """Answer cancelled and expired requests (holding the lock)."""
        for p in list(self._queue):
            if p.cancelled:
                self._queue.remove(p)
                self._finish(p, "cancelled", "cancelled by the caller")
            elif p.deadline is not None and now > p.deadline:
                self._queue.remove(p)
                self._finish(p, "expired", f"deadline of {p.req.deadline_s:g} s passed before "
                             "it was done")

    def _take_batch(self) -> list[tuple[_Pending, int]] | None:
        """Wait for work and return (request, image index) pairs, or None to stop."""
        with self._cond:
            while True:
                now = time.monotonic()
                self._sweep(now)
                if self._stopping:
                    return None
                taken, wake = self._rule.take(self._queue, now)
                if taken:
                    break
                self._cond.wait(None if wake == float("inf") else wake - now)
            batch: list[tuple[_Pending, int]] = []
            for p, take in taken:
                batch += [(p, k) for k in range(p.next_index, p.next_index + take)]
                p.next_index += take
                if p.started is None:
                    p.started = now
                if p.next_index == p.req.num:
                    self._queue.remove(p)
            return batch

    def _run(self, batch: list[tuple[_Pending, int]]) -> np.ndarray:
        noise = torch.cat([self.model.noise(p.req.seed, k) for p, k in batch])
        labels = torch.tensor([p.label for p, _ in batch], dtype=torch.long)
        counts = Counter(p for p, _ in batch)

        def stepped() -> None:
            for p, n in counts.items():
                p.image_steps += n

        return self.model.denoise(noise, labels, batch[0][0].req.steps, self.config.guidance,
                                  on_step=stepped)

    def _serve(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            try:
                outputs = [(batch, self._run(batch))]
                failed: list[tuple[_Pending, str]] = []
            except Exception:  # noqa: BLE001 - retry one by one: only the one at fault fails
                outputs, failed = [], []
                for p in dict.fromkeys(p for p, _ in batch):
                    part = [(q, k) for q, k in batch if q is p]
                    try:
                        outputs.append((part, self._run(part)))
                    except Exception as one:  # noqa: BLE001
                        failed.append((p, f"{type(one).__name__}: {one}"))
            with self._cond:
                self._batches.append(tuple(Counter(p.req.request_id for p, _ in batch)
                                           .items()))
                for part, images in outputs:
                    for (p, k), img in zip(part, images):
                        p.images[k] = img
                        p.done_count += 1
                        self._images += 1
                    for p in dict.fromkeys(p for p, _ in part):
                        if p.future.done():
                            continue
                        if p.cancelled:     # cancelled while its images were being made
                            if p in self._queue:
                                self._queue.remove(p)
                            self._finish(p, "cancelled", "cancelled by the caller")
                        elif p.done_count == p.req.num:
                            self._finish(p, "done")
                for p, why in failed:
                    if p in self._queue:
                        self._queue.remove(p)
                    if not p.future.done():
                        self._finish(p, "failed", why)

    def _finish(self, p: _Pending, status: str, error: str = "") -> None:
        now = time.monotonic()
        images = np.stack(p.images) if status == "done" else None
        res = GenerationResult(p.req.request_id, status, images, error,
                               (p.started - p.submitted) if p.started is not None
                               else float("nan"), now - p.submitted)
        self._records.append(res)
        self._last_answer = now
        p.future.set_result(res)

    # ------------------------------------------------------------------ metrics
    def batch_log(self) -> list[tuple[tuple[str, int], ...]]:
        """Every model call so far, in order: ``((request id, images), ...)``."""
        with self._cond:
            return list(self._batches)

    def metrics(self) -> dict[str, float | int]:
        """Counts by status, images, images/s from first submission to last answer, queue
        time and latency p50/p99 of done requests, mean batch size."""
        with self._cond:
            recs = list(self._records)
            batches = [sum(n for _, n in b) for b in self._batches]
            span = (self._last_answer - self._first_submit) \
                if self._first_submit is not None and self._last_answer is not None else 0.0
            images = self._images
        done = [r for r in recs if r.status == "done"]
        out: dict[str, float | int] = {s: sum(r.status == s for r in recs) for s in STATUSES}
        out["images"] = images
        out["images_per_s"] = images / span if span > 0 else 0.0
        out["batches"] = len(batches)
        out["mean_batch"] = float(np.mean(batches)) if batches else 0.0
        for name, values in (("queue", [r.queue_s for r in done]),
                             ("latency", [r.latency_s for r in done])):
            for q in (50, 99):
                out[f"{name}_p{q}_s"] = float(np.percentile(values, q)) if values else 0.0
        return out

"""Runs an edge server's AIGC tasks through the edge generation service and turns outcomes
into ``AigcResult`` messages. The diffusion model is loaded from disk (``HF_HUB_OFFLINE``) at
the first task, in the background, so a server that never gets a task never loads torch."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.package_paths import PackagePaths

STATUS = {"done": 0, "expired": 1, "cancelled": 2, "failed": 3, "rejected": 4}
REJECTED = STATUS["rejected"]
#: the background model's CPU priority (Unix nice): below the nodes, whose handlers it must
#: not delay, but not so low that a busy machine starves it (at 19, two busy processes at
#: nice 0 left six such children no CPU to make one image in 120 s; at 10 they made all)
NICE = 10


class AigcRunner:
    """``submit(task, agv_id, submitted_s, now)`` then ``poll(now)`` → finished results.
    ``time_scale`` turns sim deadlines into wall ones and wall latencies into sim ones."""

    #: how long a server that runs placed tasks on the model waits for it before it says
    #: it is ready
    load_timeout_s = 120.0

    def __init__(self, es_id: str, time_scale: float,
                 config: GenerationServiceConfig | None = None,
                 model_dir: Path | None = None, background: bool = False) -> None:
        """``background``: the model loads and runs in a child process at a low CPU priority
        (its work is off every latency path: images for emulated placements), so the node's
        handlers and the other nodes on the machine are not held up by it."""
        self.es_id, self.scale = es_id, time_scale
        self.background = background
        self.config = config or GenerationServiceConfig()
        self.model_dir = model_dir
        self.types = MessageTypes.default()
        self.service: Any = None
        self.error = ""
        self._loading: threading.Thread | None = None
        self.waiting: list[tuple[Any, str, float, float, float]] = []   # before the model
        self.running: list[tuple[Any, Any, str, float, float]] = []

    def _load(self) -> None:
        folder = self.model_dir or PackagePaths.share() / "models" / "aigc"
        try:
            if self.background:       # its own process: no CPU or GIL taken from the node
                self.service = _ChildService(folder, self.config, self.es_id)
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
            from offload_ros.aigc.generation_service import GenerationService
            model = DefectDiffusionModel.load(folder).to(self.config.device)
            self.service = _ThreadService(GenerationService(model, self.config).start())
        except Exception as err:  # noqa: BLE001 - report on every task instead of dying
            self.error = f"cannot load the diffusion model: {type(err).__name__}: {err}"

    def preload(self) -> None:
        """Load the model now, in the background (else at the first task)."""
        if self._loading is None:
            self._loading = threading.Thread(target=self._load, daemon=True)
            self._loading.start()

    def wait_loaded(self, timeout_s: float) -> str:
        """Load the model and wait for it (at most ``timeout_s``): '' once it serves, else
        why not (the error, or still loading)."""
        self.preload()
        self._loading.join(timeout_s)
        if self.service is not None:
            return ""
        return self.error or f"the diffusion model is still loading after {timeout_s:g} s"

    def submit(self, task: Any, agv_id: str, submitted_s: float,
               now_s: float | None = None) -> None:
        """``submitted_s``: the sim time the task was admitted (its latency counts from it);
        ``now_s``: the sim time now, when later (a task run again after a restart: its
        deadline counts from now, the downtime included)."""
        self.preload()
        ref = submitted_s if now_s is None else max(now_s, submitted_s)
        self.waiting.append((task, agv_id, submitted_s, ref, time.monotonic()))

    def poll(self, now: float) -> list[Any]:
        out = []
        if self.waiting and (self.service is not None or self.error):
            for task, agv, sub, ref, wall in self.waiting:
                if self.error:
                    out.append(self._result(task, agv, sub, REJECTED, self.error, now))
                    continue
                deadline = None
                if task.deadline_s > 0:
                    deadline = (task.deadline_s - ref) / self.scale - (time.monotonic() - wall)
                    if deadline <= 0:       # passed while the model was loading
                        out.append(self._result(task, agv, sub, STATUS["expired"],
                                                "deadline passed before it could start", now))
                        continue
                handle = self.service.submit((task.defect_class, int(task.images),
                                              int(task.steps), int(task.seed) % 2**31,
                                              deadline, task.task_id))
                self.running.append((handle, task, agv, sub, wall))
            self.waiting = []
        still = []
        for handle, task, agv, sub, wall in self.running:
            if not handle.done():
                still.append((handle, task, agv, sub, wall))
                continue
            status, error, images, queue_s, done_wall = handle.result()
            # stamped when it was done, not when this poll saw it
            at = now - max(0.0, time.monotonic() - done_wall) * self.scale
            out.append(self._result(task, agv, sub, STATUS.get(status, 3), error,
                                    max(at, sub), images, queue_s))
        self.running = still
        return out

    def _result(self, task: Any, agv: str, submitted: float, status: int, reason: str,
                now: float, images: Any = None, queue_s: float = 0.0) -> Any:
        latency = max(0.0, now - submitted)
        imgs = []
        if images is not None:
            for img in images:
                h, w = img.shape
                imgs.append({"header": {"stamp": MessageTypes.stamp(now)}, "height": h,
                             "width": w, "encoding": "mono8", "step": w,
                             "data": img.reshape(-1)})
        return self.types.make(
            "AigcResult", header={"stamp": MessageTypes.stamp(now)}, task_id=task.task_id,
            agv_id=agv, es_id=self.es_id, status=status, reason=reason,
            defect_class=task.defect_class, submitted_s=submitted,
            queue_s=0.0 if math.isnan(queue_s) else queue_s, latency_s=latency, images=imgs)

    def pending(self) -> int:
        return len(self.waiting) + len(self.running)

    def stop(self) -> None:
        """At shutdown: a model call under way gets 2 s (the node's tasks still open are in
        its journal, so a restart runs them again)."""
        if self.service is not None:
            self.service.stop(timeout=2.0)


def _outcome(submit: Any, args: tuple) -> Any:
    """``submit(GenerationRequest(*args))``'s handle, or a done future refusing it (a bad
    task or a full queue: refused, not fatal)."""
    from offload_ros.aigc.errors import AigcError
    from offload_ros.aigc.generation_service import GenerationRequest
    try:
        return submit(GenerationRequest(*args))
    except AigcError as err:
        refused: Future = Future()
        refused.set_result(("rejected", str(err), None, math.nan, time.monotonic()))
        return refused


class _ThreadService:
    """The generation service in this process; handles give ``(status, error, images,
    queue_s, wall time it was done)`` (``time.monotonic``: the same clock in a child
    process)."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def submit(self, args: tuple) -> Any:
        handle = _outcome(self.service.submit, args)
        if isinstance(handle, Future):
            return handle
        done: Future = Future()
        handle.add_done_callback(lambda r: done.set_result((r.status, r.error, r.images,
                                                            r.queue_s, time.monotonic())))
        return done

    def stop(self, timeout: float) -> None:
        self.service.stop(timeout=timeout)


class _ChildService:
    """The generation service in a child process at a low CPU priority (:data:`NICE`; it
    batches the requests it has as the in-process one does). The node's process never
    imports torch, so neither the model's CPU nor the GIL are taken from its handlers; the
    child ends with its parent."""

    def __init__(self, folder: Path, config: GenerationServiceConfig, name: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.requests, self.results = ctx.Queue(), ctx.Queue()
        self.proc = ctx.Process(target=_child_main, name=f"{name}-generation", daemon=True,
                                args=(str(folder), config, self.requests, self.results,
                                      os.getpid()))
        self.proc.start()
        while True:                       # its first word: ready, or why not
            try:
                first = self.results.get(timeout=1.0)
                break
            except queue.Empty:
                if not self.proc.is_alive():
                    raise RuntimeError(f"its process ended (exit code {self.proc.exitcode}) "
                                       "before the model was loaded") from None
        if first[0] != "ready":
            self.proc.join(5.0)
            raise RuntimeError(first[1])
        self.futures: dict[int, Future] = {}
        self.ids = itertools.count()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, name=f"{name}-generation-results",
                         daemon=True).start()

    def submit(self, args: tuple) -> Future:
        future: Future = Future()
        with self.lock:
            k = next(self.ids)
            self.futures[k] = future
        self.requests.put((k, args))
        return future

    def _read(self) -> None:
        while True:
            try:
                k, *result = self.results.get()
            except (EOFError, OSError, ValueError):        # the child or the queue is gone
                return
            with self.lock:
                future = self.futures.pop(k, None)
            if future is not None:
                future.set_result(tuple(result))

    def stop(self, timeout: float) -> None:
        self.requests.put(None)
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5.0)
        with self.lock:
            for future in self.futures.values():
                future.set_result(("cancelled", "service stopped", None, math.nan,
                                   time.monotonic()))
            self.futures.clear()


def _child_main(folder: str, config: GenerationServiceConfig, requests: Any, results: Any,
                parent: int) -> None:
    """The child of :class:`_ChildService`: load, say ready (or why not), then serve."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except (AttributeError, OSError):
        pass                                        # elsewhere: normal priority

    def orphaned() -> None:                         # its node is gone: so is it
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)
    threading.Thread(target=orphaned, daemon=True).start()
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # one torch thread (read as torch loads): a team of threads at the lowest priority
        # spends its time waiting at its barriers for members the scheduler put off (under a
        # ROS 2 launch of the fleet six such children with two threads each answered 6 of
        # 113 tasks in 130 s)
        os.environ["OMP_NUM_THREADS"] = "1"
        from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
        from offload_ros.aigc.generation_service import GenerationService
        model = DefectDiffusionModel.load(Path(folder)).to(config.device)
        service = GenerationService(model, config).start()
    except Exception as err:  # noqa: BLE001 - the parent reports it on every task
        results.put(("error", f"{type(err).__name__}: {err}"))
        return
    results.put(("ready",))

    while True:
        item = requests.get()
        if item is None:
            service.stop(timeout=2.0)
            return
        k, args = item
        handle = _ThreadService(service).submit(args)
        handle.add_done_callback(lambda f, k=k: results.put((k, *f.result())))

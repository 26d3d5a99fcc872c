"""Runs an edge server's AIGC tasks through the edge generation service and turns outcomes
into ``AigcResult`` messages. The diffusion model is loaded from disk (``HF_HUB_OFFLINE``) at
the first task, in the background, so a server that never gets a task never loads torch."""

from __future__ import annotations

import math
import os
import threading
import time
from pathlib import Path
from typing import Any

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.model.package_paths import PackagePaths

STATUS = {"done": 0, "expired": 1, "cancelled": 2, "failed": 3}
REJECTED = 4


class AigcRunner:
    """``submit(task, agv_id, submitted_s, now)`` then ``poll(now)`` → finished results.
    ``time_scale`` turns sim deadlines into wall ones and wall latencies into sim ones."""

    def __init__(self, es_id: str, time_scale: float,
                 config: GenerationServiceConfig | None = None,
                 model_dir: Path | None = None) -> None:
        self.es_id, self.scale = es_id, time_scale
        self.config = config or GenerationServiceConfig()
        self.model_dir = model_dir
        self.types = MessageTypes.default()
        self.service: Any = None
        self.error = ""
        self._loading: threading.Thread | None = None
        self.waiting: list[tuple[Any, str, float, float, float]] = []   # before the model
        self.running: list[tuple[Any, Any, str, float, float]] = []

    def _load(self) -> None:
        try:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
            from offload_ros.aigc.generation_service import GenerationService
            folder = self.model_dir or PackagePaths.share() / "models" / "aigc"
            model = DefectDiffusionModel.load(folder).to(self.config.device)
            self.service = GenerationService(model, self.config).start()
        except Exception as err:  # noqa: BLE001 - report on every task instead of dying
            self.error = f"cannot load the diffusion model: {type(err).__name__}: {err}"

    def submit(self, task: Any, agv_id: str, submitted_s: float,
               now_s: float | None = None) -> None:
        """``submitted_s``: the sim time the task was admitted (its latency counts from it);
        ``now_s``: the sim time now, when later (a task run again after a restart: its
        deadline counts from now, the downtime included)."""
        if self._loading is None:
            self._loading = threading.Thread(target=self._load, daemon=True)
            self._loading.start()
        ref = submitted_s if now_s is None else max(now_s, submitted_s)
        self.waiting.append((task, agv_id, submitted_s, ref, time.monotonic()))

    def poll(self, now: float) -> list[Any]:
        out = []
        if self.waiting and (self.service is not None or self.error):
            for task, agv, sub, ref, wall in self.waiting:
                if self.error:
                    out.append(self._result(task, agv, sub, REJECTED, self.error, now))
                    continue
                from offload_ros.aigc.errors import AigcError
                from offload_ros.aigc.generation_service import GenerationRequest
                deadline = None
                if task.deadline_s > 0:
                    deadline = (task.deadline_s - ref) / self.scale - (time.monotonic() - wall)
                    if deadline <= 0:       # passed while the model was loading
                        out.append(self._result(task, agv, sub, STATUS["expired"],
                                                "deadline passed before it could start", now))
                        continue
                try:
                    handle = self.service.submit(GenerationRequest(
                        task.defect_class, task.images, task.steps, int(task.seed) % 2**31,
                        deadline, task.task_id))
                except AigcError as err:    # a bad task or a full queue: refused, not fatal
                    out.append(self._result(task, agv, sub, REJECTED, str(err), now))
                    continue
                self.running.append((handle, task, agv, sub, wall))
            self.waiting = []
        still = []
        for handle, task, agv, sub, wall in self.running:
            if not handle.done():
                still.append((handle, task, agv, sub, wall))
                continue
            res = handle.result()
            out.append(self._result(task, agv, sub, STATUS.get(res.status, 3), res.error, now,
                                    res.images, res.queue_s))
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

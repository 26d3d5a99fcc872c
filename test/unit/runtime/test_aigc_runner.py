"""The edge server's AIGC runner answers every task, and a task it cannot run (its deadline
passed while the model loaded, or the service refuses it) is answered, never fatal."""

from __future__ import annotations

import os
import time

import pytest

from offload_ros.aigc.errors import AigcError
from offload_ros.bag.message_types import MessageTypes
from offload_ros.runtime.aigc_runner import NICE, REJECTED, STATUS, AigcRunner, _ThreadService

TYPES = MessageTypes.default()


class FakeService:
    """Takes every request but those of class ``refuse``, as ``GenerationService.submit``."""

    def __init__(self) -> None:
        self.requests = []

    def submit(self, req):
        if req.class_name == "refuse":
            raise AigcError("queue full (1 requests); request t3 refused")
        if req.deadline_s is not None and not req.deadline_s > 0:
            raise AigcError(f"deadline_s: must be > 0 or None, got {req.deadline_s!r}")
        self.requests.append(req)
        return FakeHandle()


class FakeHandle:
    def done(self):
        return False

    def add_done_callback(self, fn):
        pass


def task(task_id, deadline_s, defect_class="crack"):
    return TYPES.make("OffloadTask", task_id=task_id, defect_class=defect_class, images=2,
                      steps=5, seed=7, deadline_s=deadline_s)


def test_a_passed_deadline_expires_and_a_refused_task_is_rejected_the_rest_run():
    import offload_ros.aigc.generation_service  # noqa: F401 - imported before the clock runs
    runner = AigcRunner("es1", time_scale=60.0)
    runner.service = _ThreadService(FakeService())
    now = time.monotonic()              # when each task came in (wall clock)
    runner.waiting = [(task("t1", 1000.0), "agv1", 10.0, 10.0, now),   # 16.5 wall s left
                      (task("t2", 30.0), "agv1", 10.0, 10.0, now - 60),  # a minute: passed
                      (task("t3", 0.0, "refuse"), "agv2", 10.0, 10.0, now),
                      (task("t4", 0.0), "agv2", 10.0, 10.0, now),      # no deadline
                      (task("t5", 1000.0), "agv2", 10.0, 940.0, now)]  # run again at 940:
    #                                                           its deadline is 60 s away
    out = runner.poll(20.0)
    assert [(r.task_id, r.status) for r in out] == [("t2", STATUS["expired"]),
                                                   ("t3", REJECTED)]
    assert "queue full" in out[1].reason and out[1].es_id == "es1"
    assert [r.request_id for r in runner.service.service.requests] == ["t1", "t4", "t5"]
    assert runner.service.service.requests[1].deadline_s is None
    assert runner.service.service.requests[0].deadline_s == pytest.approx(990 / 60, abs=0.5)
    assert runner.service.service.requests[2].deadline_s == pytest.approx(60 / 60, abs=0.5)
    assert runner.pending() == 3 and runner.waiting == []


def _poll_until(runner, done, timeout=120.0):
    out, end = [], time.monotonic() + timeout
    while not done(out) and time.monotonic() < end:
        out += runner.poll(20.0)
        time.sleep(0.05)
    return out


def test_the_runner_serves_with_its_generation_config():
    from offload_ros.model.aigc_offload.generation_service_config import (
        GenerationServiceConfig,
    )
    runner = AigcRunner("es1", 60.0, GenerationServiceConfig(max_batch=2, max_wait_s=0.0))
    try:
        runner.submit(task("t1", 0.0), "agv1", 10.0)
        out = _poll_until(runner, lambda out: len(out) == 1)
        assert [(r.task_id, r.status) for r in out] == [("t1", STATUS["done"])]
        assert runner.service.service.config.max_batch == 2
        assert runner.service.service.batch_log() == [(("t1", 2),)]
    finally:
        runner.stop()


def test_a_device_the_machine_lacks_rejects_tasks_with_the_reason():
    import torch

    from offload_ros.model.aigc_offload.generation_service_config import (
        GenerationServiceConfig,
    )
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: cuda is a device it has")
    runner = AigcRunner("es1", 60.0, GenerationServiceConfig(device="cuda"))
    runner.submit(task("t1", 0.0), "agv1", 10.0)
    out = _poll_until(runner, lambda out: len(out) == 1)
    assert [(r.task_id, r.status) for r in out] == [("t1", REJECTED)]
    assert "device" in out[0].reason and "cuda" in out[0].reason


def test_a_background_runner_generates_in_a_child_process_that_ends_with_it():
    """Images off every latency path: the model runs in a child process at the lowest
    priority (this process does not run it), batches as the service does, and ends at stop."""
    runner = AigcRunner("es1", 60.0, background=True)
    try:
        runner.submit(task("t1", 0.0), "agv1", 10.0)
        runner.submit(task("t2", 0.0, "scratch"), "agv1", 10.0)
        out = _poll_until(runner, lambda out: len(out) == 2)
        assert sorted((r.task_id, r.status, len(r.images)) for r in out) == \
            [("t1", STATUS["done"], 2), ("t2", STATUS["done"], 2)]
        child = runner.service.proc
        assert child.is_alive() and child.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == NICE
        threads = len(os.listdir(f"/proc/{child.pid}/task")) if os.path.isdir("/proc") else 0
        assert threads <= 6      # main, orphan watch, service, queue threads: no torch team
        assert out[0].images[0].height == out[0].images[0].width > 0
    finally:
        runner.stop()
    assert not child.is_alive() and runner.pending() == 0

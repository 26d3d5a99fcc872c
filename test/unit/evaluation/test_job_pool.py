"""Jobs in this process, over worker processes and on Ray give the same results in the same
order; a job may start processes of its own (A3C training inside a sweep); a job's error
comes back as its own type; a missing Ray is a plain usage error."""

from __future__ import annotations

import multiprocessing as mp
import sys

import pytest

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.experiment import Experiment, ExperimentConfig
from offload_ros.evaluation.job_pool import JobPool


def _child(q) -> None:
    q.put("child ran")


def _starts_a_process(k: int) -> tuple[int, str]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    got = q.get(timeout=60)
    p.join(60)
    return k, got


def _fails(k: int) -> int:
    if k == 1:
        raise EvaluationError(f"job {k} failed")
    return k


def _sweep(**kw) -> list[dict]:
    config = ExperimentConfig(seeds=2, policies="greedy,balanced", horizon_s=900.0, **kw)
    ticks = []
    _, raw = Experiment("noise", config).run(progress=lambda: ticks.append(1))
    assert len(ticks) == len(raw) == 10          # one tick per factory
    return raw


def test_a_sweep_over_processes_is_the_sweep_in_one_process():
    alone = _sweep()
    assert _sweep(workers=2) == alone
    assert len({(r["x"], r["seed"]) for r in alone}) == 10
    assert len({r["greedy"] for r in alone}) > 2          # the noise reached the workers


def test_a_job_may_start_processes_of_its_own():
    assert JobPool.map(_starts_a_process, [0, 1], 2) == [(0, "child ran"), (1, "child ran")]


def test_a_jobs_error_comes_back_as_its_own_type():
    with pytest.raises(EvaluationError, match="job 1 failed"):
        JobPool.map(_fails, [0, 1, 2], 2)


def test_a_sweep_on_ray_is_the_sweep_in_one_process():
    pytest.importorskip("ray", reason="Ray is not installed (the package's [cluster] extra)")
    alone = _sweep()
    assert _sweep(workers=2, ray="local") == alone
    with pytest.raises(EvaluationError, match="job 1 failed"):
        JobPool.map(_fails, [0, 1, 2], 2, ray_address="local")


def test_without_ray_or_workers_it_says_what_is_wrong(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)           # as if not installed
    with pytest.raises(EvaluationError, match="--ray auto: Ray is not installed"):
        JobPool.map(_fails, [0], 1, ray_address="auto")
    with pytest.raises(EvaluationError, match="--workers: must be >= 1"):
        Experiment("agv-count", ExperimentConfig(workers=0))

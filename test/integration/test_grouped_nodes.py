"""Several AGV (and policy) nodes per process keep the live fleet equal to the simulator,
and ``bench memory`` reports each node kind's memory without torch in the lean nodes.
Nothing here asserts a figure of memory or time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from test.conftest import ROOT

pytest.importorskip("zenoh")
ENV = dict(os.environ, MPLBACKEND="Agg")


def test_three_agvs_per_process_conserve_work_and_match_the_simulator(tmp_path):
    out = tmp_path / "demo"
    r = subprocess.run([sys.executable, "-m", "offload_ros.cli", "demo", "--time-scale", "120",
                        "--minutes", "10", "--aigc-tasks-per-hour", "0", "--json",
                        "--agvs-per-process", "3", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(r.stdout)
    assert not report["live"]["problems"]
    assert abs(report["processed_vs_simulator"]) <= 0.02
    logs = sorted(p.name for p in (out / "logs").glob("*.log"))
    # 5 AGVs in two AGV processes and two policy processes, named after their first AGV
    assert [n for n in logs if n.startswith("agv")] == \
        ["agv1.log", "agv1_policy.log", "agv4.log", "agv4_policy.log"]
    assert len(list((out / "logs").glob("agv*.metrics.json"))) == 5


def test_bench_memory_json_shape_and_no_torch_in_lean_nodes(tmp_path):
    r = subprocess.run([sys.executable, "-m", "offload_ros.cli", "bench", "memory",
                        "--agvs-per-process", "2", "--agvs", "50", "--settle-s", "0",
                        "--json", "--out", str(tmp_path / "m")],
                       cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert set(out["kinds"]) == {"router", "clock", "edge", "agv", "policy"}
    for kind in out["kinds"].values():
        assert {"pss_mb", "uss_mb", "rss_mb", "ready_s", "packages", "torch",
                "nodes_per_process"} <= set(kind)
    assert out["process_counts"] == {"router": 1, "clock": 1, "edge": 6, "agv": 25,
                                     "policy": 25}
    assert out["kinds"]["agv"]["nodes_per_process"] == 2
    for kind in ("router", "clock", "edge", "agv", "policy"):
        assert not out["kinds"][kind]["torch"], kind
        assert "zenoh" in out["kinds"][kind]["packages"]

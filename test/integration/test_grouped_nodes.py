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


def grouped_demo(out, *flags: str) -> dict:
    """A 10-sim-minute demo at 120x with ``flags``; its report, checked conserved and equal to
    the simulator within 2 %."""
    r = subprocess.run([sys.executable, "-m", "offload_ros.cli", "demo", "--time-scale", "120",
                        "--minutes", "10", "--aigc-tasks-per-hour", "0", "--json", *flags,
                        "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(r.stdout)
    assert not report["live"]["problems"]
    assert abs(report["processed_vs_simulator"]) <= 0.02
    return report


def test_three_agvs_per_process_conserve_work_and_match_the_simulator(tmp_path):
    out = tmp_path / "demo"
    grouped_demo(out, "--agvs-per-process", "3")
    logs = sorted(p.name for p in (out / "logs").glob("*.log"))
    # 5 AGVs in two AGV processes and two policy processes, named after their first AGV
    assert [n for n in logs if n.startswith("agv")] == \
        ["agv1.log", "agv1_policy.log", "agv4.log", "agv4_policy.log"]
    assert len(list((out / "logs").glob("agv*.metrics.json"))) == 5


def test_policies_in_their_agvs_process_and_grouped_servers_keep_the_fleet_exact(tmp_path):
    out = tmp_path / "demo"
    report = grouped_demo(out, "--agvs-per-process", "3", "--edge-servers-per-process", "3",
                          "--policy-in-agv-process", "true")
    # every decision was the policy's (none fell back to the plan), answered in-process
    assert report["decisions"] > 0 and report["live"]["fallbacks"] == 0
    # two AGV processes that hold their policy nodes, two edge server processes
    assert sorted(p.name for p in (out / "logs").glob("*.log")) == \
        ["agv1.log", "agv4.log", "es1.log", "es4.log", "router.log"]
    log = (out / "logs" / "agv1.log").read_text()
    assert "agv1_policy INFO policy ready" in log
    decided = [json.loads(p.read_text())["decide_ms"]
               for p in (out / "logs").glob("agv*.metrics.json")]
    assert len(decided) == 5 and sum(len(d) for d in decided) == report["decisions"]
    assert sorted(p.name for p in (out / "journal").glob("es*.db")) == \
        [f"es{i}.db" for i in range(1, 7)]


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

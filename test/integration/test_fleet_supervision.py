"""The live fleet survives its own nodes: a SIGKILLed AGV restarts and resumes from its
journal, a SIGKILLed policy node leaves its AGV on the plan until it is back, a node that
dies too often ends the demo with an error and the report so far, and no node process
outlives the demo, however the demo ends. Real processes over Zenoh on loopback; every wait
is on a condition with a timeout, never a fixed sleep."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from offload_ros.bag.message_types import MessageTypes
from test.conftest import aigc_ledger
from test.integration.test_live_fleet import connect, demo, simulated

zenoh = pytest.importorskip("zenoh")


def wait_for(cond, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the demo ended ({proc.returncode}) before {what}: "
                                 + proc.stderr.read()[-3000:])
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def nodes(tmp_path) -> dict[str, int]:
    try:
        return json.loads((tmp_path / "demo" / "nodes.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return {}


class SimTime:
    """Follows the fleet's /clock (what every node follows)."""

    def __init__(self, endpoint: str, certs) -> None:
        self.types = MessageTypes.default()
        self.now = 0.0
        self.changed = threading.Event()
        self.session = connect(endpoint, time.monotonic() + 120, certs)
        self.sub = self.session.declare_subscriber("offload/clock", self._on_clock)

    def _on_clock(self, sample) -> None:
        msg = self.types.decode("rosgraph_msgs/msg/Clock", sample.payload.to_bytes())
        self.now = MessageTypes.seconds(msg.clock)
        self.changed.set()

    def wait(self, sim_s: float, timeout: float, proc) -> None:
        wait_for(lambda: self.now >= sim_s, timeout, f"sim time {sim_s} s", proc)

    def close(self) -> None:
        self.sub.undeclare()
        self.session.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                                # a zombie (not yet reaped by init) is dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_mid_run(tmp_path, node: str, at_s: float, *args):
    proc, endpoint = demo(tmp_path, *args)
    clock = SimTime(endpoint, tmp_path / "demo" / "certs")
    try:
        clock.wait(at_s, 120, proc)
        pid = nodes(tmp_path)[node]
        os.kill(pid, signal.SIGKILL)
    finally:
        clock.close()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out), pid


def test_a_killed_agv_restarts_and_resumes_from_its_journal(tmp_path):
    report, _ = kill_mid_run(tmp_path, "agv2", 180, "--policy", "balanced")
    (restart,) = report["restarts"]
    assert restart["node"] == "agv2" and restart["kind"] == "agv"
    assert restart["exit_code"] == -signal.SIGKILL and restart["ready"] is True
    assert restart["sim_s"] >= 180 and restart["downtime_s"] > 0
    assert report["live"]["problems"] == []
    assert report["conservation"]["loaded_minus_delivered_carried"] == pytest.approx(0, abs=1e-6)
    sim = simulated("balanced")
    assert report["processed_kb"] == pytest.approx(sim.processed_kb, rel=0.02)
    assert report["restart_cost"]["processed_vs_simulator"] == report["processed_vs_simulator"]
    assert "resumed from" in (tmp_path / "demo" / "logs" / "agv2.log").read_text()


def test_a_killed_policy_leaves_its_agv_on_the_plan_until_it_is_back(tmp_path):
    # a longer backoff keeps it down for some decisions: 2 s of wall = 240 sim s, and agv1
    # stops every 40 s at first, then at 360 s and 400 s, so however late the kill lands
    # after 120 s a decision of agv1 falls in the outage (counted by the decision's sim time,
    # not by when its status happens to arrive)
    report, _ = kill_mid_run(tmp_path, "agv1_policy", 120, "--policy", "balanced",
                             "--restart-backoff-s", "2")
    (restart,) = report["restarts"]
    assert restart["node"] == "agv1_policy" and restart["ready"] is True
    assert restart["fallbacks"] > 0                  # decisions made on the plan meanwhile
    assert report["agvs"]["agv1"]["delivered_kb"] > 0
    assert report["live"]["fallbacks"] >= restart["fallbacks"]
    assert report["live"]["problems"] == []
    sim = simulated("balanced")          # the plan is Algorithm 1, as balanced decides
    assert report["processed_kb"] == pytest.approx(sim.processed_kb, rel=0.02)


def test_a_node_that_dies_too_often_ends_the_demo_with_the_report_so_far(tmp_path):
    proc, endpoint = demo(tmp_path, "--policy", "balanced", "--restart-limit", "0")
    clock = SimTime(endpoint, tmp_path / "demo" / "certs")
    try:
        clock.wait(60, 120, proc)
        children = nodes(tmp_path)
        os.kill(children["es3"], signal.SIGKILL)
    finally:
        clock.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "node es3 exited (-9)" in err and "restart_limit 0 reached" in err
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert "restart_limit 0 reached" in report["error"]
    assert set(report["agvs"]) == {"agv1", "agv2", "agv3", "agv4", "agv5"}
    for pid in children.values():
        wait_for(lambda: not alive(pid), 30, f"end of node {pid}")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_node_outlives_the_demo(tmp_path, sig):
    proc, endpoint = demo(tmp_path, "--policy", "balanced")
    clock = SimTime(endpoint, tmp_path / "demo" / "certs")
    try:
        clock.wait(30, 120, proc)
    finally:
        clock.close()
    children = nodes(tmp_path)
    assert len(children) == 1 + 6 + 2 * 5 and all(alive(p) for p in children.values())
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    for name, pid in children.items():
        wait_for(lambda: not alive(pid), 30, f"end of {name} ({pid})")


def test_a_server_killed_with_aigc_tasks_in_flight_answers_each_admitted_task_once(tmp_path):
    """es2 is SIGKILLed while it has AIGC tasks to answer; after its restart every task an
    AGV sent is answered exactly once (finished or expired), and the report, the bag and
    the journals count the same tasks."""
    from offload_ros.bag.bag_reader import BagReader
    proc, endpoint = demo(tmp_path, "--policy", "balanced", "--minutes", "30",
                          "--time-scale", "60", "--aigc-tasks-per-hour", "60")
    types = MessageTypes.default()
    pending = []
    session = connect(endpoint, time.monotonic() + 120, tmp_path / "demo" / "certs")
    sub = session.declare_subscriber("offload/es2/state", lambda s: pending.append(
        types.decode("offload_interfaces/msg/EdgeServerState", s.payload.to_bytes())
        .aigc_pending))
    try:
        wait_for(lambda: pending and pending[-1] > 0, 120, "AIGC tasks in flight at es2", proc)
        os.kill(nodes(tmp_path)["es2"], signal.SIGKILL)
    finally:
        sub.undeclare()
        session.close()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    report = json.loads(out)
    (restart,) = report["restarts"]
    assert restart["node"] == "es2" and restart["ready"] is True
    log = (tmp_path / "demo" / "logs" / "es2.log").read_text()
    again = int(log.split(" AIGC tasks to run again")[0].rsplit(" ", 1)[-1])
    assert again >= 1
    results = [m for topic, _, m in BagReader(tmp_path / "demo" / "bag").messages()
               if topic.endswith("/aigc/results")]
    ids = [m.task_id for m in results]
    assert len(ids) == len(set(ids)) == report["aigc"]["tasks"] > 0
    assert report["aigc"]["done"] == sum(m.status == 0 for m in results)
    answered, still_open, sent = aigc_ledger(tmp_path / "demo" / "journal")
    assert answered == set(ids) and still_open == 0
    assert sent == len(ids)                  # none lost, none counted twice

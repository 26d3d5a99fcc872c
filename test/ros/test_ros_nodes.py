"""The rclpy nodes as processes: a bad request is answered with the reason and
the node keeps serving; bad parameters end the node at once with exit code 2 and one line;
SIGINT and SIGTERM end every node cleanly with exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

import pytest

from test.ros.conftest import DATA, skip_without_ros

skip_without_ros()

ONE = str(DATA / "one_robot.yaml")
NODES = {
    "edge_server_node": ["-p", "es_id:=es1", "-p", "aigc:=false"],
    "policy_node": ["-p", "agvs:=agv1", "-p", "policy:=balanced"],
    "agv_node": ["-p", "agv_id:=agv1"],
    "sim_clock_node": ["-p", "use_sim_time:=false"],
}
READY = {"edge_server_node": "es1 ready", "policy_node": "policy balanced ready",
         "agv_node": "agv1 waiting for", "sim_clock_node": "waiting for"}


class Running:
    """The node's executable (as launch runs it: ``ros2 run`` would stand between it and
    the signals) with its output read in a thread; ``wait_for(text)`` waits on an event for
    a line containing ``text``."""

    def __init__(self, name: str, args: list[str], env: dict) -> None:
        from ament_index_python.packages import get_package_prefix
        exe = os.path.join(get_package_prefix("offload_ros"), "lib", "offload_ros", name)
        cmd = [exe, "--ros-args", "-p", f"scenario:={ONE}", *args]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def wait_for(self, text: str, timeout: float = 60.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: any(text in ln for ln in self.lines), timeout)

    def output(self) -> str:
        with self.cond:
            return "".join(self.lines)


@pytest.fixture
def running(ros_env):
    started = []

    def start(name, args=()):
        r = Running(name, list(args) or NODES[name], ros_env)
        started.append(r)
        return r
    yield start
    for r in started:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.wait()


def test_an_edge_server_answers_a_bad_offer_and_keeps_serving(running, graph):
    from offload_interfaces.srv import Offload
    running("edge_server_node")
    bad = Offload.Request(request_id="x1", agv_id="agv9", stamp_s=1.0, amount_kb=5.0)
    answer = graph.call(Offload, "/es1/offload", bad, timeout=30)
    assert answer is not None and answer.status == Offload.Response.STATUS_REJECTED
    assert "unknown AGV 'agv9'" in answer.reason
    nan = Offload.Request(request_id="x2", agv_id="agv1", stamp_s=0.0,
                          amount_kb=float("nan"))
    answer = graph.call(Offload, "/es1/offload", nan)
    assert answer is not None and "amount_kb" in answer.reason
    good = Offload.Request(request_id="agv1:t:1", agv_id="agv1", stamp_s=0.0,
                           amount_kb=50.0, last_stop=True)
    answer = graph.call(Offload, "/es1/offload", good)
    assert answer is not None and answer.status == Offload.Response.STATUS_ADMITTED
    assert answer.admitted_kb == pytest.approx(50.0)


def test_a_policy_node_refuses_what_it_cannot_decide_and_keeps_serving(running, graph):
    from offload_interfaces.srv import Decide
    r = running("policy_node")
    assert r.wait_for("ready"), r.output()
    answer = graph.call(Decide, "/agv1/decide", Decide.Request(agv_id="agv1", es_id="es7"))
    assert answer is not None and not answer.ok and "es_id" in answer.reason
    assert r.proc.poll() is None


@pytest.mark.parametrize("name", sorted(NODES))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_every_node_exits_0_on_a_signal(running, name, sig):
    r = running(name)
    assert r.wait_for(READY[name]), r.output()
    r.proc.send_signal(sig)
    assert r.proc.wait(timeout=30) == 0, r.output()
    assert "Traceback" not in r.output(), r.output()


@pytest.mark.parametrize("name,args,text", [
    ("agv_node", ["-p", "agv_id:=agv7"], "agv7"),
    ("edge_server_node", ["-p", "es_id:=es9"], "es9"),
    ("policy_node", ["-p", "agvs:=[agv1]", "-p", "policy:=nope"], "nope"),
    ("agv_node", ["-p", "agv_id:=agv1", "-p", "mode:=flying"], "mode"),
    # AIGC placement on real time without the fleet's shared origin
    ("edge_server_node", ["-p", "es_id:=es1", "-p", "aigc_placement:=true"], "time_origin_s"),
    ("agv_node", ["-p", "agv_id:=agv1", "-p", "aigc_placement:=true"], "time_origin_s"),
    ("edge_server_node", ["-p", "es_id:=es1", "-p", "aigc_compute:=gpu"], "aigc_compute"),
])
def test_bad_parameters_end_a_node_with_code_2_and_one_line(running, name, args, text):
    r = running(name, args)
    assert r.proc.wait(timeout=60) == 2, r.output()
    lines = [ln for ln in r.output().splitlines() if ln.startswith("offload_ros:")]
    assert len(lines) == 1 and text in lines[0], r.output()
    assert "Traceback" not in r.output()

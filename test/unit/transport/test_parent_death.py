"""A node whose parent is gone ends within its grace period even when its clean stop hangs
holding the GIL (where a Python watchdog thread can no longer run)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from test.conftest import ROOT

CHILD = """
import ctypes, sys, threading
from offload_ros.transport.parent_death import ParentDeath
stopping = threading.Event()
ParentDeath.watch(stopping.set, period_s=0.05, grace_s=1.0)
print("watching", flush=True)
stopping.wait()
ctypes.PyDLL(None).sleep(120)          # a stop that hangs in native code, holding the GIL
"""

PARENT = """
import os, subprocess, sys
env = dict(os.environ, OFFLOAD_ROS_PARENT_PID=str(os.getpid()))
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL,
                         text=True)
assert child.stdout.readline().strip() == "watching"
print(child.pid, flush=True)            # and the parent is gone
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:          # a zombie has ended
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_stop_that_hangs_holding_the_gil_still_ends_the_orphan():
    out = subprocess.run([sys.executable, "-c", PARENT, CHILD], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 20                  # grace 1 s; the hang lasts 120 s
    while alive(pid):
        assert time.monotonic() < deadline, "the orphan outlived its grace period"
        time.sleep(0.1)

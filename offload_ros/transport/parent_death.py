"""Node processes die with the demo that started them, however it ends (SIGKILL included).

Two layers: on Linux the parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGTERM)``) is set in
the child between fork and exec, and the child checks ``os.getppid()`` right after, so a
parent that died before the call is noticed too; on every system the child's NodeProcess
runs a watchdog thread that stops the node when its parent (``OFFLOAD_ROS_PARENT_PID``) is
gone, and ends the process if the clean stop hangs (from a native thread, so even a hang
that holds the GIL ends).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
from typing import Callable

PARENT_PID_ENV = "OFFLOAD_ROS_PARENT_PID"
_PR_SET_PDEATHSIG = 1


class ParentDeath:
    """``preexec(pid)`` for ``subprocess.Popen``; ``watch(stop)`` in the child."""

    @staticmethod
    def preexec(parent_pid: int) -> Callable[[], None] | None:
        """A ``preexec_fn`` that sets the parent-death signal (None off Linux). The libc
        function is looked up here, before the fork, so the child only calls it."""
        if not sys.platform.startswith("linux"):
            return None
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl

        def set_signal() -> None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            if os.getppid() != parent_pid:     # it died before the signal was set
                os._exit(1)
        return set_signal

    @staticmethod
    def watch(stop: Callable[[], None], period_s: float = 0.5,
              grace_s: float = 5.0) -> threading.Thread | None:
        """If this process was started with ``OFFLOAD_ROS_PARENT_PID``: a daemon thread that
        calls ``stop()`` once the parent is gone and ends the process ``grace_s`` later if
        it is still running. None without the variable."""
        text = os.environ.get(PARENT_PID_ENV, "")
        if not text.isdigit():
            return None
        parent = int(text)

        def loop() -> None:
            event = threading.Event()
            while os.getppid() == parent:
                event.wait(period_s)
            # the hard end runs on faulthandler's own native thread: a clean stop that hangs
            # holding the GIL (a native call) or in the interpreter's exit, where this
            # thread can no longer run, still ends the process, with every thread's stack
            # in the node's log to say where it hung
            faulthandler.dump_traceback_later(grace_s, exit=True)
            stop()
            event.wait(grace_s)
            os._exit(1)

        thread = threading.Thread(target=loop, name="parent-watchdog", daemon=True)
        thread.start()
        return thread

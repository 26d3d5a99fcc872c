"""What every node process shares: logging, its Zenoh bus, the sim clock (followed from
/clock), a readiness token, a clean stop on SIGTERM/SIGINT, and the loop."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from typing import Any

from offload_ros.model.scenario import Scenario
from offload_ros.runtime.sim_clock import SimClock
from offload_ros.transport.parent_death import ParentDeath
from offload_ros.transport.zenoh_bus import ZenohBus
from offload_ros.transport.zenoh_config import ZenohConfig

READY = "ready"


class NodeProcess:
    """Subclasses set up their node in ``setup()`` and do their work in ``tick(now)``, which
    returns how long (wall seconds) the loop may sleep before the next tick."""

    kind = "node"

    def __init__(self, name: str, scenario: Scenario, zenoh: ZenohConfig,
                 time_scale: float, *, follow_clock: bool = True) -> None:
        self.name, self.scenario = name, scenario
        self.log = logging.getLogger(name)
        self.clock = SimClock(time_scale)
        self.bus = ZenohBus(zenoh, name, self.log)
        self.stopping = threading.Event()
        self.wake = threading.Event()          # set by callbacks that have work for tick
        self.follow_clock = follow_clock
        self._token: Any = None

    @staticmethod
    def configure_logging(name: str) -> None:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                            format=f"%(asctime)s {name} %(levelname)s %(message)s")

    def _on_clock(self, msg: Any, sender: str) -> None:
        self.clock.sync(msg.clock.sec + msg.clock.nanosec * 1e-9)

    def setup(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def tick(self, now: float) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def finish(self) -> None:
        """Called once when the process stops."""

    def ready(self) -> None:
        self._token = self.bus.session.liveliness().declare_token(
            self.bus.key(f"{READY}/{self.name}"))

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: (self.stopping.set(), self.wake.set()))
        ParentDeath.watch(lambda: (self.log.warning("the parent process is gone: stopping"),
                                   self.stopping.set(), self.wake.set()))
        return self.serve()

    def serve(self) -> int:
        """Set up, say it is ready, and tick until ``stopping`` is set: in the main thread
        (``run``) or in a thread of its own where one process hosts several nodes
        (``NodeGroup``)."""
        if self.follow_clock:
            self.bus.subscribe("/clock", "rosgraph_msgs/msg/Clock", self._on_clock)
        self.setup()
        self.ready()
        self.log.info("%s ready (%s)", self.kind, self.bus.config.connect)
        try:
            while not self.stopping.is_set():
                if not self.clock.started:
                    self.stopping.wait(0.01)
                    continue
                pause = self.tick(self.clock.now())
                if pause > 0:
                    self.wake.wait(pause)
                self.wake.clear()
        finally:
            self.finish()
            self.bus.close()
        return 0

    @staticmethod
    def wait_wall(timeout: float, started: float) -> None:
        """Sleep what is left of ``timeout`` after a call that returned early."""
        left = timeout - (time.monotonic() - started)
        if left > 0:
            time.sleep(left)

"""``offload-ros demo``: the whole fleet of a scenario as separate processes over Zenoh.

This process is the fleet's router and its /clock. It starts an ``edge`` process per edge
server, an ``agv`` and a ``policy`` process per AGV, waits until all are ready, starts sim
time, records every topic to an MCAP rosbag2, shows a live table, and at the horizon
collects the last states into a report (the simulator's result shape) with a plot, beside
what the simulator gives for the same scenario and policy. Optionally it kills an edge
server mid-run and restarts it from its journal, and serves the running fleet to Foxglove
(``--foxglove``: :class:`~offload_ros.transport.foxglove_view.FoxgloveView`, fed what the
live table shows, its 3D scene also recorded into the bag).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offload_ros.bag.bag_recorder import BagRecorder
from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes
from offload_ros.bag.topic_catalog import TopicCatalog
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import STATE_NAMES
from offload_ros.runtime.fleet_monitor import FleetMonitor
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.transport.clock_process import ClockProcess
from offload_ros.transport.errors import TransportError
from offload_ros.transport.zenoh_config import ZenohConfig


@dataclass(frozen=True)
class FleetDemoConfig:
    """``offload-ros demo`` options."""

    policy: str = field(default="mcoo", metadata={
        "help": "the policy every AGV's policy node runs (a planner or a trained policy)"})
    time_scale: float = field(default=60.0, metadata={"help": "sim seconds per wall second"})
    minutes: float = field(default=60.0, metadata={
        "help": "sim minutes to run (at most the scenario's horizon)"})
    out: str = field(default="out/demo", metadata={
        "help": "folder for report.json, report.png, the bag, journals and node logs"})
    endpoint: str = field(default="", metadata={
        "help": "router endpoint (default: tcp/127.0.0.1 on a free port)"})
    aigc_tasks_per_hour: float = field(default=2.0, metadata={
        "help": "AIGC tasks per AGV per sim hour, run on the edge servers (0: none)"})
    record: bool = field(default=True, metadata={"help": "record every topic to an MCAP bag"})
    live: bool = field(default=True, metadata={"help": "show the live table"})
    kill_es: str = field(default="", metadata={
        "help": "kill this edge server's process mid-run and restart it from its journal"})
    kill_at_min: float = field(default=10.0, metadata={
        "help": "when to kill it", "unit": "sim minutes"})
    down_s: float = field(default=2.0, metadata={
        "help": "how long it stays down", "unit": "s of wall time"})
    ready_timeout_s: float = field(default=180.0, metadata={
        "help": "longest wait for every node to start", "unit": "s"})
    foxglove: int = field(default=0, metadata={
        "help": "serve the live fleet to Foxglove on this port (ws://127.0.0.1:PORT; its 3D "
                "scene also goes into the bag); 0 = off", "const": 8765, "metavar": "PORT"})


class FleetDemo:
    def __init__(self, scenario_path: Path, config: FleetDemoConfig,
                 zenoh: ZenohConfig | None = None) -> None:
        self.path = Path(scenario_path)
        self.config = config
        base = Scenario.load(self.path)
        horizon = min(base.horizon_s, config.minutes * 60.0)
        if horizon <= 0:
            raise TransportError(f"minutes: must be > 0, got {config.minutes!r}")
        if not 0 <= config.foxglove <= 65535:
            raise TransportError(f"foxglove: a port 1-65535 (0: off), got {config.foxglove}")
        for name in ("time_scale", "ready_timeout_s"):
            if not getattr(config, name) > 0:
                raise TransportError(f"{name}: must be > 0, got {getattr(config, name)!r}")
        for name in ("aigc_tasks_per_hour", "down_s", "kill_at_min"):
            if not getattr(config, name) >= 0:
                raise TransportError(f"{name}: must be >= 0, got {getattr(config, name)!r}")
        servers = [e.id for e in base.edge_servers]
        if config.kill_es and config.kill_es not in servers:
            raise TransportError(f"kill_es: no edge server {config.kill_es!r} in "
                                 f"{base.name} (it has {', '.join(servers)})")
        if config.kill_es and config.kill_at_min * 60.0 >= horizon:
            raise TransportError(f"kill_at_min: {config.kill_at_min:g} is not before the end "
                                 f"of the run ({horizon / 60:g} sim minutes)")
        self.scenario = dataclasses.replace(base, horizon_s=horizon)
        PolicyFactory.make(config.policy, self.scenario)     # a bad name fails here, at once
        self.out = Path(config.out)
        endpoint = config.endpoint or f"tcp/127.0.0.1:{self._free_port()}"
        # a router process of its own routes the fleet; this process is a client of it
        self.zenoh = dataclasses.replace(zenoh or ZenohConfig(), mode="client",
                                         connect=endpoint)
        self.types = MessageTypes.default()
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.monitor = FleetMonitor(self.scenario, config.policy)
        self.bag: BagRecorder | None = None
        self.view: Any = None      # a started FoxgloveView while --foxglove serves
        self.view_url = ""
        self.killed = False
        self.kill_done = False
        self._state_event = threading.Event()
        self.log = logging.getLogger("demo")

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    # ------------------------------------------------------------------ processes
    def _spawn(self, name: str, args: list[str]) -> None:
        cmd = [sys.executable, "-m", "offload_ros.cli", "node", *args,
               "--scenario", str(self.path), "--horizon-s", repr(self.scenario.horizon_s),
               "--zenoh-connect", self.zenoh.connect, "--zenoh-prefix", self.zenoh.prefix]
        if args[0] != "router":
            cmd += ["--time-scale", repr(self.config.time_scale)]
        self.commands[name] = cmd
        log = open(self.out / "logs" / f"{name}.log", "a")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
               "PYTHONUNBUFFERED": "1"}
        self.children[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                               env=env, start_new_session=True)

    def _start_nodes(self) -> None:
        for es in self.scenario.edge_servers:
            self._spawn(es.id, ["edge", "--id", es.id, "--journal",
                                str(self.out / "journal" / f"{es.id}.db"),
                                "--aigc", str(self.config.aigc_tasks_per_hour > 0)])
        for agv in self.scenario.agvs:
            self._spawn(f"{agv.id}_policy", ["policy", "--agv", agv.id,
                                             "--policy", self.config.policy])
            self._spawn(agv.id, ["agv", "--id", agv.id, "--aigc-tasks-per-hour",
                                 repr(self.config.aigc_tasks_per_hour), "--metrics",
                                 str(self.out / "logs" / f"{agv.id}.metrics.json")])

    def _connect(self, make):
        """Open this process's session once the router listens (or say why not)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                return make()
            except TransportError as err:
                router = self.children["router"]
                if router.poll() is not None or time.monotonic() > deadline:
                    raise TransportError(f"the router did not start: {err}\n"
                                         + self._tail("router")) from err
                time.sleep(0.1)

    def _stop_nodes(self) -> None:
        for p in self.children.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in self.children.values():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()

    def _dead(self) -> list[str]:
        return [n for n, p in self.children.items() if p.poll() is not None
                and not (self.killed and n == self.config.kill_es)]

    def _tail(self, name: str) -> str:
        try:
            lines = (self.out / "logs" / f"{name}.log").read_text().splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-8:])

    # ------------------------------------------------------------------ messages
    def _on_sample(self, sample: Any) -> None:
        key = str(sample.key_expr)
        topic = "/" + key.split("/", 1)[1]
        data = sample.payload.to_bytes()
        try:
            spec = TopicCatalog.spec(topic)
            msg = self.types.decode(spec.typename, data)
        except BagError as err:
            self.log.warning("dropped a message on %s: %s", key, err)
            return
        stamp = getattr(getattr(msg, "header", None), "stamp", None) or \
            getattr(msg, "clock", None)
        t_ns = int(MessageTypes.seconds(stamp) * 1e9) if stamp is not None else 0
        if self.bag is not None:
            self.bag.write(topic, t_ns, data)
        if spec.typename.endswith("AgvStatus"):
            self.monitor.on_status(msg)
        elif spec.typename.endswith("EdgeServerState"):
            self.monitor.on_state(msg)
            self._state_event.set()
        elif spec.typename.endswith("AigcResult"):
            self.monitor.on_aigc(msg)
        view = self.view
        if view is not None:
            try:
                view.on_message(topic, msg, t_ns, data)
            except TransportError as err:
                self.log.warning("Foxglove view: %s", err)

    # ------------------------------------------------------------------ table
    def table(self, now: float):
        from rich.table import Table
        from rich.console import Group
        h = max(now, 1e-9) / 3600.0
        t1 = Table(title=f"{self.scenario.name} · {self.config.policy} · sim "
                         f"{now / 60:5.1f} / {self.scenario.horizon_s / 60:.0f} min "
                         f"· {self.config.time_scale:g}x"
                         + (f" · Foxglove {self.view_url}" if self.view_url else ""))
        for col in ("AGV", "cycle", "state", "next", "remaining kB", "delivered kB",
                    "wait s", "fallbacks"):
            t1.add_column(col, justify="right" if col not in ("AGV", "state") else "left")
        for a in self.scenario.agvs:
            s = self.monitor.status.get(a.id)
            if s is None:
                t1.add_row(a.id, "-", "starting", "", "", "", "", "")
                continue
            t1.add_row(a.id, str(s.cycle), STATE_NAMES[s.state], s.target_es or "start",
                       f"{s.remaining_kb:.0f}", f"{s.delivered_kb:.0f}", f"{s.wait_s:.0f}",
                       str(s.fallbacks))
        t2 = Table()
        for col in ("ES", "backlog kB", "door queue", "processed kB", "processed kB/h", "AIGC"):
            t2.add_column(col, justify="right" if col != "ES" else "left")
        total = 0.0
        for e in self.scenario.edge_servers:
            s = self.monitor.states.get(e.id)
            if s is None:
                t2.add_row(e.id, "-", "-", "-", "-", "-")
                continue
            total += s.processed_kb
            t2.add_row(e.id, f"{s.backlog_kb:.0f}/{s.capacity_kb:.0f}",
                       ",".join(s.door_queue) or "-", f"{s.processed_kb:.0f}",
                       f"{s.processed_kb / h:.0f}" if now > 0 else "-", str(s.aigc_pending))
        t2.add_row("all", "", "", f"{total:.0f}", f"{total / h:.0f}" if now > 0 else "-",
                   f"{len(self.monitor.aigc)} done")
        return Group(t1, t2)

    # ------------------------------------------------------------------ run
    def run(self) -> dict[str, Any]:
        cfg = self.config
        for sub in ("logs", "journal"):
            shutil.rmtree(self.out / sub, ignore_errors=True)
            (self.out / sub).mkdir(parents=True, exist_ok=True)
        if cfg.record:
            shutil.rmtree(self.out / "bag", ignore_errors=True)
            self.bag = BagRecorder(self.out / "bag", self.types)
        names = [e.id for e in self.scenario.edge_servers] + \
            [n for a in self.scenario.agvs for n in (a.id, f"{a.id}_policy")]
        started = time.monotonic()
        self._spawn("router", ["router"])
        try:
            clock = self._connect(lambda: ClockProcess(
                self.scenario, self.zenoh, SimClockConfig(cfg.time_scale), tuple(names),
                cfg.ready_timeout_s))
        except TransportError:
            self._stop_nodes()
            raise
        sub = clock.bus.session.declare_subscriber(self.zenoh.prefix + "/**", self._on_sample)
        try:
            self._start_nodes()
            try:
                clock.wait_ready(alive=lambda: not self._dead())
            except TransportError as err:
                dead = self._dead()
                raise TransportError(f"{err}" + "".join(
                    f"\n--- {n} exited ({self.children[n].returncode}):\n{self._tail(n)}"
                    for n in dead)) from err
            ready_s = time.monotonic() - started
            if cfg.foxglove:
                self._start_view()
            clock.clock.start()
            report = self._loop(clock)
            report["startup_s"] = ready_s
            if self.view is not None:
                report["foxglove"] = {"url": self.view_url,
                                      "scenes_published": self.view.published,
                                      "scenes_recorded": self.view.recorded}
        finally:
            self._stop_view()
            self._stop_nodes()
            sub.undeclare()
            clock.bus.close()
            if self.bag is not None:
                self.bag.close()
        report["runtime"] = self.timings()
        if self.bag is not None:        # what the closed bag holds, as `bag info` counts it
            report["bag_messages"] = sum(self.bag.counts.values())
        (self.out / "report.json").write_text(json.dumps(report, indent=2))
        return report

    def _start_view(self) -> None:
        """Serve the fleet to Foxglove (the fleet is up; sim time has not started)."""
        from offload_ros.transport.foxglove_view import FoxgloveView, FoxgloveViewConfig
        view = FoxgloveView(self.scenario, FoxgloveViewConfig(port=self.config.foxglove),
                            time_scale=self.config.time_scale, types=self.types,
                            record=self.bag.write if self.bag is not None else None)
        view.start()
        self.view_url = view.url
        self.view = view
        self.log.info("serving Foxglove on %s", self.view_url)

    def _stop_view(self) -> None:
        view, self.view = self.view, None
        if view is not None:
            view.stop()

    def timings(self, warmup_s: float = 600.0) -> dict[str, Any]:
        """Percentiles of the AGVs' decision and offload round trips (wall ms) and of how
        far behind sim time they made their offers (sim s and wall ms): over the whole run
        (``all``) and after the first ``warmup_s`` of sim time (``steady``: every process
        has made its first calls, which set up routes and load code)."""
        import numpy as np
        data: dict[str, list] = {"decide_ms": [], "offload_ms": [], "lag_s": []}
        for a in self.scenario.agvs:
            try:
                got = json.loads((self.out / "logs" / f"{a.id}.metrics.json").read_text())
            except (OSError, ValueError):
                continue
            for k in data:
                data[k] += got.get(k, [])
        out: dict[str, Any] = {"time_scale": self.config.time_scale, "warmup_s": warmup_s}
        for k, v in data.items():
            rows = np.asarray(v, dtype=float).reshape(-1, 2)
            for part, sel in (("all", rows[:, 1]), ("steady", rows[rows[:, 0] >= warmup_s, 1])):
                arr = sel if len(sel) else np.zeros(1)
                out.setdefault(k, {})[part] = {
                    "n": int(len(sel)), "p50": float(np.percentile(arr, 50)),
                    "p99": float(np.percentile(arr, 99)), "max": float(arr.max())}
        return out

    def _loop(self, clock: ClockProcess) -> dict[str, Any]:
        from rich.console import Console
        from rich.live import Live
        cfg, horizon = self.config, self.scenario.horizon_s
        console = Console(stderr=True)
        live = Live(self.table(0.0), console=console, refresh_per_second=4,
                    transient=False) if cfg.live else None
        down_until = None
        if live is not None:
            live.start()
        try:
            last = 0.0
            while True:
                now = clock.clock.now()
                clock.publish_clock()
                dead = self._dead()
                if dead:
                    raise TransportError(f"node {dead[0]} exited "
                                         f"({self.children[dead[0]].returncode}):\n"
                                         + self._tail(dead[0]))
                if cfg.kill_es and not self.kill_done and now >= cfg.kill_at_min * 60:
                    self.children[cfg.kill_es].kill()
                    self.children[cfg.kill_es].wait()
                    self.killed = self.kill_done = True
                    down_until = time.monotonic() + cfg.down_s
                    self.log.warning("killed %s at sim %.1f min", cfg.kill_es, now / 60)
                if down_until is not None and time.monotonic() >= down_until:
                    cmd = self.commands[cfg.kill_es]
                    self.children[cfg.kill_es] = subprocess.Popen(
                        cmd, stdout=open(self.out / "logs" / f"{cfg.kill_es}.log", "a"),
                        stderr=subprocess.STDOUT, start_new_session=True,
                        env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
                    self.killed = False
                    down_until = None
                if live is not None and time.monotonic() - last > 0.25:
                    live.update(self.table(min(now, horizon)))
                    last = time.monotonic()
                if self.view is not None:
                    self.view.update(min(now, horizon), self.monitor.status,
                                     self.monitor.states, self.monitor.aigc)
                if now >= horizon and not self.monitor.unsettled():
                    break
                if now >= horizon + 120 * cfg.time_scale:
                    raise TransportError("the fleet did not settle within 120 s after the "
                                         "horizon: " + self.monitor.unsettled())
                time.sleep(clock.config.clock_period_s)
            if live is not None:
                live.update(self.table(horizon))
        finally:
            if live is not None:
                live.stop()
                if not console.is_terminal:     # piped: end the last table's line
                    console.print()
        return self._report()

    def _fresh_states(self, timeout_s: float = 10.0) -> None:
        """Wait (an event per state, with a timeout) until every server has published once
        more, so the report holds the state after the last answers."""
        self.monitor.mark()
        deadline = time.monotonic() + timeout_s
        while not self.monitor.refreshed() and time.monotonic() < deadline:
            self._state_event.wait(0.05)
            self._state_event.clear()

    def _report(self) -> dict[str, Any]:
        self._fresh_states()
        out = self.monitor.report(
            bag=str(self.out / "bag") if self.bag is not None else None,
            bag_messages=sum(self.bag.counts.values()) if self.bag is not None else 0)
        self.monitor.write(out, self.out / "report.json")
        return out

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
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.agv_controller import STATE_NAMES
from offload_ros.runtime.edge_server_node import EdgeServerNodeConfig
from offload_ros.runtime.fleet_monitor import FleetMonitor, FleetMonitorConfig
from offload_ros.runtime.sim_clock import SimClockConfig
from offload_ros.transport.clock_process import ClockProcess
from offload_ros.transport.errors import TransportError
from offload_ros.transport.node_process import READY
from offload_ros.transport.parent_death import PARENT_PID_ENV, ParentDeath
from offload_ros.transport.zenoh_config import ZenohConfig


@dataclass(frozen=True)
class FleetDemoConfig:
    """``offload-ros demo`` options."""

    policy: str = field(default="mcoo", metadata={
        "help": "the policy every AGV's policy node runs (a planner or a trained policy)"})
    time_scale: float = field(default=60.0, metadata={"help": "sim seconds per wall second"})
    noise_seed: int = field(default=0, metadata={
        "help": "which draw of the scenario's disturbance: section the fleet runs (start "
                "offsets, leg times, rates; as simulate --noise-seed; no section: nothing "
                "moves)"})
    minutes: float = field(default=60.0, metadata={
        "help": "sim minutes to run (at most the scenario's horizon)"})
    out: str = field(default="out/demo", metadata={
        "help": "folder for report.json, report.png, the bag, journals and node logs"})
    endpoint: str = field(default="", metadata={
        "help": "router endpoint (default: tcp/127.0.0.1 on a free port)"})
    aigc_tasks_per_hour: float = field(default=2.0, metadata={
        "help": "AIGC tasks per AGV per sim hour, run on the edge servers (0: none)"})
    aigc_policy: str = field(default="", metadata={
        "help": "AGVs emit the scenario's aigc: tasks and place them live with this AIGC "
                "policy (random, nearest, greedy, batch_greedy, amarl, concat, idqn, "
                "NAME:CHECKPOINT): link and compute emulated on sim time; the report sets "
                "it beside aigc offload on the same tasks ('' = no placement; then "
                "aigc_tasks_per_hour ride with the offers)"})
    aigc_images: int = field(default=EdgeServerNodeConfig.aigc_images, metadata={
        "help": "with aigc_policy: images the diffusion model makes for each placed task "
                "done, after its emulated outcome (at most the task's; 0: none)"})
    aigc_compute: str = field(default="emulated", metadata={
        "help": "with aigc_policy: placed tasks' compute, emulated on sim time (what aigc "
                "offload runs) or real (the diffusion model makes every image; the latency "
                "is its wall time scaled by time_scale, so run it near 1x)"})
    aigc_episode: int = field(default=0, metadata={
        "help": "which held-out episode of aigc offload --seed 0 the AGVs' tasks are (0: "
                "its first, what aigc offload --episodes 1 runs)"})
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
    agvs_per_process: int = field(default=1, metadata={
        "help": "AGV nodes per AGV process (a thread each) and AGVs per policy process, for "
                "big fleets; 1: a process per node"})
    edge_servers_per_process: int = field(default=1, metadata={
        "help": "edge server nodes per process (a thread each), for big fleets; 1: a process "
                "per edge server"})
    policy_in_agv_process: bool = field(default=False, metadata={
        "help": "run each AGV process's policy node inside that process (composition, as "
                "on an AGV that runs its own policy): a decision is then a call within the "
                "process, never a network round trip; false: a policy process per "
                "agvs_per_process AGVs"})
    restart_limit: int = field(default=3, metadata={
        "help": "restarts allowed per node process that dies (AGV, policy, edge server, "
                "router); one death more ends the demo with an error and the report so far"})
    restart_backoff_s: float = field(default=0.5, metadata={
        "help": "wait before restarting a node that died, doubled at each further restart "
                "of the same node", "unit": "s of wall time"})
    auth: bool = field(default=True, metadata={
        "help": "only fleet members speak: mutual TLS with certificates made for this run "
                "(OUT/certs) and the router's access control; false: plain TCP, no "
                "authentication (a developer's loopback)"})
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
        self.view_config = None          # checked here, before any process starts
        if config.foxglove:
            from offload_ros.transport.foxglove_view import FoxgloveViewConfig
            self.view_config = FoxgloveViewConfig(port=config.foxglove)
        for name in ("agvs_per_process", "edge_servers_per_process"):
            if not getattr(config, name) >= 1:
                raise TransportError(f"{name}: must be >= 1, got {getattr(config, name)!r}")
        if config.kill_es and config.edge_servers_per_process != 1:
            raise TransportError("kill_es: kills one edge server's process; it needs "
                                 "edge_servers_per_process 1, got "
                                 f"{config.edge_servers_per_process!r}")
        for name in ("time_scale", "ready_timeout_s"):
            if not getattr(config, name) > 0:
                raise TransportError(f"{name}: must be > 0, got {getattr(config, name)!r}")
        for name in ("aigc_tasks_per_hour", "down_s", "kill_at_min", "restart_limit",
                     "restart_backoff_s"):
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
        PolicyFactory.make(config.policy, self.scenario)   # a bad name fails here, at once
        if config.aigc_policy:
            from offload_ros.evaluation.aigc_offload.aigc_policy_factory import \
                AigcPolicyFactory
            from offload_ros.evaluation.errors import EvaluationError
            from offload_ros.learning.errors import LearningError
            try:
                AigcPolicyFactory.make(config.aigc_policy)
            except (EvaluationError, LearningError) as err:
                raise TransportError(f"aigc_policy: {err}") from err
            if config.aigc_images < 0:
                raise TransportError(f"aigc_images: must be >= 0, got "
                                     f"{config.aigc_images!r}")
            if config.aigc_compute not in ("emulated", "real"):
                raise TransportError(f"aigc_compute: must be emulated or real, got "
                                     f"{config.aigc_compute!r}")
            if config.aigc_episode < 0:
                raise TransportError(f"aigc_episode: must be >= 0, got "
                                     f"{config.aigc_episode!r}")
        self.out = Path(config.out)
        endpoint = config.endpoint or f"tcp/127.0.0.1:{self._free_port()}"
        # a router process of its own routes the fleet; this process is a client of it
        self.zenoh = dataclasses.replace(zenoh or ZenohConfig(), mode="client",
                                         connect=endpoint)
        self.types = MessageTypes.default()
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.monitor = FleetMonitor(self.scenario, config.policy, config.noise_seed,
                                    aigc_policy=config.aigc_policy, aigc_seed=self.aigc_seed)
        self.bag: BagRecorder | None = None
        self.view: Any = None      # a started FoxgloveView while --foxglove serves
        self.view_url = ""
        self.killed = False
        self.kill_done = False
        # supervision: nodes down now (name -> the restart being prepared), every restart
        # (the report's "restarts"), when each node last said it was ready (wall)
        self.down: dict[str, dict[str, Any]] = {}
        self.restarts: list[dict[str, Any]] = []
        self.ready_at: dict[str, float] = {}
        self.last_sample_wall = 0.0
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
               "--zenoh-connect", self.zenoh.connect, "--zenoh-prefix", self.zenoh.prefix,
               "--zenoh-tls-dir", self.zenoh.tls_dir]
        if args[0] != "router":
            cmd += ["--time-scale", repr(self.config.time_scale)]
        self.commands[name] = cmd
        self._start(name)

    def _start(self, name: str) -> None:
        """Start (or restart) a node's process. It dies with this one: the parent-death
        signal (Linux) is set between fork and exec, and its NodeProcess watches its parent
        (``OFFLOAD_ROS_PARENT_PID``) on every system."""
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
               "PYTHONUNBUFFERED": "1", PARENT_PID_ENV: str(os.getpid())}
        with open(self.out / "logs" / f"{name}.log", "a") as log:
            self.children[name] = subprocess.Popen(
                self.commands[name], stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True, preexec_fn=ParentDeath.preexec(os.getpid()))
        pids = {n: p.pid for n, p in self.children.items()}
        tmp = self.out / "nodes.json.tmp"
        tmp.write_text(json.dumps({"demo": os.getpid(), "nodes": pids}))
        tmp.replace(self.out / "nodes.json")       # whoever reads it sees a whole file

    def _start_nodes(self) -> None:
        es, per_es = [e.id for e in self.scenario.edge_servers], \
            self.config.edge_servers_per_process
        for group in (es[i:i + per_es] for i in range(0, len(es), per_es)):
            self._spawn(group[0], ["edge", "--id", ",".join(group), "--journal",
                                   str(self.out / "journal" / "{id}.db"),
                                   "--noise-seed", str(self.config.noise_seed),
                                   "--aigc", str(self.generates),
                                   "--aigc-placement", str(bool(self.config.aigc_policy)),
                                   "--aigc-compute", self.config.aigc_compute,
                                   "--aigc-images", str(self.config.aigc_images)])
        ids, per = [a.id for a in self.scenario.agvs], self.config.agvs_per_process
        for group in (ids[i:i + per] for i in range(0, len(ids), per)):
            # a process is named after its first AGV (whose node's readiness it waits for)
            agvs = ",".join(group)
            aigc = ["--aigc-policy", self.config.aigc_policy]
            composed = ["--policy", self.config.policy] + aigc \
                if self.config.policy_in_agv_process else []
            if not composed:
                self._spawn(f"{group[0]}_policy", ["policy", "--agv", agvs,
                                                   "--policy", self.config.policy] + aigc)
            self._spawn(group[0], ["agv", "--id", agvs, "--noise-seed",
                                   str(self.config.noise_seed), "--aigc-tasks-per-hour",
                                   repr(self.tasks_per_hour), "--journal",
                                   str(self.out / "journal" / "{id}.db"), "--metrics",
                                   str(self.out / "logs" / "{id}.metrics.json"),
                                   "--aigc-placement", str(bool(self.config.aigc_policy)),
                                   "--aigc-seed", str(self.aigc_seed)] + composed)

    @property
    def tasks_per_hour(self) -> float:
        """AIGC tasks riding with the offers: none when the AGVs place them instead."""
        return 0.0 if self.config.aigc_policy else self.config.aigc_tasks_per_hour

    @property
    def generates(self) -> bool:
        """The edge servers run the diffusion model: for carried tasks, or placed ones."""
        placed = bool(self.config.aigc_policy) and (self.config.aigc_compute == "real"
                                                    or self.config.aigc_images > 0)
        return self.tasks_per_hour > 0 or placed

    @property
    def aigc_seed(self) -> int:
        return Seeding.aigc_task_seed(0, self.config.aigc_episode)

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
        return [n for n, p in self.children.items() if p.poll() is not None]

    # ------------------------------------------------------------------ supervision
    def _on_ready(self, sample: Any) -> None:
        """A node's readiness token appeared (liveliness): it is up (again)."""
        if str(sample.kind).endswith("PUT"):
            self.ready_at[str(sample.key_expr).rsplit("/", 1)[-1]] = time.monotonic()

    def _kind(self, name: str) -> str:
        if name == "router":
            return "router"
        if name.endswith("_policy"):
            return "policy"
        return "edge_server" if name in self.monitor.es_ids else "agv"

    def _supervise(self, now: float) -> None:
        """Restart every node process that died, after ``restart_backoff_s`` doubled at each
        further restart of it (a scripted ``--kill-es``: after ``down_s``, not counted); one
        death beyond ``restart_limit`` ends the demo. A restarted node is back once it says
        it is ready (its liveliness token; the router once messages flow again)."""
        cfg, wall = self.config, time.monotonic()
        for name, proc in self.children.items():
            rec = self.down.get(name)
            if proc.poll() is None or (rec is not None and "restarted_wall" not in rec):
                continue
            if rec is not None:        # it died again before it was ready
                rec["ready"] = False
                rec["downtime_s"] = wall - rec["died_wall"]
                del self.down[name]
            scripted = self.killed and name == cfg.kill_es
            self.killed = self.killed and not scripted
            n = sum(1 for r in self.restarts if r["node"] == name and not r["scripted"])
            if not scripted and n >= cfg.restart_limit:
                raise TransportError(
                    f"node {name} exited ({proc.returncode}) at sim {now / 60:.1f} min after "
                    f"{n} restart(s): restart_limit {cfg.restart_limit} reached\n"
                    + self._tail(name))
            backoff = cfg.down_s if scripted else cfg.restart_backoff_s * 2 ** n
            rec = {"node": name, "kind": self._kind(name), "sim_s": now,
                   "exit_code": proc.returncode, "scripted": scripted, "backoff_s": backoff,
                   "died_wall": wall, "restart_at_wall": wall + backoff,
                   "retries_before": self._total("retries")}
            self.down[name] = rec
            self.restarts.append(rec)
            self.log.warning("%s exited (%s) at sim %.1f min; restart %d in %.2f s", name,
                             proc.returncode, now / 60, n + 1, backoff)
        for name, rec in list(self.down.items()):
            if "restarted_wall" not in rec and wall >= rec["restart_at_wall"]:
                self._start(name)
                rec["restarted_wall"] = time.monotonic()
            elif "restarted_wall" in rec and self._back(name, rec):
                rec.update(ready=True, downtime_s=wall - rec["died_wall"], back_sim_s=now,
                           sim_down_s=now - rec["sim_s"],
                           retries=self._total("retries") - rec["retries_before"])
                del self.down[name]
                self.log.warning("%s is back after %.2f s", name, rec["downtime_s"])

    def _back(self, name: str, rec: dict[str, Any]) -> bool:
        if name == "router":       # this process's session reconnected: messages flow again
            return self.last_sample_wall > rec["restarted_wall"]
        return self.ready_at.get(name, 0.0) > rec["restarted_wall"]

    def _total(self, counter: str) -> int:
        return sum(getattr(s, counter) for s in self.monitor.status.values())

    def restart_log(self) -> list[dict[str, Any]]:
        """The report's ``restarts``: node, kind, sim time of its death, exit code, downtime
        (wall s, from its death until it was ready again; None while still down), and what
        the fleet did meanwhile (retried offers; decisions that fell back to the plan, by
        their sim time between its death and its return)."""
        keys = ("node", "kind", "sim_s", "exit_code", "scripted", "backoff_s", "downtime_s",
                "sim_down_s", "ready", "retries")
        return [{**{k: r.get(k) for k in keys},
                 "fallbacks": self.monitor.fallbacks_between(r["sim_s"], r.get("back_sim_s"))}
                for r in self.restarts]

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
        self.last_sample_wall = time.monotonic()
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
        elif spec.typename.endswith("Pheromone"):
            self.monitor.on_pheromone(msg)
        elif spec.typename.endswith("Transition"):
            self.monitor.on_transition(msg)
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
            policy = " (policy " + self._down_word(f"{a.id}_policy") + ")" \
                if f"{a.id}_policy" in self.down else ""
            if s is None:
                t1.add_row(a.id, "-", self._down_word(a.id) if a.id in self.down else
                           "starting", "", "", "", "", policy)
                continue
            state = self._down_word(a.id).upper() if a.id in self.down else \
                STATE_NAMES[s.state]
            t1.add_row(a.id, str(s.cycle), state, s.target_es or "start",
                       f"{s.remaining_kb:.0f}", f"{s.delivered_kb:.0f}", f"{s.wait_s:.0f}",
                       f"{s.fallbacks}{policy}")
        t2 = Table()
        for col in ("ES", "backlog kB", "door queue", "processed kB", "processed kB/h", "AIGC"):
            t2.add_column(col, justify="right" if col != "ES" else "left")
        total = 0.0
        for e in self.scenario.edge_servers:
            s = self.monitor.states.get(e.id)
            label = f"{e.id} {self._down_word(e.id).upper()}" if e.id in self.down else e.id
            if s is None:
                t2.add_row(label, "-", "-", "-", "-", "-")
                continue
            total += s.processed_kb
            t2.add_row(label, f"{s.backlog_kb:.0f}/{s.capacity_kb:.0f}",
                       ",".join(s.door_queue) or "-", f"{s.processed_kb:.0f}",
                       f"{s.processed_kb / h:.0f}" if now > 0 else "-", str(s.aigc_pending))
        t2.add_row("all", "", "", f"{total:.0f}", f"{total / h:.0f}" if now > 0 else "-",
                   f"{len(self.monitor.aigc)} done")
        if self.restarts:
            counts: dict[str, int] = {}
            for r in self.restarts:
                counts[r["node"]] = counts.get(r["node"], 0) + 1
            t2.caption = "restarts: " + ", ".join(
                f"{n} ×{k}" + (f" ({self._down_word(n)})" if n in self.down else "")
                for n, k in counts.items())
        return Group(t1, t2)

    def _down_word(self, name: str) -> str:
        """'down' until its restart is started, then 'restarting' until it is ready."""
        return "restarting" if "restarted_wall" in self.down[name] else "down"

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
        if cfg.auth:
            from offload_ros.transport.fleet_security import FleetSecurity
            certs = FleetSecurity.for_demo(self.scenario, self.zenoh.prefix,
                                           agvs_per_process=cfg.agvs_per_process).write(
                self.out / "certs")
            self.zenoh = dataclasses.replace(self.zenoh, tls_dir=str(certs))
        else:
            self.log.warning("authentication off: any client on %s may speak for a node",
                             self.zenoh.connect)
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
        tokens = clock.bus.session.liveliness().declare_subscriber(
            clock.bus.key(f"{READY}/*"), self._on_ready, history=True)
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
            try:
                report = self._loop(clock)
            except TransportError as err:     # write what it has, then say why it ended
                raise TransportError(f"{err}\n{self._partial_report(err)}") from err
            report["startup_s"] = ready_s
            report["authentication"] = "mutual TLS with the fleet's certificates and the " \
                "router's access control" if cfg.auth else "off"
            if self.view is not None:
                report["foxglove"] = {"url": self.view_url,
                                      "scenes_published": self.view.published,
                                      "scenes_recorded": self.view.recorded}
        finally:
            self._stop_view()
            self._stop_nodes()
            sub.undeclare()
            tokens.undeclare()
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
        from offload_ros.transport.foxglove_view import FoxgloveView
        view = FoxgloveView(self.scenario, self.view_config,
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
        settle_s = FleetMonitorConfig.settle_timeout_s   # wall time without progress
        console = Console(stderr=True)
        live = Live(self.table(0.0), console=console, refresh_per_second=4,
                    transient=False) if cfg.live else None
        if live is not None:
            live.start()
        try:
            last = 0.0
            while True:
                now = clock.clock.now()
                clock.publish_clock()
                if cfg.kill_es and not self.kill_done and now >= cfg.kill_at_min * 60:
                    self.children[cfg.kill_es].kill()
                    self.children[cfg.kill_es].wait()
                    self.killed = self.kill_done = True      # restarted after down_s
                    self.log.warning("killed %s at sim %.1f min", cfg.kill_es, now / 60)
                self._supervise(now)
                if live is not None and time.monotonic() - last > 0.25:
                    live.update(self.table(min(now, horizon)))
                    last = time.monotonic()
                if self.view is not None:
                    self.view.update(min(now, horizon), self.monitor.status,
                                     self.monitor.states, self.monitor.aigc)
                if now >= horizon and not self.monitor.unsettled():
                    break
                stalled = self.monitor.stalled(time.monotonic(), settle_s) \
                    if now >= horizon else ""
                if stalled:
                    raise TransportError(f"the fleet did not settle after the horizon (no "
                                         f"progress in {settle_s:g} s): {stalled}")
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
            bag_messages=sum(self.bag.counts.values()) if self.bag is not None else 0,
            restarts=self.restart_log())
        self.monitor.write(out, self.out / "report.json")
        return out

    def _partial_report(self, err: Exception) -> str:
        """The report of a demo that ended early (``error`` says why); where it went."""
        path = self.out / "report.json"
        try:
            out = self.monitor.report(bag=str(self.out / "bag") if self.bag else None,
                                      restarts=self.restart_log())
            out["error"] = str(err)
            out["runtime"] = self.timings()
            self.monitor.write(out, path)
        except Exception as exc:  # noqa: BLE001 - the demo's own error is the one to show
            return f"(no report written: {exc})"
        return f"the report so far: {path}"

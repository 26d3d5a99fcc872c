"""``offload-ros bench memory``: the memory each kind of fleet node takes.

Starts one process of each kind the demo runs (a router, the clock, an edge server, an AGV
process and a policy process, the last two with ``agvs_per_process`` nodes each) as
``offload-ros node KIND`` over Zenoh on loopback, waits until each says it is ready, and
reads its proportional set size (PSS: private pages plus its share of shared ones) and
unique set size (USS: private pages only) from ``/proc/PID/smaps_rollup``, and which
installed packages have files mapped into it (``/proc/PID/maps``: libtorch shows as
``torch``). The fleet total for N AGVs is a router, a clock, one process per edge server and
ceil(N / agvs_per_process) AGV and policy processes.
"""

from __future__ import annotations

import math
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offload_ros.model.scenario import Scenario
from offload_ros.transport.errors import TransportError

KINDS = ("router", "clock", "edge", "agv", "policy")
_SITE = re.compile(r"/(?:site|dist)-packages/([A-Za-z0-9_]+)")


@dataclass(frozen=True)
class MemoryBenchConfig:
    """``offload-ros bench memory`` options."""

    agvs: int = field(default=0, metadata={
        "help": "fleet size the total is given for (0: the scenario's AGVs)"})
    es: int = field(default=0, metadata={
        "help": "edge servers the total is given for (0: the scenario's)"})
    agvs_per_process: int = field(default=1, metadata={
        "help": "AGV nodes per AGV process and AGVs per policy process (as demo's)"})
    policy: str = field(default="mcoo", metadata={"help": "the policy process's policy"})
    settle_s: float = field(default=2.0, metadata={
        "help": "wait after every process is ready before reading", "unit": "s"})
    ready_timeout_s: float = field(default=120.0, metadata={
        "help": "longest wait for a process to be ready", "unit": "s"})
    out: str = field(default="out/bench_memory", metadata={"help": "folder for node logs"})


class MemoryBench:
    """``MemoryBench(scenario_path, config).run()`` -> per-kind and fleet figures (MB)."""

    def __init__(self, scenario_path: Path, config: MemoryBenchConfig) -> None:
        self.path = Path(scenario_path)
        self.config = config
        self.scenario = Scenario.load(self.path)
        for name in ("agvs", "es"):
            if getattr(config, name) < 0:
                raise TransportError(f"{name}: must be >= 0, got {getattr(config, name)}")
        if config.agvs_per_process < 1:
            raise TransportError(f"agvs_per_process: must be >= 1, got "
                                 f"{config.agvs_per_process}")
        if not config.ready_timeout_s > 0 or not config.settle_s >= 0:
            raise TransportError("ready_timeout_s must be > 0 and settle_s >= 0")
        self.out = Path(config.out)
        self.children: dict[str, subprocess.Popen] = {}

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def smaps(pid: int) -> dict[str, float]:
        """PSS, USS and RSS (MB) of a live process, from ``/proc/PID/smaps_rollup``."""
        kb: dict[str, int] = {}
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError as err:
            raise TransportError(f"cannot read the memory of process {pid}: {err}") from err
        for line in text.splitlines()[1:]:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                kb[key.strip()] = int(parts[0])
        uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
        return {"pss_mb": kb.get("Pss", 0) / 1024, "uss_mb": uss / 1024,
                "rss_mb": kb.get("Rss", 0) / 1024}

    @staticmethod
    def packages(pid: int) -> list[str]:
        """Installed packages with a file mapped into the process (compiled extensions)."""
        try:
            text = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            return []
        return sorted({m.group(1).removesuffix("_libs").removesuffix(".libs")
                       for m in _SITE.finditer(text)})

    def _commands(self, endpoint: str) -> dict[str, list[str]]:
        cfg, sc = self.config, self.scenario
        agvs = [a.id for a in sc.agvs][:cfg.agvs_per_process]
        es = sc.edge_servers[0].id
        common = ["--scenario", str(self.path), "--zenoh-connect", endpoint]
        return {
            "router": ["router", *common],
            "clock": ["clock", *common, "--zenoh-mode", "peer"],
            "edge": ["edge", "--id", es, "--journal", str(self.out / f"{es}.db"),
                     "--aigc", "True", *common],
            "policy": ["policy", "--agv", ",".join(agvs), "--policy", cfg.policy, *common],
            "agv": ["agv", "--id", ",".join(agvs), *common],
        }

    def _start(self, kind: str, args: list[str]) -> None:
        log = open(self.out / f"{kind}.log", "w")
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
               "PYTHONUNBUFFERED": "1"}
        self.children[kind] = subprocess.Popen(
            [sys.executable, "-m", "offload_ros.cli", "node", *args], stdout=log,
            stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def _wait_ready(self, kind: str, nodes: int = 1) -> float:
        """Seconds until the process logged that its ``nodes`` are ready."""
        started = time.monotonic()
        deadline = started + self.config.ready_timeout_s
        log = self.out / f"{kind}.log"
        while True:
            text = log.read_text() if log.exists() else ""
            if text.count(" ready (") >= nodes:
                return time.monotonic() - started
            proc = self.children[kind]
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(text.splitlines()[-8:])
                raise TransportError(f"the {kind} process did not get ready "
                                     f"(exit {proc.poll()}):\n{tail}")
            time.sleep(0.05)

    def _stop(self) -> None:
        for p in self.children.values():
            if p.poll() is None:
                p.terminate()
        for p in self.children.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def run(self) -> dict[str, Any]:
        cfg, sc = self.config, self.scenario
        self.out.mkdir(parents=True, exist_ok=True)
        endpoint = f"tcp/127.0.0.1:{self._free_port()}"
        kinds: dict[str, dict[str, Any]] = {}
        try:
            for kind, args in self._commands(endpoint).items():
                self._start(kind, args)
                nodes = len(args[args.index("--id") + 1].split(",")) if kind == "agv" else 1
                kinds[kind] = {"ready_s": self._wait_ready(kind, nodes)}
            time.sleep(cfg.settle_s)
            for kind, proc in self.children.items():
                kinds[kind].update(self.smaps(proc.pid))
                kinds[kind]["packages"] = self.packages(proc.pid)
                kinds[kind]["torch"] = "torch" in kinds[kind]["packages"]
        finally:
            self._stop()
        per = min(cfg.agvs_per_process, len(sc.agvs))
        n_agvs = cfg.agvs or len(sc.agvs)
        n_es = cfg.es or len(sc.edge_servers)
        groups = math.ceil(n_agvs / per)
        count = {"router": 1, "clock": 1, "edge": n_es, "agv": groups, "policy": groups}
        for kind in KINDS:
            kinds[kind]["nodes_per_process"] = per if kind in ("agv", "policy") else 1
        return {
            "scenario": sc.name, "agvs": n_agvs, "edge_servers": n_es,
            "agvs_per_process": per, "policy": cfg.policy, "kinds": kinds,
            "processes": sum(count.values()), "process_counts": count,
            "fleet_pss_mb": sum(kinds[k]["pss_mb"] * n for k, n in count.items()),
            "fleet_uss_mb": sum(kinds[k]["uss_mb"] * n for k, n in count.items())}

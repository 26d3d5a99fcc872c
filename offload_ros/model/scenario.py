"""A factory scenario: edge servers, AGVs with cyclic routes, a horizon."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from offload_ros.model.agv import Agv
from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.edge_server import EdgeServer
from offload_ros.model.errors import ModelError

METRICS = ("manhattan", "euclidean")
#: the most simulator events a scenario may ask for (`Scenario.events`): about a minute of
#: simulation on one core
MAX_EVENTS = 20_000_000


@dataclass(frozen=True)
class Scenario:
    """The simulator's contract (DESIGN.md, "The cyclic offloading model").

    Construction validates the whole scenario and raises :class:`ModelError` naming the field;
    :meth:`load` does the same for a YAML file and adds the file and line.
    """

    edge_servers: tuple[EdgeServer, ...] = field(
        metadata={"kind": "edge_servers", "help": "the edge servers"})
    agvs: tuple[Agv, ...] = field(metadata={"kind": "agvs", "help": "the AGVs, in tie-break order"})
    name: str = field(default="scenario", metadata={"kind": "id", "help": "scenario name"})
    horizon_s: float = field(
        default=3600.0,
        metadata={"kind": "number", "check": "positive", "unit": "s",
                  "help": "T_total: nothing happens after it"})
    metric: str = field(
        default="manhattan",
        metadata={"kind": "choice", "choices": METRICS,
                  "help": "distance between positions (metres)"})
    speed_mps: float = field(
        default=5.0,
        metadata={"kind": "number", "check": "positive", "unit": "m/s",
                  "help": "default AGV speed"})
    aigc: AigcSettings | None = field(
        default=None,
        metadata={"kind": "aigc", "help": "AIGC tasks, radio and cost (optional; "
                                          "AigcSettings has the defaults)"})
    disturbance: Disturbance | None = field(
        default=None,
        metadata={"kind": "disturbance", "help": "seeded timing noise (optional; absent: "
                                                 "the exact contract)"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "edge_servers", tuple(self.edge_servers))
        object.__setattr__(self, "agvs", tuple(self.agvs))
        problems = self.problems()
        if problems:
            path, message = problems[0]
            raise ModelError(message, field=path,
                             problems=[(p, None, m) for p, m in problems])

    # ------------------------------------------------------------------ validation
    def problems(self) -> list[tuple[str, str]]:
        """Every domain problem as ``(field path, message)``; empty when valid."""
        out: list[tuple[str, str]] = []
        out += _range_problems(self, "")
        if self.metric not in METRICS:
            out.append(("metric", f"must be one of {', '.join(METRICS)}, not {self.metric!r}"))
        if not self.edge_servers:
            out.append(("edge_servers", "must list at least one edge server"))
        if not self.agvs:
            out.append(("agvs", "must list at least one AGV"))
        out += _item_problems(self.edge_servers, "edge_servers", "edge server")
        out += _item_problems(self.agvs, "agvs", "AGV")
        if self.aigc is not None:
            out += _range_problems(self.aigc, "aigc.")
            out += [(f"aigc.{f}", m) for f, m in self.aigc.problems()]
        if self.disturbance is not None:
            out += _range_problems(self.disturbance, "disturbance.")
            out += [(f"disturbance.{f}", m) for f, m in self.disturbance.problems()]
        known_ids = {es.id for es in self.edge_servers}
        known = ", ".join(sorted(known_ids)) or "none"
        for i, agv in enumerate(self.agvs):
            if not agv.route:
                out.append((f"agvs[{i}].route", "must name at least one edge server"))
            for k, es_id in enumerate(agv.route):
                if es_id not in known_ids:
                    out.append((f"agvs[{i}].route[{k}]",
                                f"unknown edge server {es_id!r} (known: {known})"))
            if agv.plan_kb is not None and len(agv.plan_kb) != len(agv.route):
                out.append((f"agvs[{i}].plan_kb",
                            f"has {len(agv.plan_kb)} amounts but the route has "
                            f"{len(agv.route)} stops"))
        if not out:
            out += self._size_problems()
        return out

    def events(self) -> float:
        """An upper estimate of the simulator's events over the horizon: per AGV, a cycle
        start and an arrival per stop for every cycle it can drive. Cycles are bounded by
        driving time, and by the work its route's servers can take (an AGV hands over its
        whole load every cycle), so a cycle of length 0 is bounded too."""
        rate = {es.id: es.rate_kb_per_min / 60.0 for es in self.edge_servers}
        capacity = {es.id: es.capacity_kb for es in self.edge_servers}
        total = 0.0
        for agv in self.agvs:
            span = max(self.horizon_s - agv.start_time_s, 0.0)
            cycle_s = sum(self.leg_times(agv))
            stops = set(agv.route)
            by_work = sum(capacity[e] + rate[e] * span for e in stops) / agv.load_kb
            by_time = span / cycle_s if cycle_s > 0 else math.inf
            total += (min(by_time, by_work) + 1) * (len(agv.route) + 1)
        return total

    def _size_problems(self) -> list[tuple[str, str]]:
        """A simulation over MAX_EVENTS events would not end in reasonable time."""
        events = self.events()
        if events > MAX_EVENTS:
            return [("horizon_s", f"{self.horizon_s:g} s gives about {events:.3g} simulator "
                     f"events, over the limit of {MAX_EVENTS:,}; shorten horizon_s")]
        return []

    # ------------------------------------------------------------------ geometry
    def distance(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Distance in metres between two positions under the scenario's metric."""
        return metric_distance(self.metric, a, b)

    def es_index(self, es_id: str) -> int:
        for i, es in enumerate(self.edge_servers):
            if es.id == es_id:
                return i
        raise ModelError(f"unknown edge server {es_id!r}", field="edge_servers")

    def agv_index(self, agv_id: str) -> int:
        for i, agv in enumerate(self.agvs):
            if agv.id == agv_id:
                return i
        raise ModelError(f"unknown AGV {agv_id!r}", field="agvs")

    def aigc_settings(self) -> AigcSettings:
        """The ``aigc:`` section, or its defaults when the file has none."""
        return self.aigc if self.aigc is not None else AigcSettings()

    def speed_of(self, agv: Agv) -> float:
        return agv.speed_mps if agv.speed_mps is not None else self.speed_mps

    def route_positions(self, agv: Agv) -> list[tuple[float, float]]:
        """Start, every stop, and back to start: the closed path of one cycle."""
        by_id = {es.id: es.position for es in self.edge_servers}
        return [agv.start] + [by_id[e] for e in agv.route] + [agv.start]

    def leg_times(self, agv: Agv) -> list[float]:
        """Driving time of each leg of one cycle: start→stop 0, …, last stop→start."""
        pts = self.route_positions(agv)
        v = self.speed_of(agv)
        return [self.distance(pts[k], pts[k + 1]) / v for k in range(len(pts) - 1)]

    def cycle_time(self, agv: Agv) -> float:
        """Time of one cycle without waiting (MCOO eq. 4 with t_wait = t_on = t_off = 0)."""
        return sum(self.leg_times(agv))

    def sharing(self) -> dict[str, tuple[str, ...]]:
        """For each edge server, the AGVs whose routes visit it (in file order)."""
        return {es.id: tuple(a.id for a in self.agvs if es.id in a.route)
                for es in self.edge_servers}

    # ------------------------------------------------------------------ I/O
    @classmethod
    def load(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario YAML file (errors name file, line and field)."""
        from offload_ros.model.scenario_loader import ScenarioLoader
        return ScenarioLoader().load(path)

    def to_dict(self) -> dict[str, Any]:
        def clean(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for f in fields(obj):
                value = getattr(obj, f.name)
                if value is None:
                    continue
                if isinstance(value, tuple):
                    value = [_plain(v) for v in value]
                out[f.name] = _plain(value)
            return out
        out = {
            "name": self.name, "horizon_s": _plain(self.horizon_s), "metric": self.metric,
            "speed_mps": _plain(self.speed_mps),
            "edge_servers": [clean(es) for es in self.edge_servers],
            "agvs": [clean(a) for a in self.agvs],
        }
        if self.aigc is not None:
            out["aigc"] = clean(self.aigc)
        if self.disturbance is not None:
            out["disturbance"] = clean(self.disturbance)
        return out

    def fingerprint(self) -> str:
        """The factory's identity by content: a hash of its layout, routes, loads, speeds and
        rates, not of its name, horizon, AIGC or disturbance sections (a renamed copy, a
        shorter run or a noisy variant of the same factory has the same fingerprint).
        Models trained for a factory are found by it."""
        def canon(v: Any) -> Any:
            if isinstance(v, bool) or v is None or isinstance(v, str):
                return v
            if isinstance(v, (int, float)):
                return float(v)
            if isinstance(v, dict):
                return {k: canon(x) for k, x in v.items()}
            return [canon(x) for x in v]
        d = self.to_dict()
        layout = {k: d[k] for k in ("metric", "speed_mps", "edge_servers", "agvs")}
        text = json.dumps(canon(layout), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """YAML in the layout of ``config/scenarios/`` (one flow mapping per ES and AGV)."""
        d = self.to_dict()
        lines = [f"name: {d['name']}", f"horizon_s: {d['horizon_s']}",
                 f"metric: {d['metric']}", f"speed_mps: {d['speed_mps']}", "edge_servers:"]
        lines += [f"  - {_flow(es)}" for es in d["edge_servers"]]
        lines.append("agvs:")
        lines += [f"  - {_flow(a)}" for a in d["agvs"]]
        if "aigc" in d:
            lines.append(f"aigc: {_flow(d['aigc'])}")
        if "disturbance" in d:
            lines.append(f"disturbance: {_flow(d['disturbance'])}")
        return "\n".join(lines) + "\n"


def metric_distance(metric: str, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Manhattan or euclidean distance between two positions (metres)."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    if metric == "manhattan":
        return abs(dx) + abs(dy)
    return math.hypot(dx, dy)


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _flow(d: dict[str, Any]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        if isinstance(v, float):
            return repr(round(v, 6))
        return str(v)
    return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in d.items()) + "}"


def _item_problems(items: tuple, name: str, kind: str) -> list[tuple[str, str]]:
    """Range checks of every item, and ids that appear twice."""
    out: list[tuple[str, str]] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        out += _range_problems(item, f"{name}[{i}].")
        if item.id in first:
            out.append((f"{name}[{i}].id",
                         f"duplicate {kind} id {item.id!r} (also {name}[{first[item.id]}])"))
        first.setdefault(item.id, i)
    return out


def _range_problems(obj: Any, prefix: str) -> list[tuple[str, str]]:
    """Range checks declared in the dataclass metadata (``check``)."""
    out = []
    for f in fields(obj):
        check = f.metadata.get("check")
        value = getattr(obj, f.name)
        if check is None or value is None:
            continue
        values = value if isinstance(value, tuple) else (value,)
        for k, v in enumerate(values):
            where = f"{prefix}{f.name}" + (f"[{k}]" if isinstance(value, tuple) else "")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                out.append((where, f"must be a finite number, not {v!r}"))
            elif check == "positive" and v <= 0:
                out.append((where, f"must be > 0, got {v:g}"))
            elif check == "nonnegative" and v < 0:
                out.append((where, f"must be >= 0, got {v:g}"))
            elif check == "count" and (v < 1 or v != int(v)):
                out.append((where, f"must be a whole number >= 1, got {v:g}"))
    return out

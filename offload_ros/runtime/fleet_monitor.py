"""What a live fleet's observer keeps and concludes, whatever carries the messages (the Zenoh
demo, the ROS 2 sim_clock node): the newest AgvStatus of every AGV and EdgeServerState of
every edge server, the AIGC results, the processing series; whether every node has announced
itself (ready), whether the run has ended (settled at the horizon), and the end-of-run
report (``offload-ros demo --json``'s shape) with its plot."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from offload_ros.bag.message_types import MessageTypes
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import DONE, WAITING
from offload_ros.runtime.run_report import RunReport
from offload_ros.sim.simulator import Simulator


@dataclass(frozen=True)
class FleetMonitorConfig:
    """How a launched fleet starts and ends (ROS parameters of ``sim_clock``)."""

    policy: str = field(default="mcoo", metadata={
        "help": "the fleet's policy, for the report's simulator comparison"})
    noise_seed: int = field(default=0, metadata={
        "help": "the fleet's draw of the scenario's disturbance: section, for the report's "
                "simulator comparison (the AGVs' and servers' noise_seed)"})
    report: str = field(default="", metadata={
        "help": "write the end-of-run report here (JSON, its plot beside it as .png; '' = "
                "none); the node then exits, which ends sim.launch.py"})
    bag: str = field(default="", metadata={
        "help": "the run's bag folder, named in the report ('' = not recorded)"})
    recorder: str = field(default="", metadata={
        "help": "before sim time starts, wait until this node (the bag recorder) subscribes "
                "to every status, state and the transitions ('' = none)"})
    ready_timeout_s: float = field(default=180.0, metadata={
        "help": "longest wait for every node to announce itself before sim time starts",
        "unit": "s of wall time"})
    aigc_policy: str = field(default="", metadata={
        "help": "the AGVs' AIGC placement policy, for the report's aigc offload comparison "
                "('' = the AGVs place no AIGC tasks)"})
    aigc_seed: int = field(default=0, metadata={
        "help": "the AGVs' AIGC task seed (their aigc_seed), for the same comparison"})
    settle_timeout_s: float = field(default=120.0, metadata={
        "help": "after the horizon, longest wait without progress (the same node still "
                "to report its end, or the same AIGC tasks still to answer) before the run "
                "fails (as the demo waits)",
        "unit": "s of wall time"})


class FleetMonitor:
    """Feed it with :meth:`on_status`, :meth:`on_state`, :meth:`on_aigc` and
    :meth:`on_transition`; ask
    :meth:`missing` before the clock starts and :meth:`unsettled` after the horizon; then
    :meth:`mark` the states, wait until :meth:`refreshed`, and :meth:`report`."""

    def __init__(self, scenario: Scenario, policy: str, noise_seed: int = 0, *,
                 aigc_policy: str = "", aigc_seed: int = 0) -> None:
        """``aigc_policy``: the AGVs place AIGC tasks (seed ``aigc_seed``) with it; the
        report then sets them beside ``aigc offload``'s episode."""
        self.scenario, self.policy, self.noise_seed = scenario, policy, noise_seed
        self.aigc_policy, self.aigc_seed = aigc_policy, aigc_seed
        self.agv_ids = tuple(a.id for a in scenario.agvs)
        self.es_ids = tuple(e.id for e in scenario.edge_servers)
        self.status: dict[str, Any] = {}
        self.states: dict[str, Any] = {}
        self.series: list[tuple[float, str, float]] = []     # (t, es, processed)
        self.aigc: list[Any] = []
        self._aigc_ids: set[str] = set()
        self.pheromones: dict[str, dict[tuple, float]] = {e: {} for e in self.es_ids}
        self._marked: dict[str, int] = {}
        self._generation: dict[str, int] = {}
        self._fell_back: dict[tuple[str, int, int], float] = {}   # decision -> its sim time
        self._settling: tuple[str, float] = ("", 0.0)   # (unsettled(), wall time it began)

    # ------------------------------------------------------------------ inputs
    def on_status(self, msg: Any) -> None:
        if msg.agv_id in self.agv_ids:
            self.status[msg.agv_id] = msg

    def on_state(self, msg: Any) -> None:
        if msg.es_id not in self.es_ids:
            return
        self.states[msg.es_id] = msg
        self._generation[msg.es_id] = self._generation.get(msg.es_id, 0) + 1
        self.series.append((MessageTypes.seconds(msg.header.stamp), msg.es_id,
                            msg.processed_kb))

    def on_aigc(self, msg: Any) -> None:
        """An AIGC result; a task's result published again (its server restarted between
        publishing and journalling it) is counted once, the first."""
        if msg.task_id in self._aigc_ids:
            return
        self._aigc_ids.add(msg.task_id)
        self.aigc.append(msg)

    def on_pheromone(self, msg: Any) -> None:
        """A pheromone the graph carried (a copy sent again after a restart counts once)."""
        if msg.es_id in self.pheromones:
            key = (msg.agv_id, MessageTypes.seconds(msg.header.stamp), msg.need_kb)
            self.pheromones[msg.es_id][key] = msg.expires_s

    def on_transition(self, msg: Any) -> None:
        """A decision; one its AGV sent again after a restart counts once."""
        if msg.fallback and msg.agv_id in self.agv_ids:
            self._fell_back.setdefault((msg.agv_id, msg.cycle, msg.stop),
                                       MessageTypes.seconds(msg.header.stamp))

    def fallbacks_between(self, start_s: float, end_s: float | None) -> int:
        """Decisions taken from the plan (their policy did not answer) at sim times in
        [start_s, end_s] (``None``: to the end), counted by each decision's own stamp, so
        however late its message or its AGV's next status arrives."""
        end = math.inf if end_s is None else end_s
        return sum(1 for t in self._fell_back.values() if start_s <= t <= end)

    def pheromones_left(self, keep: int) -> dict[str, int]:
        """Per edge server, as the simulator counts them: of the newest ``keep`` (the
        topic's QoS) the ones not expired at the horizon."""
        horizon = self.scenario.horizon_s
        out = {}
        for e, seen in self.pheromones.items():
            newest = sorted(seen.items(), key=lambda kv: kv[0][1])[-keep:] if keep else []
            out[e] = sum(1 for _, expires in newest if expires > horizon)
        return out

    # ------------------------------------------------------------------ questions
    def missing(self) -> list[str]:
        """Nodes not heard from yet (an AGV announces itself with a status once it sees its
        services, an edge server with its state)."""
        return [a for a in self.agv_ids if a not in self.status] + \
            [e for e in self.es_ids if e not in self.states]

    def unsettled(self) -> str:
        """'' once every AGV reported its end (done, or waiting at a door) at the horizon
        with nothing in doubt and every server its state at the horizon with no AIGC task
        left to answer (so the report and the bag count the same tasks); else who has not."""
        horizon = self.scenario.horizon_s
        for a in self.agv_ids:
            s = self.status.get(a)
            if s is None or MessageTypes.seconds(s.header.stamp) < horizon - 1e-6 or \
                    s.in_doubt_kb > 0 or s.state not in (WAITING, DONE):
                return f"{a} has not reported its end"
        for e in self.es_ids:
            s = self.states.get(e)
            if s is None or MessageTypes.seconds(s.header.stamp) < horizon - 1e-6:
                return f"{e} has not reported its state at the horizon"
            if s.aigc_pending:
                return f"{e} has {s.aigc_pending} AIGC tasks still to answer"
        return ""

    def stalled(self, wall_s: float, timeout_s: float) -> str:
        """After the horizon: '' while the fleet settles or makes progress towards it; once
        :meth:`unsettled` has said the same for ``timeout_s`` (wall time ``wall_s``), that.
        Slow progress (a loaded machine making the images of placed AIGC tasks) is not a
        failure; no progress is."""
        why = self.unsettled()
        if why != self._settling[0]:
            self._settling = (why, wall_s)
        return why if why and wall_s - self._settling[1] > timeout_s else ""

    def mark(self) -> None:
        """Remember which states have been seen, for :meth:`refreshed`."""
        self._marked = dict(self._generation)

    def refreshed(self) -> bool:
        """Every server has published again since :meth:`mark` (so the report holds the
        state after the last answers)."""
        return all(self._generation.get(e, 0) > self._marked.get(e, 0) for e in self.es_ids)

    # ------------------------------------------------------------------ report
    def report(self, *, bag: str | None = None, bag_messages: int | None = None,
               restarts: list[dict[str, Any]] | None = None) -> dict:
        """``simulate --json``'s keys for the live run, its bookkeeping check (``live``), the
        simulator's figures for the same scenario and policy, the AIGC tallies, and the
        node restarts (``restarts``, with what the simulator-vs-live gap became)."""
        sim_model = Simulator(self.scenario, noise_seed=self.noise_seed)
        live = RunReport.collect(self.scenario, f"live:{self.policy}",
                                 list(self.status.values()), list(self.states.values()),
                                 pheromones=self.pheromones_left(
                                     sim_model.config.pheromones_per_es))
        sim = self.simulated()
        out = live.to_json()
        live_kb, sim_kb = live.result.processed_kb, sim.processed_kb
        out["simulator"] = {"processed_kb": sim_kb, "wait_s": sim.wait_s,
                            "cycles": sim.cycles,
                            "edge_servers": {e: {"processed_kb": r.processed_kb}
                                             for e, r in sim.edge_servers.items()}}
        out["processed_vs_simulator"] = live_kb / sim_kb - 1.0 if sim_kb else 0.0
        greedy_kb = sim_model.run(PolicyFactory.make("greedy", self.scenario)).processed_kb
        out["greedy"] = {"processed_kb": greedy_kb}     # the baseline, simulated
        out["processed_vs_greedy"] = live_kb / greedy_kb - 1.0 if greedy_kb else 0.0
        out["simulator"]["pheromones_left"] = sim.pheromones_left
        for e, r in sim.edge_servers.items():
            out["simulator"]["edge_servers"][e]["pheromones"] = r.pheromones
        out["live"]["pheromone_messages"] = {e: len(v) for e, v in self.pheromones.items()}
        out["restarts"] = list(restarts or [])
        out["live"]["node_restarts"] = len(out["restarts"])
        if out["restarts"]:     # what they cost: the gap to the simulator, the time down
            out["restart_cost"] = {
                "processed_vs_simulator": out["processed_vs_simulator"],
                "wait_s_vs_simulator": out["wait_s"] - sim.wait_s,
                "downtime_s": sum(r.get("downtime_s") or 0.0 for r in out["restarts"]),
                "fallbacks_while_down": sum(r.get("fallbacks") or 0 for r in out["restarts"]),
                "retries_while_down": sum(r.get("retries") or 0 for r in out["restarts"])}
        lat = sorted(r.latency_s for r in self.aigc if r.status == 0)
        out["aigc"] = {"tasks": len(self.aigc), "done": len(lat),
                       "images": sum(len(r.images) for r in self.aigc),
                       "mean_latency_s": sum(lat) / len(lat) if lat else None,
                       "p95_latency_s": float(np.percentile(lat, 95)) if lat else None}
        if self.aigc_policy:
            out["aigc_placement"] = self.placement_report()
        out["bag"] = bag
        out["bag_messages"] = bag_messages
        return out

    def placement_report(self) -> dict[str, Any]:
        """The placed AIGC tasks (from their results) beside ``aigc offload``'s episode on
        the same tasks with the same policy: tasks, mean and p95 latency, completion."""
        from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import \
            AigcOffloadEvaluation
        from offload_ros.runtime.aigc_agv_node import AigcAgvNode
        from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
        cfg = AigcPlacerConfig(aigc_placement=True, aigc_seed=self.aigc_seed)
        placers = [AigcPlacer(self.scenario, a, cfg) for a in self.agv_ids]
        nodes = [AigcAgvNode(p) for p in placers]
        for msg in self.aigc:
            for node in nodes:
                node.on_message(msg)
        horizon = placers[0].settings.horizon_s
        end = max([MessageTypes.seconds(r.header.stamp) for r in self.aigc] +
                  [min(self.scenario.horizon_s, horizon)])
        for p in placers:
            p.admit(min(end, horizon))
        live = AigcPlacer.summary(placers, end)
        model, _ = AigcOffloadEvaluation(self.aigc_policy).episode(self.scenario,
                                                                    self.aigc_seed)
        keys = ("tasks", "finished", "mean_latency_s", "p95_latency_s", "completion_rate",
                "expired")
        return {"policy": self.aigc_policy, "task_seed": self.aigc_seed,
                "live": {k: live[k] for k in keys}, "model": {k: model[k] for k in keys},
                "mean_latency_ratio": live["mean_latency_s"] / model["mean_latency_s"]
                if model["mean_latency_s"] else 1.0}

    @staticmethod
    def headline(report: dict) -> str:
        """The report's first line: live against the simulator and against greedy."""
        sim = report["simulator"]
        return (f"processed {report['processed_kb']:,.1f} kB live vs "
                f"{sim['processed_kb']:,.1f} kB in the simulator "
                f"({report['processed_vs_simulator']:+.2%}) and "
                f"{report['greedy']['processed_kb']:,.1f} kB under greedy "
                f"({report['processed_vs_greedy']:+.2%}); waits "
                f"{report['wait_s']:,.0f} s vs {sim['wait_s']:,.0f} s")

    def simulated(self) -> Any:
        return Simulator(self.scenario, noise_seed=self.noise_seed).run(
            PolicyFactory.make(self.policy, self.scenario))

    def write(self, report: dict, json_path: Path) -> Path:
        """``report`` as JSON at ``json_path`` and its plot beside it (``.png``); the plot's
        path is added to the report."""
        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        report["plot"] = str(self.plot(report, json_path.with_suffix(".png")))
        json_path.write_text(json.dumps(report, indent=2))
        return json_path

    def figure(self, out: dict[str, Any]) -> Any:
        """The report's four panels (per edge server, per AGV, processing over time, AIGC
        latencies) as a matplotlib Figure; the caller closes it."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        h = self.scenario.horizon_s / 3600.0
        sim_es = out["simulator"]["edge_servers"]
        fig, ax = plt.subplots(2, 2, figsize=(13, 8), layout="constrained")
        es = list(self.es_ids)
        x = np.arange(len(es))
        ax[0, 0].bar(x - 0.2, [out["edge_servers"].get(e, {}).get("processed_kb", 0.0) / h
                               for e in es], 0.4, label="live")
        ax[0, 0].bar(x + 0.2, [sim_es[e]["processed_kb"] / h for e in es], 0.4,
                     label="simulator")
        ax[0, 0].set_xticks(x, es)
        ax[0, 0].set_xlabel("edge server")
        ax[0, 0].set_ylabel("processed work [kB/h]")
        gap = round(out["processed_vs_simulator"], 4) + 0.0       # no "-0.00%"
        vs_greedy = round(out["processed_vs_greedy"], 4) + 0.0
        ax[0, 0].set_title(f"per edge server (live {gap:+.2%} vs simulator, "
                           f"{vs_greedy:+.2%} vs greedy)")
        PlotStyle.legend_beside(ax[0, 0])
        agvs = list(self.agv_ids)
        xa = np.arange(len(agvs))
        ax[0, 1].bar(xa - 0.2, [out["agvs"].get(a, {}).get("delivered_kb", 0.0) / h
                                for a in agvs], 0.4, label="delivered [kB/h]")
        ax[0, 1].set_xticks(xa, agvs)
        ax[0, 1].set_xlabel("AGV")
        ax[0, 1].set_ylabel("delivered work [kB/h]")
        tw = ax[0, 1].twinx()
        tw.bar(xa + 0.2, [out["agvs"].get(a, {}).get("wait_s", 0.0) for a in agvs], 0.4,
               color="tab:red", label="wait at doors [s]")
        tw.set_ylabel("wait at doors [s]", color="tab:red")
        # on the twin, drawn last, so no bar paints over it; a band above the bars holds it
        handles = ax[0, 1].get_legend_handles_labels()[0] + tw.get_legend_handles_labels()[0]
        PlotStyle.legend_in_headroom(tw, [ax[0, 1], tw], handles)
        ax[0, 1].set_title("per AGV")
        for e in es:
            pts = sorted((t, p) for t, i, p in self.series if i == e)
            if pts:                       # one instant only: a marker, or nothing would show
                ax[1, 0].plot([t / 60 for t, _ in pts], [p for _, p in pts], label=e,
                              marker="o" if len({t for t, _ in pts}) < 2 else None)
        ax[1, 0].set_xlabel("sim time [min]")
        ax[1, 0].set_ylabel("processed work, cumulative [kB]")
        if ax[1, 0].get_legend_handles_labels()[1]:
            PlotStyle.legend_beside(ax[1, 0])
        ax[1, 0].set_title("processing over time")
        lat = [r.latency_s for r in self.aigc if r.status == 0]
        if lat:
            ax[1, 1].hist(lat, bins=20)
            ax[1, 1].set_xlabel("AIGC task latency [s of sim time]")
            ax[1, 1].set_ylabel("AIGC tasks")
            PlotStyle.integer_ticks(ax[1, 1].yaxis)
            ax[1, 1].set_title(f"AIGC: {len(lat)} of {len(self.aigc)} tasks done")
        else:
            ax[1, 1].text(0.5, 0.5, "no AIGC tasks finished", ha="center", va="center")
            ax[1, 1].set_axis_off()
        return fig

    def plot(self, out: dict[str, Any], path: Path) -> Path:
        import matplotlib.pyplot as plt
        fig = self.figure(out)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path

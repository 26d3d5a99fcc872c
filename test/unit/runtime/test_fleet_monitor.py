"""The fleet observer shared by the Zenoh demo and the ROS 2 sim_clock node: who has not
announced itself, when the run has ended, and a report equal to the simulator's when fed the
final messages of a fleet that reproduces it."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.agv_controller import DONE, AgvController
from offload_ros.runtime.edge_server_node import EdgeServerNode
from offload_ros.runtime.fleet_monitor import FleetMonitor
from offload_ros.runtime.local_fleet import LocalFleet
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS


def test_the_report_of_a_fleet_that_reproduces_the_simulator(tmp_path):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, "balanced")
    fleet.run()
    monitor = FleetMonitor(sc, "balanced")
    assert monitor.missing() == [a.id for a in sc.agvs] + [e.id for e in sc.edge_servers]
    for agv in fleet.order:
        monitor.on_status(agv.status(sc.horizon_s))
    assert monitor.missing() == [e.id for e in sc.edge_servers]
    assert monitor.unsettled() == "es1 has not reported its state at the horizon"
    for es in fleet.servers.values():
        monitor.on_state(es.state_at(sc.horizon_s))
    assert monitor.missing() == [] and monitor.unsettled() == ""
    monitor.mark()
    assert not monitor.refreshed()
    for es in list(fleet.servers.values())[:-1]:
        monitor.on_state(es.state_at(sc.horizon_s))
    assert not monitor.refreshed()                     # one server has not published again
    monitor.on_state(fleet.servers["es6"].state_at(sc.horizon_s))
    assert monitor.refreshed()
    report = monitor.report()
    sim = Simulator(sc).run(PolicyFactory.make("balanced", sc))
    assert report["live"]["problems"] == []
    assert report["processed_kb"] == pytest.approx(sim.processed_kb, abs=1e-6)
    assert report["simulator"]["processed_kb"] == pytest.approx(sim.processed_kb)
    assert report["processed_vs_simulator"] == pytest.approx(0.0, abs=1e-9)
    greedy = Simulator(sc).run(PolicyFactory.make("greedy", sc)).processed_kb
    assert report["greedy"]["processed_kb"] == pytest.approx(greedy)
    assert report["processed_vs_greedy"] == pytest.approx(sim.processed_kb / greedy - 1.0)
    assert f"under greedy ({report['processed_vs_greedy']:+.2%})" in \
        FleetMonitor.headline(report)
    path = monitor.write(report, tmp_path / "run" / "report.json")
    assert json.loads(path.read_text())["plot"] == str(tmp_path / "run" / "report.png")
    assert (tmp_path / "run" / "report.png").stat().st_size > 10_000


def _reported_monitor(aigc_latencies=()):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, "balanced")
    fleet.run()
    monitor = FleetMonitor(sc, "balanced")
    for agv in fleet.order:
        monitor.on_status(agv.status(sc.horizon_s))
    for t in (0.0, sc.horizon_s / 2, sc.horizon_s):
        for es in fleet.servers.values():
            monitor.on_state(es.state_at(t))
    for k, latency in enumerate(aigc_latencies):
        monitor.on_aigc(SimpleNamespace(status=0, latency_s=latency, task_id=k,
                                        images=[None] * (k + 1)))
    monitor.on_aigc(SimpleNamespace(status=1, latency_s=0.0, task_id=-1, images=[]))  # failed
    return monitor, monitor.report()


def _panels(fig):
    """The visible axes grouped by position (an axes with its twins), in drawing order."""
    groups = {}
    for ax in fig.axes:
        if ax.axison:
            groups.setdefault(tuple(ax.get_position().bounds), []).append(ax)
    return list(groups.values())


def test_every_report_panel_is_labelled_and_its_legend_hides_nothing():
    """The report: the per-AGV panel's legend was under its twin's bars (no legend to see),
    and the AIGC histogram counted tasks in fractions."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    monitor, report = _reported_monitor([12.0, 14.5, 15.0, 31.0, 40.0])
    fig = monitor.figure(report)
    try:
        fig.canvas.draw()
        panels = _panels(fig)
        assert len(panels) == 4
        for group in panels:
            main, *twins = group
            assert main.get_xlabel() and main.get_ylabel() and main.get_title(), main
            assert all(t.get_ylabel() for t in twins)
            labels = [lab for ax in group for lab in ax.get_legend_handles_labels()[1]]
            legends = [ax.get_legend() for ax in group if ax.get_legend() is not None]
            if len(labels) < 2:
                continue
            assert len(legends) == 1, main.get_title()
            (legend,) = legends
            assert [t.get_text() for t in legend.get_texts()] == labels
            # drawn by the last of its axes (a twin drawn later would paint over it) ...
            assert legend.axes is group[-1]
            # ... and clear of every bar and of every point of every line
            box = legend.get_window_extent()
            for ax in group:
                for bar in (p for p in ax.patches if isinstance(p, Rectangle)):
                    assert not box.overlaps(bar.get_window_extent()), main.get_title()
                for line in ax.get_lines():
                    pts = line.get_transform().transform(line.get_xydata())
                    assert not box.count_contains(pts), main.get_title()
        hist = next(g[0] for g in panels if "latency" in g[0].get_xlabel())
        assert "5 of 6" in hist.get_title()
        assert all(float(t).is_integer() for t in hist.get_yticks())
        for tick in hist.get_yticklabels():
            if tick.get_text():
                assert float(tick.get_text().replace("\u2212", "-")).is_integer()
    finally:
        plt.close(fig)


def test_a_report_without_aigc_results_says_so():
    import matplotlib.pyplot as plt
    monitor, report = _reported_monitor()
    fig = monitor.figure(report)
    try:
        assert len(_panels(fig)) == 3
        assert any(t.get_text() == "no AIGC tasks finished" for ax in fig.axes
                   for t in ax.texts)
    finally:
        plt.close(fig)


def test_a_status_before_the_horizon_is_not_an_end():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    monitor = FleetMonitor(sc, "greedy")
    agv = AgvController(sc, "agv1")
    monitor.on_status(agv.status(sc.horizon_s - 1.0))
    assert monitor.unsettled() == "agv1 has not reported its end"
    monitor.on_status(agv.status(sc.horizon_s))        # stamped at the horizon, but idle
    assert monitor.unsettled() == "agv1 has not reported its end"
    agv.state = DONE
    monitor.on_status(agv.status(sc.horizon_s))
    assert monitor.unsettled() == "agv2 has not reported its end"


def test_settling_fails_only_after_a_wait_without_progress():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, "balanced")
    fleet.run()
    monitor = FleetMonitor(sc, "balanced")
    for agv in fleet.order:
        monitor.on_status(agv.status(sc.horizon_s))
    es = list(fleet.servers.values())
    for server in es:
        monitor.on_state(server.state_at(sc.horizon_s))

    def owing(n):                                 # es1 still owes n AIGC tasks
        monitor.on_state(SimpleNamespace(**{**vars(es[0].state_at(sc.horizon_s)),
                                            "aigc_pending": n}))
    owing(5)
    assert monitor.stalled(0.0, 10.0) == ""
    assert monitor.stalled(9.0, 10.0) == ""
    owing(4)                                      # progress: the wait starts again
    assert monitor.stalled(15.0, 10.0) == ""
    assert monitor.stalled(24.0, 10.0) == ""
    assert monitor.stalled(25.5, 10.0) == "es1 has 4 AIGC tasks still to answer"
    owing(0)
    assert monitor.stalled(100.0, 10.0) == "" and monitor.unsettled() == ""


def test_real_time_shifts_the_schedule_and_never_ends():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    origin = 1.7e9                                       # a robot's clock (Unix time)
    agv = AgvController(sc, "agv2", time_origin_s=origin, horizon_s=math.inf)
    assert agv.next_event()[0] == pytest.approx(origin + sc.agvs[1].start_time_s)
    es = EdgeServerNode(sc, "es1", horizon_s=math.inf)
    assert es.state_at(origin + 5.0).header.stamp.sec == int(origin + 5.0)
    agv.step(origin + 10 * sc.horizon_s, _NoAnswers())   # far past the scenario's horizon
    assert agv.state != DONE and agv.started >= 1


class _NoAnswers:
    def decide(self, request):
        return None

    def offload(self, es_id, request):
        return None

    def publish(self, topic, typename, message):
        pass


def test_pheromones_per_server_are_what_the_graph_carried():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, "cooperative")
    monitor = FleetMonitor(sc, "cooperative")
    publish = fleet.ports.publish

    def carried(topic, typename, message):
        publish(topic, typename, message)
        if typename == "Pheromone":
            monitor.on_pheromone(message)
            monitor.on_pheromone(message)        # sent again after a restart: counted once
    fleet.ports.publish = carried
    fleet.run()
    for agv in fleet.order:
        monitor.on_status(agv.status(sc.horizon_s))
    for es in fleet.servers.values():
        monitor.on_state(es.state_at(sc.horizon_s))
    out = monitor.report(restarts=[{"node": "agv2", "downtime_s": 1.5, "fallbacks": 2}])
    sim = Simulator(sc).run(PolicyFactory.make("cooperative", sc))
    assert sum(out["live"]["pheromone_messages"].values()) > sim.pheromones_left > 0
    assert {e: v["pheromones"] for e, v in out["edge_servers"].items()} == \
        {e: r.pheromones for e, r in sim.edge_servers.items()}
    assert out["restarts"][0]["node"] == "agv2" and out["live"]["node_restarts"] == 1
    assert out["restart_cost"]["downtime_s"] == 1.5
    assert out["restart_cost"]["fallbacks_while_down"] == 2


def test_a_result_published_again_after_a_restart_counts_once():
    monitor, report = _reported_monitor([12.0, 30.0])
    monitor.on_aigc(SimpleNamespace(status=0, latency_s=99.0, task_id=1,
                                    images=[None] * 9))                     # again: dropped
    again = monitor.report()
    assert again["aigc"] == report["aigc"] == {"tasks": 3, "done": 2, "images": 3,
                                               "mean_latency_s": 21.0,
                                               "p95_latency_s": pytest.approx(29.1)}


def test_p95_interpolates_between_the_two_nearest_latencies():
    # (it took the 95th percentile's lower neighbour: with two tasks, the faster one)
    _, report = _reported_monitor([float(k) for k in range(1, 21)])
    assert report["aigc"]["p95_latency_s"] == pytest.approx(19.05)
    assert report["aigc"]["mean_latency_s"] == pytest.approx(10.5)


def test_fallbacks_are_counted_by_the_sim_time_of_each_decision():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    fleet = LocalFleet(sc, None)                  # no policy answers: every decision falls back
    monitor = FleetMonitor(sc, "balanced")
    publish, stamps = fleet.ports.publish, []

    def carried(topic, typename, message):
        publish(topic, typename, message)
        if typename == "Transition":
            stamps.append(message.header.stamp.sec + message.header.stamp.nanosec * 1e-9)
            monitor.on_transition(message)
            monitor.on_transition(message)       # sent again after a restart: counted once
    fleet.ports.publish = carried
    report = fleet.run()
    assert monitor.fallbacks_between(0.0, None) == report.extra["fallbacks"] == len(stamps) > 4
    inside = [t for t in stamps if 1000.0 <= t <= 2000.0]
    assert monitor.fallbacks_between(1000.0, 2000.0) == len(inside) < len(stamps) / 2
    assert monitor.fallbacks_between(max(stamps), None) == stamps.count(max(stamps))
    assert monitor.fallbacks_between(sc.horizon_s + 1, None) == 0

"""The fleet observer shared by the Zenoh demo and the ROS 2 sim_clock node: who has not
announced itself, when the run has ended, and a report equal to the simulator's when fed the
final messages of a fleet that reproduces it."""

from __future__ import annotations

import json
import math

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
    path = monitor.write(report, tmp_path / "run" / "report.json")
    assert json.loads(path.read_text())["plot"] == str(tmp_path / "run" / "report.png")
    assert (tmp_path / "run" / "report.png").stat().st_size > 10_000


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

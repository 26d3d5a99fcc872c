"""The AGV's logic against a real edge server with a scripted network in between."""

from __future__ import annotations

import pytest

from offload_ros.runtime.agv_controller import IN_DOUBT, AgvController
from offload_ros.runtime.edge_server_node import EdgeServerNode
from test.unit.runtime.conftest import TYPES


class Ports:
    def __init__(self, scenario, refuse_last=0, silent=0):
        self.servers = {e.id: EdgeServerNode(scenario, e.id) for e in scenario.edge_servers}
        self.refuse_last, self.silent = refuse_last, silent
        self.published = []

    def decide(self, request):
        return None                                   # a policy that never answers

    def offload(self, es_id, request):
        if self.silent:
            self.silent -= 1
            return None
        if request.last_stop and not request.resolve_only and self.refuse_last:
            self.refuse_last -= 1
            return TYPES.make("Offload_Response", status=2, reason="maintenance")
        return self.servers[es_id].handle_offload(request, request.stamp_s)

    def publish(self, topic, typename, message):
        self.published.append((topic, typename, message))


def test_a_refused_hand_over_is_logged_and_offered_again(scenario):
    ports = Ports(scenario, refuse_last=1)
    agv = AgvController(scenario, "agv1")
    agv.step(80.0, ports)                       # start, es2 at 40 s, es1 (last) at 60 s
    assert agv.state == IN_DOUBT and agv.pending is not None
    assert "refused the hand-over" in agv.notes[0] and "maintenance" in agv.notes[0]
    agv.step(81.0, ports)                       # the same offer again, now admitted
    assert agv.pending is None and agv.state != IN_DOUBT
    assert agv.counts["fallbacks"] == 1         # its policy never answered: the plan
    es1 = ports.servers["es1"]
    assert es1.by_agv["agv1"] + ports.servers["es2"].by_agv["agv1"] == pytest.approx(
        agv.delivered + sum(d.remaining for d in es1.queue))


def test_an_unanswered_offer_is_in_doubt_until_the_server_tells(scenario):
    ports = Ports(scenario, silent=3)           # the first offer (3 attempts) gets nothing
    agv = AgvController(scenario, "agv1")
    agv.step(45.0, ports)
    assert list(agv.in_doubt.values())[0][1] > 0 and agv.status(45.0).in_doubt_kb > 0
    carried = agv.remaining
    agv.step(46.0, ports)                       # asks about the id: never seen, closed
    assert agv.in_doubt == {} and agv.remaining > carried
    assert ports.servers["es2"].answers[next(iter(ports.servers["es2"].answers))][
        "status"] == 3
    agv.step(600.0, ports)
    st = agv.status(600.0)
    assert st.in_doubt_kb == 0.0
    assert st.loaded_kb == pytest.approx(st.delivered_kb + st.remaining_kb)
    admitted = sum(es.by_agv.get("agv1", 0.0) for es in ports.servers.values())
    absorbed = (agv.door[1] - sum(d.remaining for d in ports.servers["es1"].queue)) \
        if agv.door else 0.0
    assert admitted == pytest.approx(st.delivered_kb + absorbed)   # each kB admitted once


def test_nav2_mode_asks_for_one_goal_at_a_time(scenario):
    """Nav2 mode: the goal is the next stop while driving, none from an arrival's report
    until the controller has handled it, then the stop after; home closes the cycle."""
    from offload_ros.runtime.agv_controller import AgvControllerConfig
    ports = Ports(scenario)
    agv = AgvController(scenario, "agv1", AgvControllerConfig(mode="nav2"))
    agv.step(0.0, ports)                             # the cycle starts: drive to es2
    points = scenario.route_positions(scenario.agvs[0])
    goals = []
    for t in (10.0, 20.0, 30.0):
        goals.append(agv.goal())
        agv.arrived(t)
        assert agv.goal() is None                    # reported, not yet handled
        agv.step(t, ports)
    assert goals == [points[1], points[2], points[0]]   # es2, es1, back to start
    assert agv.returns == 1 and agv.goal() == points[1]


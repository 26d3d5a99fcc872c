"""Hand-computed cases for DESIGN.md rules 1-6 (every number below is worked out by hand in
the comments)."""

from __future__ import annotations

import pytest

from offload_ros.sim import SimError, Simulator
from offload_ros.planning import GreedyPlanner

ONE = """
name: one
horizon_s: 100
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 600, capacity_kb: 1000}
agvs:
  - {id: a, start: [0, 0], route: [X], load_kb: 100}
"""


def test_rule_1_2_6_cycles_processing_and_the_horizon(load_text):
    # 20 s to X, 20 s back: cycles start at 0, 40, 80 (loaded 300); arrivals at 20, 60 and
    # 100 (= horizon: still happens). X works 10 kB/s: 100 kB done by 30 and by 70, the load
    # of t=100 not started. Returns to start at 40 and 80 (cycles 2; 120 is past the horizon).
    sc = load_text(ONE)
    res = Simulator(sc).run(GreedyPlanner(sc))
    assert res.loaded_kb == pytest.approx(300)
    assert res.delivered_kb == pytest.approx(300)
    assert res.processed_kb == pytest.approx(200)
    assert res.edge_servers["X"].backlog_kb == pytest.approx(100)
    assert res.agvs["a"].cycles == 2 and res.agvs["a"].wait_s == 0
    assert res.carried_kb == 0


DOOR = """
name: door
horizon_s: 200
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}
agvs:
  - {id: a, start: [0, 0], route: [X], load_kb: 150}
  - {id: b, start: [100, 150], route: [X], load_kb: 100}
"""


def test_rule_4_door_queue_with_two_agvs_and_a_horizon_cut_during_a_wait(load_text):
    # X: 1 kB/s, holds 100. t=20 a arrives with 150: takes 100, waits at the head for 50 →
    # leaves at 70. t=30 b arrives (150 m): a waits at the door, so free = 0: b queues.
    # t=70 b heads the queue with 100 → leaves at 170; a is back at start at 90 (cycle 1,
    # loads 150 more) and at X at 110: queues behind b. t=170 a heads with 150; by the
    # horizon (200) it has absorbed 30. b is back at start at 200 (= horizon): cycle 1 and a
    # fresh 100 kB. X was full from t=20 on: processed 180, backlog 100.
    sc = load_text(DOOR)
    res = Simulator(sc).run(GreedyPlanner(sc))
    a, b = res.agvs["a"], res.agvs["b"]
    assert a.delivered_kb == pytest.approx(180) and a.loaded_kb == pytest.approx(300)
    assert a.carried_kb == pytest.approx(120)
    assert a.wait_s == pytest.approx(50 + 90) and a.waits == 2 and a.cycles == 1
    assert b.delivered_kb == pytest.approx(100) and b.loaded_kb == pytest.approx(200)
    assert b.carried_kb == pytest.approx(100)
    assert b.wait_s == pytest.approx(140) and b.waits == 1 and b.cycles == 1
    assert res.processed_kb == pytest.approx(180)
    assert res.edge_servers["X"].backlog_kb == pytest.approx(100)
    assert res.edge_servers["X"].door_queue == 1


TIE = """
name: tie
horizon_s: 30
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}
agvs:
  - {id: FIRST, start: [0, 0], route: [X], load_kb: 80}
  - {id: SECOND, start: [200, 0], route: [X], load_kb: 80}
"""


@pytest.mark.parametrize("swap", [False, True])
def test_rule_5_simultaneous_arrivals_go_in_file_order(load_text, swap):
    # Both reach X at t=20 with 80 kB. The first in the file fits (80 of 100); the second
    # gets the 20 left and waits at the door for 60 more at 1 kB/s; at the horizon (30) it
    # has waited 10 s and absorbed 10.
    text = TIE
    if swap:
        text = text.replace("  - {id: FIRST, start: [0, 0], route: [X], load_kb: 80}\n", "")
        text += "  - {id: FIRST, start: [0, 0], route: [X], load_kb: 80}\n"
    sc = load_text(text)
    res = Simulator(sc).run(GreedyPlanner(sc))
    first_in_file = sc.agvs[0].id
    other = sc.agvs[1].id
    assert res.agvs[first_in_file].wait_s == 0
    assert res.agvs[first_in_file].delivered_kb == pytest.approx(80)
    assert res.agvs[other].wait_s == pytest.approx(10) and res.agvs[other].waits == 1
    assert res.agvs[other].delivered_kb == pytest.approx(30)


RELEASE_TIE = """
name: release_tie
horizon_s: 100
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}
  - {id: Y, position: [200, 0], rate_kb_per_min: 60, capacity_kb: 100}
agvs:
  - {id: h, start: [0, 0], route: [X], load_kb: 150}
  - {id: c, start: [100, 350], route: [X, Y], load_kb: 30}
"""


class Recorder:
    name = "recorder"

    def __init__(self, amount=None):
        self.seen = []
        self.amount = amount

    def decide(self, obs):
        self.seen.append(obs)
        return obs.remaining_kb if self.amount is None else self.amount


def test_rule_5_a_door_release_runs_before_an_arrival_at_the_same_instant(load_text):
    # h waits at X from 20 to 70 (150 kB, 100 admitted, 50 more at 1 kB/s). c reaches X at
    # exactly 70 (350 m): the release runs first, so c sees an empty door queue — and a full
    # server (free 0): it gets nothing at X and hands its 30 kB to Y at 90.
    sc = load_text(RELEASE_TIE)
    rec = Recorder()
    res = Simulator(sc).run(rec)
    (obs,) = rec.seen
    assert obs.time_s == 70 and obs.agv_id == "c" and obs.es_id == "X"
    assert obs.door_queue == 0
    assert obs.free_kb == pytest.approx(0) and obs.backlog_kb == pytest.approx(100)
    assert res.edge_servers["Y"].processed_kb == pytest.approx(10)  # 90..100 at 1 kB/s


PARTIAL = """
name: partial
horizon_s: 60
edge_servers:
  - {id: X, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 50}
  - {id: Y, position: [200, 0], rate_kb_per_min: 60, capacity_kb: 500}
agvs:
  - {id: a, start: [0, 0], route: [X, Y], load_kb: 200}
"""


@pytest.mark.parametrize("ask,admitted", [(70, 50), (30, 30), (0, 0), (-5, 0), (1e9, 50)])
def test_rule_3_a_stop_admits_min_of_the_request_and_the_free_space(load_text, ask, admitted):
    sc = load_text(PARTIAL)
    res = Simulator(sc).run(Recorder(ask), record=True)
    (decision,) = res.trace.decisions
    t, m, k, cycle, es, request, adm, plan, processed = decision
    assert (t, m, k, cycle, es, processed) == (20, 0, 0, 0, 0, 0.0)
    assert request == pytest.approx(min(max(ask, 0), 200))   # clipped to [0, remaining]
    assert adm == pytest.approx(admitted)
    # everything else goes to Y at t=40 (it has room): nothing waits
    assert res.agvs["a"].delivered_kb == pytest.approx(200) and res.agvs["a"].wait_s == 0


def test_observation_carries_own_server_and_plan_state(load_text):
    sc = load_text(PARTIAL)
    rec = Recorder(0)
    Simulator(sc).run(rec)
    obs = rec.seen[0]
    assert (obs.agv, obs.agv_id, obs.stop, obs.stops, obs.cycle) == (0, "a", 0, 2, 0)
    assert obs.remaining_kb == 200 and obs.load_kb == 200
    assert obs.capacity_kb == 50 and obs.rate_kb_per_min == 60 and obs.free_kb == 50
    # Algorithm 1 (greedy scheme: X can take min(1 kB/s * 120 s, 50) = 50)
    assert obs.plan_kb == pytest.approx(50)
    assert obs.pheromones == ()


def test_a_policy_answering_garbage_is_a_clear_error(load_text):
    sc = load_text(PARTIAL)
    with pytest.raises(SimError, match="answered 'lots' for a at stop 0"):
        Simulator(sc).run(lambda obs: "lots")
    with pytest.raises(SimError, match="answered NaN"):
        Simulator(sc).run(lambda obs: float("nan"))


def test_start_after_the_horizon_never_loads(load_text):
    sc = load_text(ONE.replace("load_kb: 100}", "load_kb: 100, start_time_s: 150}"))
    res = Simulator(sc).run(GreedyPlanner(sc))
    assert res.loaded_kb == 0 and res.processed_kb == 0 and res.agvs["a"].cycles == 0

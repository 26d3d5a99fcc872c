"""The live policy node's view of the fleet: on a recorded run it rebuilds exactly the
simulator's state at every decision (so live rollout decides as simulate's), and stale or
missing messages are handled as ``runtime/fleet_view.py`` documents."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.scenario import Scenario
from offload_ros.planning.rollout_planner import RolloutPlanner
from offload_ros.runtime.agv_controller import DONE, DRIVING, IDLE, WAITING
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.fleet_view import FleetView
from offload_ros.runtime.local_fleet import LocalFleet
from offload_ros.sim.observation import Observation
from offload_ros.sim.simulator import ARRIVAL, CYCLE_START, RELEASE, Simulator
from test.conftest import SCENARIOS
from test.unit.runtime.conftest import TYPES


class Recording(RolloutPlanner):
    """The rollout planner, keeping the state it was handed at each decision."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario)
        self.states: dict[tuple[int, float], tuple] = {}

    def decide_in(self, obs, simulator, snapshot):
        self.states[(obs.agv, round(obs.time_s, 6))] = (snapshot(), list(simulator.rate))
        return super().decide_in(obs, simulator, snapshot)


def projected(st, rate, t):
    """Each server's backlog and processed work, and what every AGV carries, carried on to
    ``t`` (the fluid model: a door queue's head hands over what processing frees), so
    states last advanced at different instants compare."""
    servers, remaining = [], list(st.remaining)
    for i, r in enumerate(rate):
        work = r * (t - st.t_upd[i])
        b = st.backlog[i]
        if st.queue[i]:
            servers += [b, st.processed[i] + work]
            remaining[st.queue[i][0]] = max(0.0, remaining[st.queue[i][0]] - work)
        else:
            servers += [max(0.0, b - work), st.processed[i] + min(work, b)]
    return servers, remaining


def phero(lists, t):
    """The unexpired pheromones per server (stamps travel as nanoseconds)."""
    return [[(p.agv, p.es, round(p.time_s, 6), round(p.need_kb, 6), round(p.expires_s, 6))
             for p in ph if p.expires_s > t] for ph in lists]


@pytest.mark.parametrize("name,noise_seed", [("factory_5agv", None), ("congested_8agv", 1)])
def test_on_a_recorded_run_the_rebuilt_state_is_the_simulators(name, noise_seed):
    sc = Scenario.load(SCENARIOS / f"{name}.yaml")
    if noise_seed is not None:
        sc = dataclasses.replace(sc, disturbance=Disturbance(
            start_jitter_s=30.0, leg_time_variation=0.05, rate_variation=0.05))
    seed = noise_seed or 0
    offline, live = Recording(sc), Recording(sc)
    sim = Simulator(sc, noise_seed=seed).run(offline)
    fleet = LocalFleet(sc, "rollout", noise_seed=seed)
    fleet.policy.policy = live                    # the policy node's planner, recording
    report = fleet.run()
    assert report.problems == []
    assert report.result.processed_kb == pytest.approx(sim.processed_kb, rel=1e-9)
    assert report.result.decisions == sim.decisions
    assert set(live.states) == set(offline.states) and len(live.states) == sim.decisions
    model = Simulator(dataclasses.replace(sc, disturbance=None))
    for key, (want, want_rate) in offline.states.items():
        got, got_rate = live.states[key]
        agv, t = key
        assert got_rate == pytest.approx(want_rate, rel=1e-12), key
        for f in ("stop", "started", "queue"):
            assert getattr(got, f) == getattr(want, f), (key, f)
        (got_es, got_rem), (want_es, want_rem) = projected(got, got_rate, t), \
            projected(want, want_rate, t)
        assert got_rem == pytest.approx(want_rem, abs=1e-6), key
        assert got_es == pytest.approx(want_es, abs=1e-6), key
        assert [e[1:] for e in sorted(got.heap)] == [e[1:] for e in sorted(want.heap)], key
        assert [e[0] for e in sorted(got.heap)] == pytest.approx(
            [e[0] for e in sorted(want.heap)], abs=1e-6), key
        assert phero(got.phero, t) == phero(want.phero, t), key
        model.rate[:] = want_rate
        for amount in (0.0, 50.0, float("inf")):   # what a rollout makes of it
            assert model.rollout(got, agv, amount, "greedy") == pytest.approx(
                model.rollout(want, agv, amount, "greedy"), rel=1e-9), (key, amount)


# ---------------------------------------------------------------- staleness, by hand
# one_server (test/unit/runtime/conftest.py): es1 at x=100, es2 at x=200, 1 kB/s, 100 kB;
# agv1 and agv2 start at x=0 at 5 m/s, route es2 (40 s), es1 (20 s later), home (20 s).

def status(agv, t, **kw):
    base = dict(header={"stamp": MessageTypes.stamp(t)}, agv_id=agv, state=DRIVING,
                cycle=0, stop=0, next_event_s=40.0, next_event_kind=ARRIVAL,
                remaining_kb=200.0, loaded_kb=200.0)
    return TYPES.make("AgvStatus", **{**base, **kw})


def es_state(es, t, **kw):
    base = dict(header={"stamp": MessageTypes.stamp(t)}, es_id=es, capacity_kb=100.0,
                rate_kb_per_min=60.0)
    return TYPES.make("EdgeServerState", **{**base, **kw})


def decision(scenario, agv="agv1", t=40.0, remaining=200.0):
    m = scenario.agv_index(agv)
    return Observation(m, agv, t, 0, 0, 2, remaining, 200.0, 100.0, 1, "es2", 0.0, 100.0,
                       100.0, 60.0, 0, ())


def events(st):
    return {m: (t, kind) for t, kind, m in st.heap}


def test_the_deciding_agv_comes_from_its_request_and_an_unheard_one_from_the_scenario(
        scenario):
    view = FleetView(scenario)
    st = view.snapshot(decision(scenario, t=50.0, remaining=150.0))
    assert events(st) == {0: (50.0, ARRIVAL), 1: (50.0, CYCLE_START)}   # not before now
    assert st.stop[0] == 0 and st.remaining[0] == 150.0 and st.started[0] == 1
    assert st.started[1] == 0 and st.t_upd == [50.0, 50.0]              # servers: empty


def test_an_event_announced_before_now_whose_offer_the_server_admitted_is_counted_done(
        scenario):
    view = FleetView(scenario)
    view.on_agv_status(status("agv2", 39.0))                     # arrives at es2 at 40 s
    view.on_es_state(es_state("es2", 40.0, backlog_kb=60.0, admitted_kb=60.0,
                              agv_ids=["agv2"], agv_admitted_kb=[60.0]))
    st = view.snapshot(decision(scenario, t=40.5))
    assert events(st)[1] == (60.0, ARRIVAL)                      # es1, 20 s after es2
    assert st.stop[1] == 1 and st.remaining[1] == pytest.approx(140.0)
    assert st.delivered[1] == pytest.approx(60.0) and st.ndec[1] == 1


def test_an_event_announced_before_now_with_nothing_admitted_happens_now(scenario):
    view = FleetView(scenario)
    view.on_agv_status(status("agv2", 39.0))
    st = view.snapshot(decision(scenario, t=40.5))
    assert events(st)[1] == (40.5, ARRIVAL) and st.stop[1] == 0
    assert st.remaining[1] == 200.0


def test_messages_of_later_instants_are_set_aside_for_those_of_the_decisions(scenario):
    """A live fleet runs behind sim time: agv2's offer at 40 s is admitted and announced
    before agv1's request stamped 39.5 s is answered; the rollout must see it pending."""
    view = FleetView(scenario)
    view.on_agv_status(status("agv2", 39.0))                     # arrives at es2 at 40 s
    view.on_es_state(es_state("es2", 0.0))
    view.on_es_state(es_state("es2", 40.0, backlog_kb=60.0, admitted_kb=60.0,
                              agv_ids=["agv2"], agv_admitted_kb=[60.0]))
    view.on_agv_status(status("agv2", 40.2, stop=1, next_event_s=60.0, remaining_kb=140.0,
                              delivered_kb=60.0))
    obs = Observation(0, "agv1", 39.5, 0, 0, 2, 200.0, 200.0, 100.0, 1, "es2", 0.0, 100.0,
                      100.0, 60.0, 0, ())
    st = view.snapshot(obs)
    assert events(st)[1] == (40.0, ARRIVAL) and st.stop[1] == 0 and st.remaining[1] == 200.0
    assert st.backlog[1] == 0.0
    st = view.snapshot(decision(scenario, t=41.0))               # after it: the newest
    assert events(st)[1] == (60.0, ARRIVAL) and st.stop[1] == 1 and st.remaining[1] == 140.0
    assert st.backlog[1] == 60.0


def test_a_newer_waiting_status_joins_an_older_door_queue(scenario):
    view = FleetView(scenario)
    view.on_es_state(es_state("es1", 55.0, backlog_kb=100.0, door_queue=["agv1"],
                              door_remaining_kb=[30.0]))
    view.on_agv_status(status("agv2", 61.0, state=WAITING, stop=1, remaining_kb=45.0,
                              next_event_s=120.0, next_event_kind=RELEASE))
    obs = Observation(0, "agv1", 70.0, 0, 0, 2, 1.0, 200.0, 0.0, 1, "es2", 0.0, 0.0, 100.0,
                      60.0, 0, ())       # agv1 decides again at es2 (its queue entry dropped)
    st = view.snapshot(obs)
    assert st.queue[0] == [1] and st.remaining[1] == 45.0 and st.stop[1] == 1
    assert events(st)[1] == (pytest.approx(100.0), RELEASE)      # 55 s + 45 kB at 1 kB/s


def test_a_waiting_status_older_than_the_server_that_no_longer_lists_it_is_released(
        scenario):
    view = FleetView(scenario)
    view.on_agv_status(status("agv2", 61.0, state=WAITING, stop=1, remaining_kb=45.0,
                              delivered_kb=155.0, next_event_s=100.0,
                              next_event_kind=RELEASE))
    view.on_es_state(es_state("es1", 100.0, backlog_kb=100.0, agv_ids=["agv2"],
                              agv_admitted_kb=[200.0]))
    st = view.snapshot(decision(scenario, t=101.0))
    assert events(st)[1] == (120.0, CYCLE_START)                 # 20 s home after 100 s
    assert st.queue[0] == [] and st.remaining[1] == 0.0 and st.stop[1] == 1


def test_an_agv_that_announces_no_event_arrives_from_where_it_is(scenario):
    view = FleetView(scenario)                                   # Nav2 mode: no ETA
    view.on_agv_status(status("agv2", 30.0, next_event_s=-1.0, position={"x": 150.0,
                                                                           "y": 0.0}))
    view.on_agv_status(status("agv2", 29.0, next_event_s=40.0))  # older: ignored
    st = view.snapshot(decision(scenario, t=35.0))
    assert events(st)[1] == (pytest.approx(40.0), ARRIVAL)       # 50 m at 5 m/s from 30 s


def test_a_done_agv_has_no_event_and_an_idle_one_waits_for_its_start(scenario):
    view = FleetView(scenario)
    view.on_agv_status(status("agv2", 5.0, state=DONE, next_event_s=-1.0))
    assert 1 not in events(view.snapshot(decision(scenario)))
    view.on_agv_status(status("agv2", 6.0, state=IDLE, next_event_s=70.0,
                              next_event_kind=CYCLE_START))
    st = view.snapshot(decision(scenario))
    assert events(st)[1] == (70.0, CYCLE_START) and st.started[1] == 0


@pytest.mark.parametrize("call,msg,needle", [
    ("on_agv_status", lambda: status("agv9", 1.0), "not an AGV"),
    ("on_es_state", lambda: es_state("es9", 1.0), "not an edge server"),
    ("on_es_state", lambda: es_state("es1", 1.0, door_queue=["agv1"]), "door_queue"),
    ("on_es_state", lambda: es_state("es1", 1.0, door_queue=["agv9"],
                                     door_remaining_kb=[1.0]), "door_queue"),
    ("on_es_state", lambda: es_state("es1", 1.0, rate_kb_per_min=0.0), "rate_kb_per_min"),
])
def test_bad_messages_are_refused_by_name(scenario, call, msg, needle):
    view = FleetView(scenario)
    with pytest.raises(NodeError, match=needle):
        getattr(view, call)(msg())
    assert view.agvs == {} and view.servers == {}


def test_announced_rates_replace_the_files(scenario):
    view = FleetView(scenario)
    view.on_es_state(es_state("es2", 1.0, rate_kb_per_min=90.0))
    assert view.sim.rate == [1.0, 1.5]


# ---------------------------------------------------------------- waiting for the instant

def test_a_decision_at_the_same_instant_waits_for_the_earlier_agvs_offer(scenario):
    """agv1 and agv2 both reach es2 at 40 s; the simulator decides agv1's first. agv2's
    view owes agv1's status after that event, then the server's state with its offer."""
    view = FleetView(scenario)
    view.on_agv_status(status("agv1", 39.0))                     # due at es2 at 40 s
    obs = decision(scenario, agv="agv2")
    assert view.owed(obs) == "agv1's status after its event at 40.00 s"
    view.on_agv_status(status("agv1", 40.1, stop=1, next_event_s=60.0, remaining_kb=140.0,
                              delivered_kb=60.0))
    assert "servers' state with agv1's offers (0.0 of 60.0 kB" in view.owed(obs)
    view.on_es_state(es_state("es2", 40.0, backlog_kb=60.0, admitted_kb=60.0,
                              agv_ids=["agv1"], agv_admitted_kb=[60.0]))
    assert view.owed(obs) == ""
    st = view.snapshot(obs)
    assert events(st)[0] == (60.0, ARRIVAL) and st.backlog[1] == 60.0
    # agv1's own decision at 40 s owes nothing: agv2 comes after it in the order
    view2 = FleetView(scenario)
    view2.on_agv_status(status("agv2", 39.0))
    assert view2.owed(decision(scenario, agv="agv1")) == ""


def test_an_agv_due_to_start_is_owed_and_a_waiting_or_done_one_is_not(scenario):
    view = FleetView(scenario)
    assert view.owed(decision(scenario)) == "a status from agv2 (due to start by now)"
    view.on_agv_status(status("agv2", 61.0, state=WAITING, stop=1, next_event_s=-1.0))
    assert view.owed(decision(scenario, t=70.0)) == ""
    view.on_agv_status(status("agv2", 130.0, state=DONE, next_event_s=-1.0))
    assert view.owed(decision(scenario, t=140.0)) == ""


def test_wait_returns_as_the_owed_message_arrives_or_says_what_is_missing(scenario):
    view = FleetView(scenario)
    view.on_agv_status(status("agv1", 39.0))
    obs = decision(scenario, agv="agv2")
    assert view.wait(obs, 0.0) == "agv1's status after its event at 40.00 s"
    waited: list[str] = []
    done = threading.Event()

    def decide() -> None:
        waited.append(view.wait(obs, 60.0))
        done.set()
    threading.Thread(target=decide, daemon=True).start()
    view.on_agv_status(status("agv1", 40.1, stop=1, next_event_s=60.0))  # nothing delivered
    assert done.wait(30.0), "the wait did not end when agv1's status came"
    assert waited == [""]


def test_a_server_state_stamped_before_the_last_forgets_the_projections_it_overtook(
        scenario):
    """A server publishes projections to its clock between offers; an offer stamped
    earlier that comes after one means the projection left it out."""
    view = FleetView(scenario)
    view.on_es_state(es_state("es2", 45.0, processed_kb=0.0))            # projection
    view.on_es_state(es_state("es2", 40.0, backlog_kb=60.0, agv_ids=["agv2"],
                              agv_admitted_kb=[60.0]))                   # the late offer
    assert [MessageTypes.seconds(m.header.stamp) for m in view.servers["es2"]] == [40.0]
    st = view.snapshot(decision(scenario, t=50.0))
    assert st.t_upd[1] == 40.0 and st.backlog[1] == 60.0


def test_pheromones_left_after_the_decision_are_not_seen(scenario):
    """Left at 40 s by agv1: seen by agv2's decision at 40 s (after agv1's in the order), not
    by agv1's own; left at 50 s: seen by neither."""
    view = FleetView(scenario)
    for t, agv in ((30.0, "agv2"), (40.0, "agv1"), (50.0, "agv2")):
        view.on_pheromone(TYPES.make(
            "Pheromone", header={"stamp": MessageTypes.stamp(t)}, agv_id=agv, es_id="es2",
            need_kb=10.0, wait_s=1.0, door_rate_kb_per_s=1.0, returns_s=t + 100.0,
            cycle_s=100.0, expires_s=t + 900.0))

    def seen(agv):
        return [(p.agv_id, p.time_s) for p in view.snapshot(decision(scenario, agv=agv)).phero[1]]
    assert seen("agv1") == [("agv2", 30.0)]
    assert seen("agv2") == [("agv2", 30.0), ("agv1", 40.0)]


def test_an_agv_that_announces_no_event_owes_nothing(scenario):
    """Nav2 mode: no ETA while driving; a wait would not bring one."""
    view = FleetView(scenario)
    view.on_agv_status(status("agv1", 39.0))
    view.on_agv_status(status("agv1", 39.5, next_event_s=-1.0, position={"x": 190.0,
                                                                           "y": 0.0}))
    assert view.owed(decision(scenario, agv="agv2")) == ""

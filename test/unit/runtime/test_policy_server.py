"""The policy node's logic: answers from a local observation; refuses bad ones by name."""

from __future__ import annotations

import math
import threading

import pytest

from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.policy_server import NO_ACTION, PolicyServer, PolicyServerConfig
from offload_ros.sim.action_set import ActionSet
from test.unit.runtime.conftest import TYPES
from test.unit.runtime.test_fleet_view import es_state, status


def decide(**kw):
    base = dict(agv_id="agv1", time_s=40.0, cycle=0, stop=0, stops=2, remaining_kb=200.0,
                load_kb=200.0, plan_kb=80.0, es_id="es2", backlog_kb=20.0, free_kb=80.0,
                capacity_kb=100.0, rate_kb_per_min=60.0)
    return TYPES.make("Decide_Request", **{**base, **kw})


def test_planners_answer_amounts(scenario):
    assert PolicyServer(scenario, "balanced").handle_decide(decide()).amount_kb == 80.0
    greedy = PolicyServer(scenario, "greedy").handle_decide(decide())
    assert greedy.ok and math.isinf(greedy.amount_kb) and greedy.action == NO_ACTION


def test_a_trained_policy_answers_an_action_of_the_action_set(scenario):
    ans = PolicyServer(scenario, "mcoo").handle_decide(decide())
    assert ans.ok and 0 <= ans.action < ActionSet.size()
    assert ans.amount_kb == pytest.approx(min(200.0, ActionSet.FRACTIONS[ans.action] * 80.0)
                                          if ActionSet.FRACTIONS[ans.action] is not None
                                          else 200.0)


@pytest.mark.parametrize("kw,needle", [
    ({"agv_id": "agv7"}, "not served here"), ({"es_id": "es9"}, "unknown edge server"),
    ({"free_kb": math.nan}, "free_kb"), ({"stop": 1}, "not a decision stop"),
])
def test_bad_observations_are_refused_by_name(scenario, kw, needle):
    server = PolicyServer(scenario, "balanced", ("agv1",))
    ans = server.handle_decide(decide(**kw))
    assert not ans.ok and needle in ans.reason and server.refused == 1


def test_an_unknown_policy_or_agv_is_a_node_error(scenario):
    with pytest.raises(NodeError, match="unknown policy"):
        PolicyServer(scenario, "nope")
    with pytest.raises(NodeError, match="agv9"):
        PolicyServer(scenario, "balanced", ("agv9",))


def test_warming_up_decides_once_per_agv_and_leaves_a_stateful_policy_untouched(scenario):
    warmed = PolicyServer(scenario, "random", ("agv1",))
    assert warmed.warm_up() == 1                 # agv1's route has one decision stop
    fresh = PolicyServer(scenario, "random", ("agv1",))
    assert warmed.handle_decide(decide()).amount_kb == fresh.handle_decide(decide()).amount_kb
    assert PolicyServer(scenario, "mcoo").warm_up() == len(scenario.agvs)


def test_rollout_answers_a_later_agv_once_the_earlier_ones_offer_is_known(scenario):
    """agv1 and agv2 reach es2 at 40 s. agv2's request, first in, waits in its own thread
    for agv1's status and the server's state, then plans with a complete view; a request
    whose view stays incomplete is answered after ``state_wait_s``, counted and explained."""
    server = PolicyServer(scenario, "rollout", config=PolicyServerConfig(state_wait_s=60.0))
    server.on_agv_status(status("agv1", 39.0))
    server.on_agv_status(status("agv2", 39.0))
    answers: list[tuple] = []
    done = threading.Event()

    def ask() -> None:
        answers.append(server.answer(decide(agv_id="agv2")))
        done.set()
    threading.Thread(target=ask, daemon=True).start()
    first = server.handle_decide(decide(agv_id="agv1"))      # owes nothing: it comes first
    assert first.ok and not done.is_set()
    server.on_es_state(es_state("es2", 40.0, backlog_kb=80.0, agv_ids=["agv1"],
                                agv_admitted_kb=[80.0]))
    server.on_agv_status(status("agv1", 40.2, stop=1, next_event_s=60.0, remaining_kb=120.0,
                                delivered_kb=80.0))
    assert done.wait(30.0), "agv2's decision did not follow agv1's status"
    (answer, owed), = answers
    assert answer.ok and owed == "" and server.incomplete == 0
    impatient = PolicyServer(scenario, "rollout", config=PolicyServerConfig(state_wait_s=0.0))
    impatient.on_agv_status(status("agv1", 39.0))
    answer, owed = impatient.answer(decide(agv_id="agv2"))
    assert answer.ok and owed == "agv1's status after its event at 40.00 s"
    assert impatient.incomplete == 1 and impatient.last_owed == owed
    with pytest.raises(NodeError, match="state_wait_s"):
        PolicyServerConfig(state_wait_s=-1.0)


def test_aigc_placements_are_answered_with_the_aigc_policy_or_refused_by_name(scenario):
    from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
    from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator
    sim = AigcSimulator(scenario)
    sim.reset(5)
    while not any(sim.head(k) for k in range(sim.n_agvs)):
        sim.step([0] * sim.n_agvs)
    obs = AigcObservation(sim)
    i = int(obs.active.argmax())
    row = obs.row(i)
    agv = scenario.agvs[i].id
    req = TYPES.make("DecideAigc_Request", agv_id=agv, time_s=10.0, features=row.features[0],
                     eft_s=row.eft_s[0], eft_batch_s=row.eft_batch_s[0],
                     distance_m=row.distance_m[0])
    server = PolicyServer(scenario, "greedy", config=PolicyServerConfig(aigc_policy="greedy"))
    answer = server.answer_aigc(req)
    assert answer.ok and answer.action == int(AigcObservation.least(row, row.eft_s)[0])
    assert answer.policy == "greedy"
    plain = PolicyServer(scenario, "greedy").answer_aigc(req)
    assert not plain.ok and "aigc_policy is empty" in plain.reason
    short = TYPES.make("DecideAigc_Request", agv_id=agv, features=row.features[0][:-1],
                       eft_s=row.eft_s[0], eft_batch_s=row.eft_batch_s[0],
                       distance_m=row.distance_m[0])
    bad = server.answer_aigc(short)
    assert not bad.ok and bad.reason.startswith("features:") and server.refused == 1

"""The edge server's logic, checked by hand: admission, the door queue, idempotent ids,
rejections, the journal, and rule 5's ordering of offers."""

from __future__ import annotations

import math

import pytest

from offload_ros.runtime.edge_server_node import ADMITTED, QUEUED, REJECTED, UNKNOWN, \
    EdgeServerNode, EdgeServerNodeConfig
from test.unit.runtime.conftest import TYPES


@pytest.fixture
def es(scenario):
    return EdgeServerNode(scenario, "es1")


def conserved(es):
    st = es.state_at(es.t)
    assert st.admitted_kb == pytest.approx(st.processed_kb + st.backlog_kb)
    return st


def test_admission_takes_what_fits_and_processing_frees_space(es, offer):
    a = es.handle_offload(offer("r1", "agv1", 0.0, 150.0), now=0.0)
    assert (a.status, a.admitted_kb, a.free_kb) == (ADMITTED, 100.0, 100.0)
    b = es.handle_offload(offer("r2", "agv2", 30.0, 50.0), now=30.0)
    assert b.admitted_kb == pytest.approx(30.0)          # 30 s at 1 kB/s freed 30 kB
    st = es.state_at(60.0)                               # projected: nothing advanced
    assert st.processed_kb == pytest.approx(60.0) and st.backlog_kb == pytest.approx(70.0)
    assert es.t == 30.0
    assert dict(zip(st.agv_ids, st.agv_admitted_kb)) == {"agv1": 100.0, "agv2": 30.0}
    conserved(es)


def test_door_queue_releases_at_the_promised_time(es, offer):
    es.handle_offload(offer("r1", "agv1", 0.0, 100.0), now=0.0)
    q = es.handle_offload(offer("r2", "agv2", 10.0, 90.0, last=True), now=10.0)
    assert q.status == QUEUED and q.admitted_kb == pytest.approx(10.0)
    assert q.release_s == pytest.approx(90.0)            # 80 kB more at 1 kB/s
    # the backlog stays full while the head takes every freed kB; nobody else gets space
    other = es.handle_offload(offer("r3", "agv1", 20.0, 50.0), now=20.0)
    assert other.admitted_kb == 0.0
    early = es.handle_offload(offer("r2", "agv2", 50.0, 80.0, last=True, resolve=True), 50.0)
    assert early.status == QUEUED and early.release_s == pytest.approx(90.0)
    assert es.backlog == pytest.approx(100.0)
    done = es.handle_offload(offer("r2", "agv2", 90.0, 80.0, last=True, resolve=True), 90.0)
    assert done.status == ADMITTED and done.release_s == pytest.approx(90.0)
    st = conserved(es)
    assert dict(zip(st.agv_ids, st.agv_admitted_kb))["agv2"] == pytest.approx(90.0)
    assert st.door_queue == [] and st.backlog_kb == pytest.approx(100.0)


def test_two_at_the_door_drain_in_order(es, offer):
    es.handle_offload(offer("r1", "agv1", 0.0, 100.0), now=0.0)
    first = es.handle_offload(offer("a", "agv1", 0.0, 40.0, last=True), 0.0)
    second = es.handle_offload(offer("b", "agv2", 0.0, 30.0, last=True), 0.0)
    assert (first.release_s, second.release_s) == (40.0, 70.0)
    assert second.door_position == 2
    assert es.state_at(50.0).door_queue == ["agv2"]


def test_a_repeated_id_gets_its_first_answer_and_admits_nothing(es, offer):
    first = es.handle_offload(offer("r1", "agv1", 0.0, 60.0), now=0.0)
    again = es.handle_offload(offer("r1", "agv1", 0.0, 60.0), now=5.0)
    assert again.admitted_kb == first.admitted_kb == 60.0 and again.duplicate
    assert es.admitted == 60.0 and es.counts["duplicates"] == 1


def test_resolving_an_unknown_id_closes_it(es, offer):
    r = es.handle_offload(offer("lost", "agv1", 0.0, 60.0, resolve=True), now=0.0)
    assert r.status == UNKNOWN and r.admitted_kb == 0.0
    late = es.handle_offload(offer("lost", "agv1", 0.0, 60.0), now=1.0)   # the original
    assert late.admitted_kb == 0.0 and es.admitted == 0.0


@pytest.mark.parametrize("agv,t,kb,task,needle", [
    ("agv9", 0.0, 10.0, None, "unknown AGV 'agv9'"),
    ("agv1", 0.0, -1.0, None, "amount_kb: must be a finite number >= 0"),
    ("agv1", 0.0, math.nan, None, "amount_kb"),
    ("agv1", 0.0, 900.0, None, "more than 4 loads of agv1"),
    ("agv1", 100.0, 10.0, None, "ahead of the server's clock"),
    ("agv1", 601.0, 10.0, None, "after the run's horizon"),
    ("agv1", 0.0, 10.0, {"task_id": "t", "defect_class": "dent", "images": 1, "steps": 5},
     "tasks[0].defect_class"),
    ("agv1", 0.0, 10.0, {"task_id": "t", "defect_class": "pit", "images": 0, "steps": 5},
     "tasks[0].images"),
])
def test_bad_offers_are_rejected_with_the_field_named(es, offer, agv, t, kb, task, needle):
    r = es.handle_offload(offer("x", agv, t, kb, tasks=[task] if task else ()), now=0.0)
    assert r.status == REJECTED and needle in r.reason
    assert es.counts["rejected"] == 1 and es.admitted == 0.0


def test_aigc_tasks_of_an_admitted_offer_go_to_the_inbox_once(es, offer):
    task = {"task_id": "t1", "defect_class": "crack", "images": 2, "steps": 10}
    es.handle_offload(offer("r1", "agv1", 0.0, 10.0, tasks=[task]), now=0.0)
    es.handle_offload(offer("r1", "agv1", 0.0, 10.0, tasks=[task]), now=0.0)
    assert [t.task_id for t, _, _ in es.aigc_inbox] == ["t1"]


def test_the_journal_resumes_backlog_door_and_answers(scenario, offer, tmp_path):
    cfg = EdgeServerNodeConfig(journal=str(tmp_path / "es1.db"))
    es = EdgeServerNode(scenario, "es1", cfg)
    es.handle_offload(offer("r1", "agv1", 0.0, 100.0), now=0.0)
    q = es.handle_offload(offer("r2", "agv2", 10.0, 90.0, last=True), now=10.0)
    del es                                   # killed: nothing closed or flushed on purpose
    back = EdgeServerNode(scenario, "es1", cfg)
    assert back.counts["restarts"] == 1
    assert back.backlog == pytest.approx(100.0) and back.t == 10.0
    assert [d.agv_id for d in back.queue] == ["agv2"]
    again = back.handle_offload(offer("r2", "agv2", 10.0, 90.0, last=True), now=12.0)
    assert again.duplicate and again.release_s == q.release_s
    back.restart_at(40.0)                    # down until 40 s: nothing processed meanwhile
    r = back.handle_offload(offer("r2", "agv2", 90.0, 80.0, last=True, resolve=True), 90.0)
    assert r.status == QUEUED and r.release_s == pytest.approx(120.0)
    conserved(back)


def test_admitted_aigc_tasks_are_run_again_after_a_kill_until_answered_once(
        scenario, offer, tmp_path):
    cfg = EdgeServerNodeConfig(journal=str(tmp_path / "es1.db"))
    es = EdgeServerNode(scenario, "es1", cfg)
    tasks = [{"task_id": f"t{k}", "defect_class": "crack", "images": 2, "steps": 10,
              "deadline_s": 900.0} for k in (1, 2)]
    es.handle_offload(offer("r1", "agv1", 5.0, 10.0, tasks=tasks), now=5.0)
    es.aigc_inbox = []                       # the shell took them to its runner
    es.aigc_answered("t1")                   # t1's result was published
    del es                                   # killed with t2 running
    back = EdgeServerNode(scenario, "es1", cfg)
    assert [(t.task_id, agv, stamp) for t, agv, stamp in back.aigc_inbox] == [
        ("t2", "agv1", 5.0)]
    assert back.aigc_inbox[0][0].deadline_s == 900.0 and back.aigc_inbox[0][0].images == 2
    assert "1 AIGC tasks to run again" in back.housekeep(6.0)
    # a replayed offer brings nothing back in; an answer given twice is taken once
    back.aigc_inbox = []
    back.handle_offload(offer("r1", "agv1", 5.0, 10.0, tasks=tasks), now=6.0)
    assert back.aigc_inbox == []
    back.aigc_answered("t2")
    back.aigc_answered("t2")
    del back
    third = EdgeServerNode(scenario, "es1", cfg)
    assert third.aigc_inbox == [] and third.aigc_open == {}
    assert third.aigc_done == {"t1", "t2"}


def test_an_offer_waits_for_an_agv_due_earlier_in_rule_5_order(es, offer):
    status = TYPES.make("AgvStatus", agv_id="agv1", target_es="es1", next_event_s=80.0,
                        next_event_kind=2)
    es.on_agv_status(status)
    later = offer("b", "agv2", 80.0, 10.0)
    assert es.blocked_by(later) == "agv1"             # same instant, agv1 comes first
    assert es.blocked_by(offer("c", "agv2", 79.0, 10.0)) == ""
    es.handle_offload(offer("a", "agv1", 80.0, 10.0), now=80.0)
    assert es.blocked_by(later) == ""
    es.on_agv_status(TYPES.make("AgvStatus", agv_id="agv1", target_es="", next_event_s=90.0,
                                next_event_kind=1))
    assert "agv1" not in es.due


def test_housekeeping_skips_downtime_commits_settled_work_and_waits_for_held_offers(
        scenario, offer, tmp_path):
    cfg = EdgeServerNodeConfig(journal=str(tmp_path / "es1.db"), settle_s=10.0)
    es = EdgeServerNode(scenario, "es1", cfg)
    es.handle_offload(offer("r1", "agv1", 0.0, 100.0), now=0.0)
    assert es.housekeep(5.0) == "" and es.t == 0.0          # nothing older than 10 s yet
    back = EdgeServerNode(scenario, "es1", cfg)              # a restart
    assert "resumed from" in back.housekeep(50.0)
    assert back.t == 50.0 and back.processed == 0.0          # down 0-50 s: nothing processed
    back.housekeep(70.0, holding=True)                       # an offer is held: no commit
    assert back.t == 50.0
    back.housekeep(70.0)
    assert back.t == 60.0 and back.processed == pytest.approx(10.0)
    assert EdgeServerNode(scenario, "es1", cfg).t == 60.0    # and it was journalled

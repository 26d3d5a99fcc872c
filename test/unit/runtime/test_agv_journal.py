"""An AGV's journal: its state survives the process (roundtrip), a controller made from it
goes on where the old one was (resume), an offer sent but unanswered goes out again under the
same id (in doubt), and a fleet whose AGVs crash at random after servers answered still
equals the simulator with every kB accounted for."""

from __future__ import annotations

import sqlite3

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.agv_controller import AgvController, AgvControllerConfig
from offload_ros.runtime.agv_journal import AgvJournal
from offload_ros.runtime.edge_server_node import ADMITTED, EdgeServerNode
from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.local_fleet import LocalFleet
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS


@pytest.fixture
def factory():
    return Scenario.load(SCENARIOS / "factory_5agv.yaml")


class Ports:
    """Answers offers from real servers; ``silent`` swallows every answer."""

    def __init__(self, scenario) -> None:
        self.servers = {e.id: EdgeServerNode(scenario, e.id) for e in scenario.edge_servers}
        self.silent = False
        self.sent: list = []

    def decide(self, request):
        return None

    def offload(self, es_id, request):
        self.sent.append(request)
        answer = self.servers[es_id].handle_offload(request, request.stamp_s)
        return None if self.silent else answer

    def publish(self, topic, typename, message):
        pass


def test_a_journal_roundtrips_its_state(tmp_path):
    j = AgvJournal(tmp_path / "a" / "agv1.db")
    assert j.load() is None
    state = {"agv_id": "agv1", "remaining": 12.5, "in_doubt": {"agv1:x:3": ["es2", 4.0, 80.0]},
             "aigc_next": float("inf"), "big": 2 ** 100}
    j.save(state)
    j.save({**state, "remaining": 7.0})
    j.close()
    again = AgvJournal(tmp_path / "a" / "agv1.db")
    assert again.load() == {**state, "remaining": 7.0}
    assert again.saves == 0
    again.close()


def test_a_journal_that_is_not_one_is_refused(tmp_path, factory):
    bad = tmp_path / "bad.db"
    db = sqlite3.connect(bad)
    db.execute("CREATE TABLE state (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO state VALUES (1, 'not json')")
    db.commit()
    db.close()
    with pytest.raises(NodeError, match="not an AGV journal"):
        AgvJournal(bad).load()
    other = AgvController(factory, "agv1", AgvControllerConfig(journal=str(tmp_path / "a.db")))
    other.close()
    with pytest.raises(NodeError, match="'agv1''s, not 'agv2''s"):
        AgvController(factory, "agv2", AgvControllerConfig(journal=str(tmp_path / "a.db")))
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(NodeError, match="journal"):
        AgvJournal(tmp_path / "dir.db")


def test_a_restarted_controller_resumes_where_the_old_one_was(tmp_path, factory):
    cfg = AgvControllerConfig(journal=str(tmp_path / "agv1.db"), aigc_tasks_per_hour=30.0)
    ports = Ports(factory)
    a = AgvController(factory, "agv1", cfg)
    assert not a.resumed
    a.step(400.0, ports)
    before = a.snapshot()
    assert before["delivered"] > 0 and before["seq"] > 0
    a.journal.close()                      # killed: only the file is left
    b = AgvController(factory, "agv1", cfg)
    assert b.resumed and b.snapshot() == before
    assert b.run_id == a.run_id            # its request ids go on, never reused
    b.step(1200.0, ports)
    c = AgvController(factory, "agv1", AgvControllerConfig(aigc_tasks_per_hour=30.0),
                      run_id=a.run_id)
    c.step(1200.0, Ports(factory))         # one that never died
    for k in ("delivered", "remaining", "loaded", "returns", "stop", "waits", "wait_total",
              "seq", "aigc_next"):
        assert getattr(b, k) == pytest.approx(getattr(c, k)), k
    b.close()


def test_aigc_task_ids_are_unique_across_offers_and_a_restart(tmp_path, factory):
    """Many tasks, few offers: every task is sent once under its own id (ids were once
    counted from the offer number and two tasks could share one)."""
    cfg = AgvControllerConfig(journal=str(tmp_path / "agv1.db"), aigc_tasks_per_hour=600.0)
    ports = Ports(factory)
    a = AgvController(factory, "agv1", cfg)
    a.step(1500.0, ports)
    a.journal.close()
    b = AgvController(factory, "agv1", cfg)
    b.step(4000.0, ports)
    ids = [t.task_id for req in ports.sent for t in req.tasks]
    assert len(ids) > 20 and len(set(ids)) == len(ids)
    b.close()


def test_an_offer_in_flight_is_sent_again_with_its_id(tmp_path, factory):
    cfg = AgvControllerConfig(journal=str(tmp_path / "agv1.db"), offload_attempts=1)
    ports = Ports(factory)
    a = AgvController(factory, "agv1", cfg)
    ports.silent = True                   # the server admits, the answers are lost
    a.step(factory.agvs[0].start_time_s + 1e4, ports)
    assert a.in_doubt                     # in doubt: set aside, neither carried nor delivered
    doubt = dict(a.in_doubt)
    first = ports.sent[0]
    a.journal.close()
    b = AgvController(factory, "agv1", cfg)
    assert b.in_doubt == doubt
    ports.silent, ports.sent = False, []
    b.resolve(ports)                      # asked about: admitted once, never twice
    assert not b.in_doubt
    assert all(r.resolve_only for r in ports.sent)
    assert first.request_id in {r.request_id for r in ports.sent}
    es = ports.servers
    admitted = sum(s.by_agv.get("agv1", 0.0) for s in es.values())
    assert b.delivered == pytest.approx(admitted)
    assert b.loaded == pytest.approx(b.delivered + b.remaining)
    b.close()


def test_an_unanswered_offer_goes_out_again_after_a_restart(tmp_path, factory):
    """Killed between sending an offer and hearing its answer: the journal (written before
    the offer left) sends the same id and amount again and the server answers it once."""
    cfg = AgvControllerConfig(journal=str(tmp_path / "agv1.db"))
    ports = Ports(factory)
    a = AgvController(factory, "agv1", cfg)
    crashed = []

    class Crash(Exception):
        pass

    def crash_once(es_id, request):
        answer = Ports.offload(ports, es_id, request)
        if not crashed:
            crashed.append(request)
            raise Crash
        return answer
    ports.offload = crash_once
    with pytest.raises(Crash):
        a.step(1e4, ports)
    a.journal.close()
    b = AgvController(factory, "agv1", cfg)
    assert b.outbox is not None and b.outbox["rid"] == crashed[0].request_id
    b.step(1e4, ports)
    again = [r for r in ports.sent if r.request_id == crashed[0].request_id]
    assert len(again) == 2 and again[1].amount_kb == crashed[0].amount_kb
    srv = ports.servers[b.route_ids[0]]          # the first offer is at the first stop
    assert srv.counts["duplicates"] == 1
    assert srv.answers[crashed[0].request_id]["status"] == ADMITTED
    admitted = sum(s.by_agv.get("agv1", 0.0) for s in ports.servers.values())
    assert b.delivered == pytest.approx(admitted)
    b.close()


@pytest.mark.parametrize("seed,drop", [(0, 0.0), (1, 0.0), (2, 0.1)])
def test_a_fleet_whose_agvs_crash_loses_and_doubles_nothing(tmp_path, factory, seed, drop):
    """Crashes alone change nothing (it equals the simulator); with lost offers and answers
    besides, every kB is still accounted for."""
    rng = Seeding.rng(seed, "crash")
    fleet = LocalFleet(factory, "balanced", journal_dir=tmp_path,
                       agv_config=AgvControllerConfig(offload_attempts=2),
                       crash=lambda es_id, request: rng.random() < 0.2,
                       drop=lambda where, es_id, request: rng.random() < drop)
    report = fleet.run()
    assert fleet.restarts > 10
    assert report.problems == []
    if not drop:
        sim = Simulator(factory).run(PolicyFactory.make("balanced", factory))
        assert report.result.processed_kb == pytest.approx(sim.processed_kb, abs=1e-6)
        assert report.result.wait_s == pytest.approx(sim.wait_s, abs=1e-6)

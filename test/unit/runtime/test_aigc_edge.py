"""A live edge server's AIGC side: the model's edge, by hand and against itself restarted
from what it broadcast; one admission per task id; refusals when full."""

from __future__ import annotations

import dataclasses

import pytest

from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
from offload_ros.runtime.aigc_edge import AigcEdge
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator
from test.unit.sim.aigc_offload.test_aigc_simulator import parked, shannon


def test_a_lone_task_takes_upload_plus_compute_plus_download():
    sc = parked(rate=120.0, horizon_s=10.0)              # 2x the reference speed
    edge = AigcEdge(sc, "es1")
    task = AigcSimulator(sc).make_task(0, 0.0, images=8, steps=20, resolution=32,
                                       input_kb=1000.0, deadline_s=30.0)
    assert edge.place("agv0:t0", task, 0.0) == ""
    upload = 1000 * 8000 / shannon(1e6, 0.2, 0.0)
    compute = 20 * (0.0086 + 0.0084 * 8) / 2.0
    download = 8 * 32 * 32 * 8 / shannon(1e6, 1.0, 0.0)
    wait = GenerationServiceConfig().max_wait_s           # 8 < 16 images: the batch waits
    assert edge.advance(1.0) == []                         # still under way at 1 s
    (out,) = edge.advance(5.0)
    assert out.task_id == "agv0:t0" and out.agv == 0 and not out.expired
    assert out.latency_s == pytest.approx(upload + wait + compute + download, rel=1e-9)
    assert edge.advance(9.0) == [] and edge.load() == 0
    assert task.stage != 3                                 # the AGV's own copy is untouched


def test_a_repeated_placement_is_admitted_once_and_a_full_server_refuses():
    sc = parked(agvs=3, horizon_s=10.0, es_queue_max=2)
    edge = AigcEdge(sc, "es1")
    make = AigcSimulator(sc).make_task
    a, b, c = (make(k, 0.0, 4, 20, 32, 500.0, 60.0) for k in range(3))
    assert edge.place("a", a, 0.0) == "" and edge.place("a", a, 0.0) == ""
    assert edge.load() == 1
    assert edge.place("b", b, 0.0) == ""
    reason = edge.place("c", c, 0.0)
    assert "es1 holds 2 AIGC tasks" in reason and edge.load() == 2
    done = edge.advance(60.0)
    assert sorted(o.task_id for o in done) == ["a", "b"]
    assert edge.place("c", c, 60.0) == ""                  # room again


def test_placements_are_served_in_the_order_of_their_instants_whatever_order_they_came():
    """By hand: B (AGV 1) placed at 2 s reaches the server before A (AGV 0) placed at 1 s
    and C (AGV 2) at 1 s: served as if they came in order. A placement stamped before the
    committed instant starts then (late)."""
    sc = parked(agvs=3, horizon_s=10.0)
    make = AigcSimulator(sc).make_task
    tasks = [make(0, 0.5, 8, 20, 32, 800.0, 60.0), make(1, 1.5, 8, 20, 32, 600.0, 60.0),
             make(2, 0.2, 4, 30, 32, 300.0, 60.0)]
    ordered, shuffled = AigcEdge(sc, "es1"), AigcEdge(sc, "es1")
    for name, task, stamp in (("A", tasks[0], 1.0), ("C", tasks[2], 1.0), ("B", tasks[1], 2.0)):
        ordered.place(name, task, stamp)
    for name, task, stamp in (("B", tasks[1], 2.0), ("C", tasks[2], 1.0), ("A", tasks[0], 1.0)):
        shuffled.place(name, task, stamp)
    assert shuffled.placed_state["time_s"] == 1.0
    assert sorted(shuffled.placed_state["uploads"]) == [0, 1]   # both of 1 s, none of 2 s
    between = shuffled.state_at(1.5)            # replayed: B (2 s) comes after it
    assert between["time_s"] == 1.5 and len(between["tasks"]) == 2
    only_first = AigcEdge(sc, "es1")            # A and C alone, played forward
    for name, task in (("A", tasks[0]), ("C", tasks[2])):
        only_first.place(name, task, 1.0)
    assert between == ordered.state_at(1.5) == only_first.projected(1.5)
    at = shuffled.state_at(2.0)                 # both of 1 s in it, B (2 s) not yet
    assert at["time_s"] == 2.0 and len(at["tasks"]) == 2
    assert shuffled.state_at(1.0)["tasks"] == {} and len(shuffled.state_at(2.1)["tasks"]) == 3
    mine, theirs = ordered.advance(40.0), shuffled.advance(40.0)
    assert [dataclasses.astuple(o) for o in theirs] == [dataclasses.astuple(o) for o in mine]
    assert sorted(o.task_id for o in mine) == ["A", "B", "C"]
    late = make(0, 39.0, 4, 20, 32, 300.0, 60.0)
    assert shuffled.place("D", late, 39.0) == "" and shuffled.late == 1
    assert shuffled.late_s == pytest.approx(1.0)             # it starts at 40 s
    (d,) = shuffled.advance(80.0)
    assert d.task_id == "D" and d.finish_s - d.latency_s == pytest.approx(39.0)



def test_a_server_restarted_from_its_broadcast_state_finishes_the_same():
    sc = parked(agvs=3, horizon_s=10.0)
    make = AigcSimulator(sc).make_task
    tasks = [make(0, 0.0, 12, 20, 32, 900.0, 60.0), make(1, 0.0, 8, 20, 32, 400.0, 60.0),
             make(2, 0.0, 4, 30, 64, 1500.0, 3.0)]       # the last expires in the queue
    edge = AigcEdge(sc, "es1")
    for k, t in enumerate(tasks):
        edge.place(f"t{k}", t, 0.0)
    edge.advance(0.7)
    twin = AigcEdge(sc, "es1", state=edge.state())
    twin.names = dict(edge.names)
    before = edge.state()
    projected = edge.projected(30.0)
    assert edge.state() == before                          # projecting changes nothing
    mine, theirs = edge.advance(30.0), twin.advance(30.0)
    assert [dataclasses.astuple(o) for o in mine] == [dataclasses.astuple(o) for o in theirs]
    assert [o.task_id for o in mine if o.expired] == ["t2"]
    assert len(mine) == 3 and projected == edge.state()


def test_unknown_servers_and_agvs_are_named():
    sc = parked()
    with pytest.raises(NodeError, match="'es9' is not in scenario"):
        AigcEdge(sc, "es9")
    task = AigcSimulator(sc).make_task(0, 0.0, 4, 20, 32, 500.0, 60.0)
    task.agv = 5
    with pytest.raises(NodeError, match="AGV 5, which is not in the scenario"):
        AigcEdge(sc, "es1").place("x", task, 0.0)
    with pytest.raises(NodeError, match="not an edge server state"):
        AigcEdge(sc, "es1", state={"time_s": 0.0})

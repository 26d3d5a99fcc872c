"""What an AGV finds at a stop: pheromones left before its arrival in the simulator's order
(by time, then AGV), unexpired, others' only; heard twice, kept once."""

from __future__ import annotations

from offload_ros.bag.message_types import MessageTypes
from offload_ros.runtime.pheromone_board import PheromoneBoard
from offload_ros.sim.simulator import Simulator
from test.unit.runtime.conftest import TYPES


def pheromone(agv, t, ttl=900.0):
    return TYPES.make("Pheromone", header={"stamp": MessageTypes.stamp(t)}, agv_id=agv,
                      es_id="es2", need_kb=10.0, wait_s=1.0, door_rate_kb_per_s=1.0,
                      returns_s=t + 100.0, cycle_s=100.0, expires_s=t + ttl)


def test_an_arrival_sees_what_was_left_before_it_by_others(scenario):
    board = PheromoneBoard(Simulator(scenario))
    for agv, t in (("agv2", 10.0), ("agv2", 30.0), ("agv1", 40.0), ("agv2", 40.0),
                   ("agv1", 50.0)):
        assert board.add(pheromone(agv, t, ttl=5.0 if t == 10.0 else 900.0))
    assert not board.add(pheromone("agv2", 30.0))                # heard twice
    # agv2 at 40 s: agv1's of 40 s came first; its own are not a rival's; 10 s expired
    assert [(p.agv_id, p.time_s) for p in board.seen("es2", 40.0, 1)] == [("agv1", 40.0)]
    # agv1 at 40 s: agv2's of 40 s comes after it in the order
    assert [(p.agv_id, p.time_s) for p in board.seen("es2", 40.0, 0)] == [("agv2", 30.0)]
    assert [(p.agv_id, p.time_s) for p in board.seen("es2", 40.0, 1, own=True)] == \
        [("agv2", 30.0), ("agv1", 40.0)]
    assert [(p.agv_id, p.time_s) for p in board.seen("es2", 60.0, 0, own=True)] == \
        [("agv2", 30.0), ("agv1", 40.0), ("agv2", 40.0), ("agv1", 50.0)]

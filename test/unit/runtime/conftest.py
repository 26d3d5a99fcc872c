"""A two-AGV, one-server factory with hand-checkable numbers: es1 holds 100 kB and processes
60 kB/min (1 kB/s)."""

from __future__ import annotations

import pytest

from offload_ros.bag.message_types import MessageTypes

TYPES = MessageTypes.default()

TEXT = """
name: one_server
horizon_s: 600
speed_mps: 5.0
edge_servers:
  - {id: es1, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 100}
  - {id: es2, position: [200, 0], rate_kb_per_min: 60, capacity_kb: 100}
agvs:
  - {id: agv1, start: [0, 0], route: [es2, es1], load_kb: 200}
  - {id: agv2, start: [0, 0], route: [es2, es1], load_kb: 200}
"""


@pytest.fixture
def scenario(load_text):
    return load_text(TEXT)


@pytest.fixture
def offer():
    def _offer(rid, agv, t, kb, last=False, resolve=False, tasks=()):
        return TYPES.make("Offload_Request", request_id=rid, agv_id=agv, stamp_s=t,
                          amount_kb=kb, last_stop=last, resolve_only=resolve,
                          tasks=list(tasks))
    return _offer

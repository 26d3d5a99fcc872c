"""The nodes of one process share a subscription per topic and call each other's services
within the process: real Zenoh sessions on loopback behind a router."""

from __future__ import annotations

import logging
import threading

import pytest

from offload_ros.bag.message_types import MessageTypes
from offload_ros.transport.subscription_hub import SubscriptionHub
from offload_ros.transport.zenoh_bus import ZenohBus
from offload_ros.transport.zenoh_config import ZenohConfig
from test.conftest import free_port

pytest.importorskip("zenoh")
TYPES = MessageTypes.default()
WAIT = 20.0


@pytest.fixture
def network():
    endpoint = f"tcp/127.0.0.1:{free_port()}"
    router = ZenohBus(ZenohConfig(mode="router", connect=endpoint), "router")
    buses = []

    def bus(name):
        b = ZenohBus(ZenohConfig(mode="client", connect=endpoint), name,
                     logging.getLogger(name))
        buses.append(b)
        return b

    yield bus
    for b in buses:
        b.close()
    router.close()


def test_one_subscription_per_topic_serves_every_node_and_a_failing_node_alone(network,
                                                                              caplog):
    agv1, agv2, es1 = network("agv1"), network("agv2"), network("es1")
    hub = SubscriptionHub(agv1)
    agv1.hub = agv2.hub = hub
    got: dict[str, list[tuple[str, str]]] = {"agv1": [], "agv2": []}
    done = threading.Event()

    def on_state(name):
        def callback(msg, sender):
            got[name].append((msg.es_id, sender))
            if name == "agv1":
                raise ValueError("agv1 cannot use this")
            if len(got["agv2"]) == 2:
                done.set()
        return callback

    agv1.subscribe("/*/state", "EdgeServerState", on_state("agv1"))
    agv2.subscribe("/*/state", "EdgeServerState", on_state("agv2"))
    assert hub.subscriptions() == {("/*/state", "EdgeServerState"): 2}
    assert len(agv2._keep) == 0               # agv2 declared nothing: agv1's session holds it
    # the node's own logger, handled here: a process that imported ROS 2's launch (the ROS
    # tests) makes every new logger stop propagating to the root, where caplog listens
    node_log = logging.getLogger("agv1")
    if not node_log.propagate:
        node_log.addHandler(caplog.handler)
    with caplog.at_level(logging.WARNING):
        # wait for the subscription to reach the router before publishing
        for _ in range(200):
            es1.publish("/es1/state", "EdgeServerState", TYPES.make("EdgeServerState",
                                                                    es_id="es1"))
            if got["agv2"]:
                break
            done.wait(0.05)
        es1.publish("/es1/state", "EdgeServerState", TYPES.make("EdgeServerState",
                                                                es_id="es1"))
        assert done.wait(WAIT)
    # each sample reached both nodes once, with its sender; agv1's failure was its own
    assert got["agv1"] == got["agv2"] and got["agv2"][-1] == ("es1", "es1")
    node_log.removeHandler(caplog.handler)
    assert [r.name for r in caplog.records if "agv1 cannot use this" in r.getMessage()] \
        == ["agv1"] * len(got["agv1"])


def test_a_service_of_the_process_is_answered_within_it_and_still_over_zenoh(network):
    agv1, policy, outside = network("agv1"), network("agv1_policy"), network("monitor")
    hub = SubscriptionHub(agv1)
    agv1.hub = policy.hub = hub
    calls: list[tuple[str, str]] = []
    caller = threading.current_thread().name

    def decide(request, sender):
        calls.append((sender, threading.current_thread().name))
        return TYPES.make("Decide_Response", ok=True, amount_kb=request.remaining_kb / 2)

    policy.serve("/agv1/decide", "Decide", decide)
    request = TYPES.make("Decide_Request", agv_id="agv1", remaining_kb=8.0)
    answer = agv1.call("/agv1/decide", "Decide", request, timeout=WAIT)
    assert answer.ok and answer.amount_kb == 4.0
    assert calls == [("agv1", caller)]        # in the calling thread: no round trip
    remote = None
    for _ in range(100):                      # the queryable reaches the router
        remote = outside.call("/agv1/decide", "Decide", request, timeout=WAIT)
        if remote is not None:
            break
    assert remote is not None and remote.amount_kb == 4.0
    assert calls[-1][0] == "monitor" and calls[-1][1] != caller

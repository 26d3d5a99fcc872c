"""Only fleet members speak: real Zenoh sessions on loopback behind a router with the fleet's
mutual TLS and access control. An outside client cannot connect; a member cannot publish an
edge server's state, answer as an edge server, or speak for another AGV."""

from __future__ import annotations

import threading

import pytest

from offload_ros.bag.message_types import MessageTypes
from offload_ros.model.scenario import Scenario
from offload_ros.transport.errors import TransportError
from offload_ros.transport.fleet_security import FleetSecurity
from offload_ros.transport.zenoh_bus import ZenohBus
from offload_ros.transport.zenoh_config import ZenohConfig
from test.conftest import SCENARIOS, free_port

SCENARIO = Scenario.load(SCENARIOS / "factory_5agv.yaml")
TYPES = MessageTypes.default()
WAIT = 20.0


def rules_of(acl: dict, subject: str) -> list[dict]:
    (policy,) = [p for p in acl["policies"] if p["subjects"] == [subject]]
    return [r for r in acl["rules"] if r["id"] in policy["rules"]]


def allowed(acl: dict, subject: str, message: str) -> set[str]:
    return {k for r in rules_of(acl, subject) if message in r["messages"]
            and r["flows"] == ["ingress"] for k in r["key_exprs"]}


def test_each_identity_may_send_only_what_its_role_sends():
    acl = FleetSecurity.for_demo(SCENARIO).access_control()
    assert acl["enabled"] and acl["default_permission"] == "deny"
    names = {s["id"] for s in acl["subjects"]} - {"members"}
    assert names == {"sim_clock"} | {e.id for e in SCENARIO.edge_servers} | \
        {n for a in SCENARIO.agvs for n in (a.id, f"{a.id}_policy")}
    assert allowed(acl, "agv1", "put") == {"offload/agv1/status", "offload/*/pheromones",
                                           "offload/offload/transitions",
                                           "offload/agv1/aigc/progress"}
    assert allowed(acl, "agv1", "query") == {"offload/*/offload", "offload/*/aigc/place",
                                             "offload/*/aigc/state_at", "offload/agv1/decide",
                                             "offload/agv1/decide_aigc"}
    assert allowed(acl, "es1", "put") == {"offload/es1/state", "offload/es1/aigc/results",
                                          "offload/es1/aigc/state"}
    assert {"offload/es1/offload", "offload/es1/aigc/place"} <= \
        allowed(acl, "es1", "declare_queryable")
    assert "offload/es1/offload" not in allowed(acl, "agv1", "declare_queryable")
    assert "offload/es1/aigc/place" not in allowed(acl, "es2", "declare_queryable")
    assert allowed(acl, "agv1_policy", "put") == set()
    assert {"offload/agv1/decide", "offload/agv1/decide_aigc"} <= \
        allowed(acl, "agv1_policy", "reply")
    assert "offload/agv2/decide" not in allowed(acl, "agv1_policy", "reply")
    assert "offload/agv2/decide_aigc" not in allowed(acl, "agv1_policy", "reply")
    assert allowed(acl, "sim_clock", "put") == {"offload/clock"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    certs = FleetSecurity.for_demo(SCENARIO).write(tmp_path_factory.mktemp("certs"))
    endpoint = f"tcp/127.0.0.1:{free_port()}"
    router = ZenohBus(ZenohConfig(mode="router", connect=endpoint, tls_dir=str(certs)),
                      "router")
    buses = []

    def member(name, tls_dir=certs):
        bus = ZenohBus(ZenohConfig(mode="client", connect=endpoint, tls_dir=str(tls_dir)),
                       name)
        buses.append(bus)
        return bus

    yield member, endpoint
    for bus in buses:
        bus.close()
    router.close()


def test_certificate_files_are_written_with_private_keys_for_the_owner_only(tmp_path):
    folder = FleetSecurity.for_demo(SCENARIO).write(tmp_path)
    assert (folder / "ca.pem").is_file() and (folder / "access_control.json").is_file()
    for name in ("router", "sim_clock", "es1", "agv1", "agv1_policy"):
        assert (folder / f"{name}.pem").read_text().startswith("-----BEGIN CERTIFICATE")
        assert (folder / f"{name}.key").stat().st_mode & 0o077 == 0
    with pytest.raises(TransportError, match="no certificate for 'agv9'"):
        FleetSecurity.session_tls(folder, "agv9")


def test_an_outside_client_cannot_connect(fleet, tmp_path):
    member, endpoint = fleet
    other = FleetSecurity.for_demo(SCENARIO).write(tmp_path / "other")   # another CA
    with pytest.raises(TransportError, match="cannot open a Zenoh session"):
        member("agv1", tls_dir=other)
    with pytest.raises(TransportError, match="cannot open a Zenoh session"):
        ZenohBus(ZenohConfig(mode="client", connect=endpoint.replace("tcp/", "tls/")),
                 "agv1")                                                    # no certificate


def test_members_speak_only_for_themselves(fleet):
    member, _ = fleet
    clock = member("sim_clock")
    seen: dict[str, list[str]] = {"state": [], "status": []}
    events = {k: threading.Event() for k in ("es1 state", "agv2 status")}

    def on_state(msg, sender):
        seen["state"].append(sender)
        if sender == "es1":
            events["es1 state"].set()

    def on_status(msg, sender):
        seen["status"].append(f"{sender}:{msg.agv_id}")
        if sender == "agv2" and msg.agv_id == "agv2":
            events["agv2 status"].set()

    clock.subscribe("/es1/state", "EdgeServerState", on_state)
    clock.subscribe("/*/status", "AgvStatus", on_status)
    es1, agv1, agv2 = member("es1"), member("agv1"), member("agv2")

    answered = []

    def on_offload(request, sender):
        answered.append(sender)
        return TYPES.make("Offload_Response", admitted_kb=1.0)

    es1.serve("/es1/offload", "Offload", on_offload)
    # agv2 tries to answer offers as es2, to publish es1's state and agv1's status
    agv2.serve("/es2/offload", "Offload", on_offload)
    agv2.publish("/es1/state", "EdgeServerState", TYPES.make("EdgeServerState", es_id="es1"))
    agv2.publish("/agv1/status", "AgvStatus", TYPES.make("AgvStatus", agv_id="agv1"))
    agv2.publish("/agv2/status", "AgvStatus", TYPES.make("AgvStatus", agv_id="agv2"))
    es1.publish("/es1/state", "EdgeServerState", TYPES.make("EdgeServerState", es_id="es1"))
    assert events["agv2 status"].wait(WAIT) and events["es1 state"].wait(WAIT)
    # agv2's own status came through after its forgeries (one session, in order): they
    # would have too, had the router let them
    assert seen["state"] == ["es1"]
    assert seen["status"] == ["agv2:agv2"]
    request = TYPES.make("Offload_Request", agv_id="agv1", amount_kb=5.0)
    assert agv1.call("/es1/offload", "Offload", request, timeout=WAIT) is not None
    assert agv1.call("/es2/offload", "Offload", request, timeout=2.0) is None
    assert answered == ["agv1"]

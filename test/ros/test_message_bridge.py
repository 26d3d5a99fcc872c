"""The bridge between the runtime's messages and rclpy's generated classes: every
offload_interfaces type makes the round trip field for field; constants are never copied; an
int given for a float64 field is coerced; a value a field cannot take names the field."""

from __future__ import annotations

import pytest

from test.ros.conftest import skip_without_ros

skip_without_ros()

from offload_ros.bag.message_types import MessageTypes  # noqa: E402
from offload_ros.ros.message_bridge import MessageBridge  # noqa: E402
from offload_ros.runtime.errors import NodeError  # noqa: E402

TYPES = MessageTypes.default()
BRIDGE = MessageBridge(TYPES)

SAMPLES = {
    "AgvStatus": dict(header={"stamp": {"sec": 12, "nanosec": 5}, "frame_id": "map"},
                      agv_id="agv3", state=2, cycle=4, stop=1, target_es="es2",
                      position={"x": 1.5, "y": -2.0, "z": 0.0}, next_event_s=301.25,
                      next_event_kind=0, remaining_kb=12.5, loaded_kb=900.0,
                      delivered_kb=887.5, in_doubt_kb=0, wait_s=33.0, waits=2, decisions=9,
                      fallbacks=1, retries=3),
    "EdgeServerState": dict(es_id="es1", capacity_kb=150.0, rate_kb_per_min=60,
                            backlog_kb=149.0, processed_kb=1000.0, admitted_kb=1149.0,
                            door_queue=["agv1", "agv4"], door_remaining_kb=[10.0, 20.5],
                            agv_ids=["agv1"], agv_admitted_kb=[1149.0], requests=7,
                            duplicates=1, rejected=0, aigc_pending=2, restarts=1),
    "Pheromone": dict(agv_id="agv2", es_id="es3", need_kb=40.0, wait_s=12.0,
                      door_rate_kb_per_s=1.0, returns_s=500.0, cycle_s=300.0,
                      expires_s=1400.0),
    "Transition": dict(agv_id="agv1", es_id="es1", policy="mcoo", cycle=1, stop=0,
                       observation=[0.5, 1.0, -2.0], action=3, default_action=1,
                       remaining_kb=300.0, plan_kb=100.0, amount_kb=90.0, admitted_kb=90.0,
                       reward=90.0, fallback=True),
    "AigcResult": dict(task_id="agv1:x:task0", agv_id="agv1", es_id="es1", status=0,
                       defect_class="crack", submitted_s=10.0, queue_s=0.1, latency_s=25.0,
                       images=[{"height": 2, "width": 2, "encoding": "mono8", "step": 2,
                                "data": [0, 64, 128, 255]}]),
    "Offload_Request": dict(request_id="agv1:r:1", agv_id="agv1", stamp_s=5, cycle=0,
                            stop=1, last_stop=True, amount_kb=250.0, resolve_only=False,
                            tasks=[{"task_id": "t1", "defect_class": "pit", "images": 4,
                                    "resolution": 32, "steps": 20, "seed": 2**40,
                                    "input_kb": 2.0, "output_kb": 4.0, "deadline_s": 600.0}]),
    "Offload_Response": dict(status=1, admitted_kb=20.0, free_kb=20.0, release_s=99.5,
                             door_position=2, backlog_kb=150.0, reason="", duplicate=True),
    "Decide_Request": dict(agv_id="agv1", time_s=3.0, cycle=0, stop=0, stops=3,
                           remaining_kb=300.0, load_kb=300.0, plan_kb=120.0, es_id="es1",
                           backlog_kb=0.0, free_kb=150.0, capacity_kb=150.0,
                           rate_kb_per_min=60.0, door_queue=1,
                           pheromones=[{"agv_id": "agv2", "es_id": "es1", "need_kb": 5.0,
                                        "expires_s": 900.0}]),
    "Decide_Response": dict(ok=True, amount_kb=120.0, action=255, policy="balanced",
                            reason=""),
}


def _ros_class(typename: str):
    if "_" in typename:
        service, part = typename.split("_")
        return getattr(MessageBridge.ros_type(service), part)
    return MessageBridge.ros_type(typename)


@pytest.mark.parametrize("typename", sorted(SAMPLES))
def test_every_message_type_makes_the_round_trip(typename):
    sent = TYPES.make(typename, **SAMPLES[typename])
    ros = BRIDGE.to_ros(sent, _ros_class(typename))
    back = BRIDGE.from_ros(ros, typename)
    assert _same(MessageTypes.to_dict(back), MessageTypes.to_dict(sent))
    assert TYPES.encode(typename, back) == TYPES.encode(typename, sent)   # same CDR bytes


def _same(a, b) -> bool:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        return all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert len(a) == len(b)
        return all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-6)
        return True
    assert a == b
    return True


def test_constants_are_not_fields_and_numbers_take_their_fields_type():
    from offload_interfaces.msg import AgvStatus
    ros = BRIDGE.to_ros(TYPES.make("AgvStatus", **SAMPLES["AgvStatus"]), AgvStatus)
    assert AgvStatus.STATE_WAITING == 2 and ros.state == AgvStatus.STATE_WAITING
    assert isinstance(ros.in_doubt_kb, float) and ros.in_doubt_kb == 0.0   # int 0 given
    ros2 = BRIDGE.to_ros({"agv_id": "agv1", "cycle": 3.0, "wait_s": 7}, AgvStatus)
    assert (ros2.cycle, ros2.wait_s) == (3, 7.0)


def test_a_value_a_field_cannot_take_names_the_field():
    from offload_interfaces.msg import AgvStatus
    with pytest.raises(NodeError, match=r"AgvStatus\.cycle"):
        BRIDGE.to_ros({"cycle": -1}, AgvStatus)

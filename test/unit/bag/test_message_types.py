"""offload_interfaces in a rosbags typestore: every type encodes to CDR and decodes back."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes
from rosbags.typesys.base import Nodetype

TYPES = MessageTypes.default()


def filled(typename: str, seed: int = 1) -> dict:
    """Every field set to a non-default value derived from its name and ``seed``."""
    _, defs = TYPES.typestore.fielddefs[typename]
    out = {}
    for k, (name, (kind, detail)) in enumerate(defs):
        v = seed + k
        if kind == Nodetype.BASE:
            base = detail[0]
            out[name] = (f"{name}-{v}" if base == "string" else True if base == "bool"
                         else v + 0.25 if base.startswith("float") else v % 200 + 1)
        elif kind == Nodetype.NAME:
            out[name] = filled(detail, v)
        else:
            sub = detail[0]
            if sub[0] == Nodetype.BASE:
                out[name] = [f"x{v}", f"y{v}"] if sub[1][0] == "string" else \
                    [v % 100 + 1, v % 100 + 2]
            else:
                out[name] = [filled(sub[1], v), filled(sub[1], v + 1)]
    return out


@pytest.mark.parametrize("typename", TYPES.names)
def test_every_type_roundtrips_through_cdr(typename):
    msg = TYPES.make(typename, **filled(typename))
    data = TYPES.encode(typename, msg)
    back = TYPES.decode(typename, data)
    assert MessageTypes.to_dict(back) == MessageTypes.to_dict(msg)
    assert data[:4] == b"\x00\x01\x00\x00"      # CDR little-endian encapsulation, as ROS 2


def test_services_are_registered_as_rosidl_names_them():
    assert "offload_interfaces/srv/Offload_Request" in TYPES.names
    assert TYPES.full("Decide_Response") == "offload_interfaces/srv/Decide_Response"
    # a nested message of the package resolves to offload_interfaces/msg/...
    req = TYPES.make("Decide_Request", pheromones=[{"agv_id": "agv2", "need_kb": 3.5}])
    assert req.pheromones[0].__msgtype__ == "offload_interfaces/msg/Pheromone"


def test_defaults_are_zero_and_arrays_typed():
    st = TYPES.make("EdgeServerState", door_remaining_kb=[1.5, 2.0])
    assert st.backlog_kb == 0.0 and st.es_id == "" and st.door_queue == []
    assert st.door_remaining_kb.dtype == np.float64


@pytest.mark.parametrize("data", [b"", b"\xff\xff", b"\x00\x01\x00\x00garbage", bytes(3)])
def test_garbage_is_a_bag_error_naming_the_type(data):
    with pytest.raises(BagError, match="AgvStatus"):
        TYPES.decode("AgvStatus", data)


def test_unknown_field_and_type_are_named():
    with pytest.raises(BagError, match="no field 'speed'"):
        TYPES.make("AgvStatus", speed=3)
    with pytest.raises(BagError, match="unknown message type 'Nope'"):
        TYPES.make("Nope")


def test_stamp_roundtrip():
    stamp = TYPES.make("builtin_interfaces/msg/Time", **MessageTypes.stamp(12.345678901))
    assert MessageTypes.seconds(stamp) == pytest.approx(12.345678901, abs=1e-9)


def test_the_scene_type_roundtrips_through_cdr():
    # the demo's /fleet/scene (visualization_msgs/msg/MarkerArray, in the typestore already)
    msg = TYPES.make("visualization_msgs/msg/MarkerArray", markers=[
        {"ns": "es/es1", "id": 0, "type": 1, "pose": {"position": {"x": 1.0, "y": 2.0}},
         "scale": {"x": 1.5, "y": 1.5, "z": 1.5}, "color": {"r": 0.9, "a": 1.0}},
        {"ns": "route/agv1", "id": 0, "type": 4, "points": [{"x": 0.0}, {"x": 3.0}],
         "text": "agv1"}])
    back = TYPES.decode("visualization_msgs/msg/MarkerArray",
                        TYPES.encode("visualization_msgs/msg/MarkerArray", msg))
    assert [(m.ns, m.type, m.text) for m in back.markers] == \
        [("es/es1", 1, ""), ("route/agv1", 4, "agv1")]
    assert back.markers[0].pose.position.y == 2.0 and back.markers[0].scale.z == 1.5
    assert back.markers[0].color.r == pytest.approx(0.9)        # float32
    assert [p.x for p in back.markers[1].points] == [0.0, 3.0]
    with pytest.raises(BagError, match="no field"):      # a misspelt field is an error
        TYPES.make("visualization_msgs/msg/Marker", colour={"r": 1.0})

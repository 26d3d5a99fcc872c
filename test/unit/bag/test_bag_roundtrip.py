"""A bag written by BagRecorder reads back with BagReader: topics, types, QoS, messages and
the exported transitions."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from offload_ros.bag.bag_reader import BagReader
from offload_ros.bag.bag_recorder import BagRecorder
from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes

TYPES = MessageTypes.default()


def transition(t: float, agv: str, action: int, reward: float):
    return TYPES.make("Transition", header={"stamp": MessageTypes.stamp(t)}, agv_id=agv,
                      es_id="es1", observation=np.arange(4, dtype=np.float32) + t,
                      action=action, default_action=2, reward=reward, amount_kb=reward + 1,
                      admitted_kb=reward)


@pytest.fixture
def bag(tmp_path):
    path = tmp_path / "bag"
    with BagRecorder(path) as rec:
        for k in range(3):
            t = 10.0 * (k + 1)
            rec.write_message("/es1/state", int(t * 1e9), TYPES.make(
                "EdgeServerState", header={"stamp": MessageTypes.stamp(t)}, es_id="es1",
                backlog_kb=k))
            rec.write_message("/offload/transitions", int(t * 1e9),
                              transition(t, f"agv{k % 2 + 1}", k, 5.0 * k))
        rec.write_message("/agv1/status", int(31e9), TYPES.make("AgvStatus", agv_id="agv1"))
    return path


def test_info_lists_topics_types_and_counts(bag):
    info = BagReader(bag).info()
    assert info["storage"] == "mcap"
    assert info["messages"] == 7
    assert info["topics"]["/es1/state"] == {"type": "offload_interfaces/msg/EdgeServerState",
                                            "messages": 3}
    assert info["topics"]["/offload/transitions"]["messages"] == 3
    assert info["duration_s"] == pytest.approx(21.0)


def test_qos_of_the_topic_table_is_recorded(bag):
    meta = yaml.safe_load((bag / "metadata.yaml").read_text())
    topics = {t["topic_metadata"]["name"]: t["topic_metadata"]
              for t in meta["rosbag2_bagfile_information"]["topics_with_message_count"]}
    qos = topics["/es1/state"]["offered_qos_profiles"]
    qos = yaml.safe_load(qos) if isinstance(qos, str) else qos
    assert qos[0]["durability"] == "transient_local" and qos[0]["depth"] == 1
    assert qos[0]["reliability"] == "reliable"


def test_messages_decode_to_what_was_written(bag):
    states = [m for _, _, m in BagReader(bag).messages(("/es1/state",))]
    assert [m.backlog_kb for m in states] == [0.0, 1.0, 2.0]


def test_export_transitions_roundtrip(bag, tmp_path):
    out = BagReader(bag).export_transitions(tmp_path / "t.npz")
    assert out["transitions"] == 3 and out["per_agv"] == {"agv1": 2, "agv2": 1}
    data = np.load(tmp_path / "t.npz")
    assert data["observation"].shape == (3, 4)
    assert data["action"].tolist() == [0, 1, 2]
    assert data["reward"].tolist() == [0.0, 5.0, 10.0]
    assert data["default_action"].tolist() == [2, 2, 2]
    np.testing.assert_allclose(data["observation"][1], np.arange(4) + 20.0)


def test_a_bag_without_transitions_and_a_non_bag_are_named(tmp_path):
    path = tmp_path / "b"
    with BagRecorder(path) as rec:
        rec.write_message("/agv1/status", 1, TYPES.make("AgvStatus"))
    with pytest.raises(BagError, match="no /offload/transitions"):
        BagReader(path).transitions()
    with pytest.raises(BagError, match="not a rosbag2 folder"):
        BagReader(tmp_path)
    with pytest.raises(BagError, match="not one of offload_ros's"):
        BagRecorder(tmp_path / "c").write("/elsewhere", 0, b"")

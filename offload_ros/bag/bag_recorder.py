"""Writes a rosbag2 (MCAP storage) of CDR payloads, one connection per topic, with the QoS of
DESIGN.md's topic table, readable by ``ros2 bag info`` and by :class:`BagReader`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes
from offload_ros.bag.topic_catalog import TopicCatalog


class BagRecorder:
    """``with BagRecorder(path) as bag: bag.write("/es1/state", t_ns, cdr_bytes)``.
    Thread-safe; a topic's connection is added at its first message."""

    def __init__(self, path: str | Path, types: MessageTypes | None = None) -> None:
        from rosbags.rosbag2 import StoragePlugin, Writer
        self.path = Path(path)
        self.types = types or MessageTypes.default()
        try:
            self.writer = Writer(self.path, version=9, storage_plugin=StoragePlugin.MCAP)
            self.writer.open()
        except Exception as err:  # noqa: BLE001 - WriterError, OSError
            raise BagError(f"cannot write a bag at {self.path}: {err}") from err
        self.connections: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def write(self, topic: str, stamp_ns: int, data: bytes) -> None:
        with self.lock:
            conn = self.connections.get(topic)
            if conn is None:
                spec = TopicCatalog.spec(topic)
                conn = self.writer.add_connection(
                    topic, spec.typename, typestore=self.types.typestore,
                    offered_qos_profiles=[TopicCatalog.qos(topic)])
                self.connections[topic] = conn
            self.writer.write(conn, int(stamp_ns), data)
            self.counts[topic] = self.counts.get(topic, 0) + 1

    def write_message(self, topic: str, stamp_ns: int, message: Any) -> None:
        self.write(topic, stamp_ns, self.types.encode(TopicCatalog.spec(topic).typename,
                                                      message))

    def close(self) -> None:
        with self.lock:
            self.writer.close()

    def __enter__(self) -> "BagRecorder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

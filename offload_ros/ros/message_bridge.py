"""Between the runtime's messages (rosbags dataclasses built from offload_interfaces) and
rclpy's generated classes, field by field; and each topic's QoS from the topic table."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from offload_ros.bag.message_types import MessageTypes
from offload_ros.bag.topic_catalog import TopicCatalog


class MessageBridge:
    def __init__(self, types: MessageTypes | None = None) -> None:
        self.types = types or MessageTypes.default()

    @staticmethod
    def ros_type(typename: str) -> Any:
        """``AgvStatus`` → offload_interfaces.msg.AgvStatus; ``Offload`` → the service."""
        for kind in ("msg", "srv"):
            module = importlib.import_module(f"offload_interfaces.{kind}")
            if hasattr(module, typename):
                return getattr(module, typename)
        pkg, kind, name = typename.split("/")
        return getattr(importlib.import_module(f"{pkg}.{kind}"), name)

    def to_ros(self, message: Any, ros_cls: Any) -> Any:
        out = ros_cls()
        for name in message.__dataclass_fields__:
            if name == "__msgtype__":
                continue
            value = getattr(message, name)
            current = getattr(out, name)
            if hasattr(value, "__dataclass_fields__"):
                value = self.to_ros(value, type(current))
            elif isinstance(value, np.ndarray):
                value = value.tolist()
            elif isinstance(value, list) and value and hasattr(value[0], "__dataclass_fields__"):
                field_type = out.get_fields_and_field_types()[name]
                elem = field_type[len("sequence<"):-1].replace("::", "/")
                pkg, rest = elem.split("/", 1)
                cls = getattr(importlib.import_module(f"{pkg}.msg"), rest.split("/")[-1])
                value = [self.to_ros(v, cls) for v in value]
            setattr(out, name, value)
        return out

    def from_ros(self, message: Any, typename: str) -> Any:
        return self.types.make(typename, **self._plain(message))

    def _plain(self, message: Any) -> dict[str, Any]:
        out = {}
        for name in message.get_fields_and_field_types():
            value = getattr(message, name)
            if hasattr(value, "get_fields_and_field_types"):
                value = self._plain(value)
            elif isinstance(value, (list, tuple)) and value and \
                    hasattr(value[0], "get_fields_and_field_types"):
                value = [self._plain(v) for v in value]
            elif not isinstance(value, (str, bytes, int, float, bool)):
                value = list(value)
            out[name] = value
        return out

    @staticmethod
    def qos(topic: str) -> QoSProfile:
        s = TopicCatalog.spec(topic)
        return QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=s.depth,
            reliability=ReliabilityPolicy.RELIABLE if s.reliable
            else ReliabilityPolicy.BEST_EFFORT,
            durability=DurabilityPolicy.TRANSIENT_LOCAL if s.transient_local
            else DurabilityPolicy.VOLATILE)

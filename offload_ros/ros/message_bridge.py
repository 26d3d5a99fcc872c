"""Between the runtime's messages (rosbags dataclasses built from offload_interfaces) and
rclpy's generated classes, by the rosidl field list of the ROS class (``SLOT_TYPES``; the
message's constants are not fields and are never copied), each value coerced to its field's
type (an int into a float64 field, numpy arrays into sequences), nested messages and
sequences of them recursively; and each topic's QoS from the topic table."""

from __future__ import annotations

import importlib
import math
from typing import Any

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosidl_parser.definition import AbstractNestedType, AbstractString, BasicType, \
    NamespacedType

from offload_ros.bag.message_types import MessageTypes
from offload_ros.bag.topic_catalog import TopicCatalog
from offload_ros.runtime.errors import NodeError

_FLOAT = {"float", "double", "long double"}
_INT_RANGE = {f"{sign}int{bits}": (0, 2**bits - 1) if sign else (-2**(bits - 1), 2**(bits - 1) - 1)
              for sign in ("", "u") for bits in (8, 16, 32, 64)}
_BOOL = {"boolean"}
_BYTES = {"octet"}


class MessageBridge:
    def __init__(self, types: MessageTypes | None = None) -> None:
        self.types = types or MessageTypes.default()

    @staticmethod
    def ros_type(typename: str) -> Any:
        """``AgvStatus`` → offload_interfaces.msg.AgvStatus; ``Offload`` → the service;
        ``pkg/msg/Name`` → that class."""
        if "/" not in typename:
            for kind in ("msg", "srv"):
                module = importlib.import_module(f"offload_interfaces.{kind}")
                if hasattr(module, typename):
                    return getattr(module, typename)
            raise NodeError(f"no offload_interfaces type {typename!r}")
        pkg, kind, name = typename.split("/")
        return getattr(importlib.import_module(f"{pkg}.{kind}"), name)

    @staticmethod
    def _namespaced(t: NamespacedType) -> Any:
        return getattr(importlib.import_module(".".join(t.namespaces)), t.name)

    # ------------------------------------------------------------------ to rclpy
    def to_ros(self, message: Any, ros_cls: Any) -> Any:
        """A ``ros_cls`` instance with every field of ``message`` (a rosbags dataclass or a
        dict) the ROS class declares."""
        out = ros_cls()
        get = message.get if isinstance(message, dict) else \
            (lambda name, default=None: getattr(message, name, default))
        for name, slot in zip(ros_cls.get_fields_and_field_types(), ros_cls.SLOT_TYPES):
            value = get(name, None)
            if value is None:
                continue
            try:
                setattr(out, name, self._coerce(slot, value))
            except (TypeError, ValueError, AssertionError) as err:
                raise NodeError(f"{ros_cls.__name__}.{name}: cannot take {value!r} "
                                f"({err})") from err
        return out

    def _coerce(self, slot: Any, value: Any) -> Any:
        if isinstance(slot, BasicType):
            t = slot.typename
            if t in _FLOAT:
                return float(value)
            if t in _BOOL:
                return bool(value)
            if t in _BYTES:
                return bytes([value]) if isinstance(value, int) else bytes(value)
            if t in ("char", "wchar"):
                return str(value)
            number = int(value)
            low, high = _INT_RANGE.get(t, (-math.inf, math.inf))
            if not low <= number <= high or number != value:
                raise ValueError(f"not a {t}")
            return number
        if isinstance(slot, AbstractString):
            return str(value)
        if isinstance(slot, NamespacedType):
            return self.to_ros(value, self._namespaced(slot))
        if isinstance(slot, AbstractNestedType):
            return [self._coerce(slot.value_type, v) for v in value]
        raise NodeError(f"unsupported rosidl type {slot!r}")

    # ------------------------------------------------------------------ from rclpy
    def from_ros(self, message: Any, typename: str) -> Any:
        return self.types.make(typename, **self.plain(message))

    def plain(self, message: Any) -> dict[str, Any]:
        """A ROS message as plain Python values by its field list (nested: dicts)."""
        out = {}
        for name, slot in zip(message.get_fields_and_field_types(), message.SLOT_TYPES):
            out[name] = self._plain_value(slot, getattr(message, name))
        return out

    def _plain_value(self, slot: Any, value: Any) -> Any:
        if isinstance(slot, NamespacedType):
            return self.plain(value)
        if isinstance(slot, AbstractNestedType):
            return [self._plain_value(slot.value_type, v) for v in value]
        if isinstance(slot, BasicType) and slot.typename in _FLOAT:
            return float(value)
        return value

    @staticmethod
    def qos(topic: str) -> QoSProfile:
        s = TopicCatalog.spec(topic)
        return QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=s.depth,
            reliability=ReliabilityPolicy.RELIABLE if s.reliable
            else ReliabilityPolicy.BEST_EFFORT,
            durability=DurabilityPolicy.TRANSIENT_LOCAL if s.transient_local
            else DurabilityPolicy.VOLATILE)

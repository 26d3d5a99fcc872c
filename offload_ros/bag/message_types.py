"""offload_interfaces' .msg/.srv files registered at run time in a `rosbags` typestore, so
Zenoh payloads and bag files carry the CDR bytes ROS 2 itself would write (no ROS needed).

A service ``Offload`` is registered as rosidl does it: ``offload_interfaces/srv/Offload_Request``
and ``offload_interfaces/srv/Offload_Response``. Short names work everywhere a type name is
asked for: ``AgvStatus``, ``Offload_Request``, ``std_msgs/msg/Header``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.base import Nodetype

from offload_ros.bag.errors import BagError

PACKAGE = "offload_interfaces"
_NUMPY = {"bool": np.bool_, "byte": np.uint8, "char": np.uint8, "int8": np.int8,
          "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16, "int32": np.int32,
          "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64, "float32": np.float32,
          "float64": np.float64}


class MessageTypes:
    """The ROS 2 Jazzy typestore plus offload_interfaces. ``MessageTypes.default()`` is built
    once per process."""

    _default: "MessageTypes | None" = None

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder else self.find_interfaces()
        self.typestore = get_typestore(Stores.ROS2_JAZZY)
        self.names: list[str] = []
        types: dict[str, Any] = {}
        for path in sorted((self.folder / "msg").glob("*.msg")):
            name = f"{PACKAGE}/msg/{path.stem}"
            types.update(self._parse(path.read_text(), name, path))
            self.names.append(name)
        for path in sorted((self.folder / "srv").glob("*.srv")):
            request, sep, response = path.read_text().partition("\n---")
            if not sep:
                raise BagError(f"{path}: a service needs a '---' line between request and "
                               f"response")
            for part, text in (("Request", request), ("Response", response)):
                name = f"{PACKAGE}/srv/{path.stem}_{part}"
                types.update(self._parse(text, name, path))
                self.names.append(name)
        if not self.names:
            raise BagError(f"{self.folder}: no msg/*.msg or srv/*.srv files")
        self.typestore.register(types)

    @classmethod
    def default(cls) -> "MessageTypes":
        if cls._default is None:
            cls._default = cls()
        return cls._default

    @staticmethod
    def find_interfaces() -> Path:
        """``$OFFLOAD_INTERFACES_DIR``, the source checkout or pip share, or the ament index."""
        here = Path(__file__).resolve().parents[2]
        candidates = [Path(os.environ["OFFLOAD_INTERFACES_DIR"])] \
            if os.environ.get("OFFLOAD_INTERFACES_DIR") else []
        candidates.append(here / PACKAGE)
        try:
            from offload_ros.model.package_paths import PackagePaths
            candidates.append(PackagePaths.share() / PACKAGE)
        except Exception:  # noqa: BLE001 - no share directory: try the others
            pass
        try:
            from ament_index_python.packages import get_package_share_directory
            candidates.append(Path(get_package_share_directory(PACKAGE)))
        except Exception:  # noqa: BLE001 - not under ROS
            pass
        for path in candidates:
            if (path / "msg" / "AgvStatus.msg").is_file():
                return path
        raise BagError("cannot find offload_interfaces (msg/AgvStatus.msg) in "
                       + ", ".join(map(str, candidates))
                       + "; set OFFLOAD_INTERFACES_DIR to its folder")

    @staticmethod
    def _parse(text: str, name: str, path: Path) -> dict[str, Any]:
        # a bare type from this package (Pheromone, OffloadTask) is a message of it
        own = {p.stem for p in (path.parent.parent / "msg").glob("*.msg")}
        text = re.sub(r"^(\s*)(" + "|".join(sorted(own)) + r")(\[\d*\])?(\s)",
                      lambda m: f"{m[1]}{PACKAGE}/msg/{m[2]}{m[3] or ''}{m[4]}", text,
                      flags=re.M) if own else text
        try:
            types = get_types_from_msg(text, name)
        except Exception as err:  # noqa: BLE001 - the parser raises several kinds
            raise BagError(f"{path}: cannot parse {name}: {err}") from err
        # the parser files every type under <pkg>/msg/; rosidl names services' parts
        # <pkg>/srv/<Name>_Request
        return {k.replace("/srv/msg/", "/srv/"): v for k, v in types.items()}

    # ------------------------------------------------------------------ names
    def full(self, typename: str) -> str:
        if "/" in typename:
            if typename not in self.typestore.fielddefs:
                raise BagError(f"unknown message type {typename!r}")
            return typename
        for kind in ("msg", "srv"):
            name = f"{PACKAGE}/{kind}/{typename}"
            if name in self.typestore.fielddefs:
                return name
        raise BagError(f"unknown message type {typename!r} (offload_interfaces has "
                       + ", ".join(n.rsplit("/", 1)[1] for n in self.names) + ")")

    # ------------------------------------------------------------------ build
    def make(self, typename: str, **fields: Any) -> Any:
        """A message with every field not given set to zero, empty or its default message.
        Lists for primitive sequences become NumPy arrays of the field's type; a dict for a
        nested message is built recursively."""
        name = self.full(typename)
        _, defs = self.typestore.fielddefs[name]
        known = {f for f, _ in defs}
        unknown = set(fields) - known
        if unknown:
            raise BagError(f"{name} has no field {sorted(unknown)[0]!r}")
        values = {}
        for fname, desc in defs:
            values[fname] = self._value(desc, fields[fname], name, fname) if fname in fields \
                else self._zero(desc)
        return self.typestore.types[name](**values)

    def _zero(self, desc: tuple) -> Any:
        kind, detail = desc
        if kind == Nodetype.BASE:
            base = detail[0]
            return "" if base == "string" else (False if base == "bool" else
                                                 (0.0 if base.startswith("float") else 0))
        if kind == Nodetype.NAME:
            return self.make(detail)
        sub, count = detail
        if kind == Nodetype.ARRAY:
            if sub[0] == Nodetype.BASE and sub[1][0] in _NUMPY:
                return np.zeros(count, dtype=_NUMPY[sub[1][0]])
            return [self._zero(sub) for _ in range(count)]
        if sub[0] == Nodetype.BASE and sub[1][0] in _NUMPY:
            return np.zeros(0, dtype=_NUMPY[sub[1][0]])
        return []

    def _value(self, desc: tuple, value: Any, name: str, fname: str) -> Any:
        kind, detail = desc
        if kind == Nodetype.NAME and isinstance(value, dict):
            return self.make(detail, **value)
        if kind in (Nodetype.ARRAY, Nodetype.SEQUENCE):
            sub = detail[0]
            if sub[0] == Nodetype.BASE and sub[1][0] in _NUMPY:
                return np.asarray(value, dtype=_NUMPY[sub[1][0]])
            if sub[0] == Nodetype.NAME:
                return [self.make(sub[1], **v) if isinstance(v, dict) else v for v in value]
            return list(value)
        return value

    # ------------------------------------------------------------------ CDR
    def encode(self, typename: str, message: Any) -> bytes:
        name = self.full(typename)
        try:
            return bytes(self.typestore.serialize_cdr(message, name))
        except Exception as err:  # noqa: BLE001 - rosbags raises several kinds
            raise BagError(f"cannot encode {name}: {type(err).__name__}: {err}") from err

    def decode(self, typename: str, data: bytes | memoryview) -> Any:
        name = self.full(typename)
        try:
            return self.typestore.deserialize_cdr(data, name)
        except Exception as err:  # noqa: BLE001 - garbage bytes raise anything
            raise BagError(f"{len(data)} bytes are not a CDR {name}: "
                           f"{type(err).__name__}: {err}") from err

    @staticmethod
    def to_dict(message: Any) -> Any:
        """Plain Python (dicts, lists, numbers, strings) for JSON and tables."""
        if isinstance(message, np.ndarray):
            return message.tolist()
        if isinstance(message, (list, tuple)):
            return [MessageTypes.to_dict(m) for m in message]
        if hasattr(message, "__dataclass_fields__"):
            return {k: MessageTypes.to_dict(getattr(message, k))
                    for k in message.__dataclass_fields__ if k != "__msgtype__"}
        return message

    @staticmethod
    def stamp(seconds: float) -> dict[str, int]:
        """A builtin_interfaces/Time as a dict, from seconds (sim time)."""
        ns = int(round(max(0.0, seconds) * 1e9))
        return {"sec": ns // 1_000_000_000, "nanosec": ns % 1_000_000_000}

    @staticmethod
    def seconds(stamp: Any) -> float:
        return stamp.sec + stamp.nanosec * 1e-9

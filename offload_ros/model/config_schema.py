"""One dataclass per component is the single source of its defaults and docs: this turns it
into command-line flags and into ``ros__parameters`` YAML."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from offload_ros.model.errors import ModelError


class ConfigSchema:
    """Reads a component's dataclass fields (default, ``help`` and ``unit`` metadata)."""

    def __init__(self, cls: type) -> None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        self.cls = cls

    def fields(self) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(self.cls)
                if f.default is not dataclasses.MISSING and f.init]

    def add_arguments(self, parser: argparse.ArgumentParser, *, prefix: str = "",
                      rename: dict[str, str] | None = None) -> None:
        """Add ``--name`` per field (``--prefix-name`` with a prefix), typed by its default.
        A field with ``const`` metadata takes an optional value: ``--name`` alone means
        ``const``, ``--name VALUE`` the value, no flag the default; ``metavar`` metadata
        names the value in the help."""
        rename = rename or {}
        for f in self.fields():
            flag = "--" + prefix + rename.get(f.name, f.name).replace("_", "-")
            unit = f.metadata.get("unit")
            const = f.metadata.get("const")
            help_ = f.metadata.get("help", "") + (f" [{unit}]" if unit else "") + \
                (f" (alone: {const})" if const is not None else "") + \
                f" (default: {f.default})"
            optional = {} if const is None else {"nargs": "?", "const": const}
            parser.add_argument(flag, dest=prefix.replace("-", "_") + f.name,
                                type=self.converter(f.default), default=f.default,
                                help=help_.replace("%", "%%"),
                                metavar=f.metadata.get("metavar", f.name.upper()), **optional)

    @classmethod
    def converter(cls, default: Any) -> Any:
        """What turns a flag's or option's text into a value of ``default``'s type."""
        return cls.boolean if isinstance(default, bool) else type(default)

    @staticmethod
    def boolean(text: str) -> bool:
        """A flag's true/false (``bool("False")`` would be True)."""
        value = text.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")

    def from_namespace(self, ns: argparse.Namespace, *, prefix: str = "") -> Any:
        values = {f.name: getattr(ns, prefix.replace("-", "_") + f.name) for f in self.fields()}
        return self.cls(**values)

    def from_options(self, text: str, owner: str) -> Any:
        """An instance from ``key=value`` pairs joined by ``:`` (``"margin_kb=200:base=plan"``,
        what follows ``NAME:`` in a policy name), each value typed by the field's default;
        the others keep their defaults. Errors name ``owner`` and the option."""
        known = {f.name: f for f in self.fields()}
        values: dict[str, Any] = {}
        for item in text.split(":"):
            key, eq, raw = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise ModelError(f"{owner}: option {item!r} is not KEY=VALUE (options: "
                                 f"{', '.join(known)})")
            if key not in known:
                raise ModelError(f"{owner}: unknown option {key!r} (options: "
                                 f"{', '.join(known)})")
            if key in values:
                raise ModelError(f"{owner}: option {key!r} given twice")
            default = known[key].default
            try:
                values[key] = self.converter(default)(raw.strip())
            except (ValueError, argparse.ArgumentTypeError) as err:
                raise ModelError(f"{owner}: option {key}={raw!r} is not of type "
                                 f"{type(default).__name__}") from err
        try:
            return self.cls(**values)
        except ValueError as err:        # the dataclass's own checks (a layer's error type)
            raise ModelError(f"{owner}: {err}") from err

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields()}

    def describe(self) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in self.fields()}

    @staticmethod
    def ros_parameters(nodes: dict[str, list[type]]) -> dict[str, Any]:
        """``{node: {"ros__parameters": {...}}}`` from the defaults of each node's dataclasses."""
        out: dict[str, Any] = {}
        for node, classes in nodes.items():
            params: dict[str, Any] = {}
            for cls in classes:
                params.update(ConfigSchema(cls).defaults())
            out[node] = {"ros__parameters": params}
        return out

"""YAML → :class:`Scenario`, with errors that name the file, the line and the field."""

from __future__ import annotations

import difflib
import re
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import yaml

from offload_ros.model.agv import Agv
from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.edge_server import EdgeServer
from offload_ros.model.errors import ModelError
from offload_ros.model.scenario import Scenario


class _NumberLoader(yaml.SafeLoader):
    """YAML 1.1 (PyYAML) reads ``1e308`` and ``5e3`` as strings: it wants a dot in a float.
    Scenario files are written by people, so an exponent without a dot is a number too."""


_NumberLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)$"),
    list("-+0123456789"))


class ScenarioLoader:
    """Reads a scenario file. Every check comes from the dataclasses' field metadata; range
    and cross-reference checks are :meth:`Scenario.problems`, mapped back to YAML lines."""

    def load(self, path: str | Path) -> Scenario:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelError(f"cannot read scenario: {err}", file=str(path)) from err
        return self.loads(text, source=str(path), default_name=path.stem)

    def loads(self, text: str, source: str = "<string>", default_name: str = "scenario") -> Scenario:
        self._source = source
        self._lines: dict[str, int] = {}
        self._problems: list[tuple[str | None, int | None, str]] = []
        try:
            loader = _NumberLoader(text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise ModelError(f"not valid YAML: {problem}", file=source, line=line) from err
        if root is None:
            raise ModelError("empty file: a scenario needs edge_servers and agvs", file=source)
        self._constructor = _NumberLoader("")
        top = self._mapping(root, "", Scenario,
                            skip=("edge_servers", "agvs", "aigc", "disturbance"))
        ess = [self._mapping(n, f"edge_servers[{i}]", EdgeServer)
               for i, n in enumerate(self._sequence(top.pop("edge_servers", None), "edge_servers"))]
        agvs = [self._mapping(n, f"agvs[{i}]", Agv)
                for i, n in enumerate(self._sequence(top.pop("agvs", None), "agvs"))]
        if "aigc" in top:
            top["aigc"] = self._mapping(top["aigc"], "aigc", AigcSettings)
        if "disturbance" in top:
            top["disturbance"] = self._mapping(top["disturbance"], "disturbance", Disturbance)
        if self._problems:
            self._raise()
        top.setdefault("name", default_name)
        try:
            if "aigc" in top:
                top["aigc"] = AigcSettings(**top["aigc"])
            if "disturbance" in top:
                top["disturbance"] = Disturbance(**top["disturbance"])
            return Scenario(edge_servers=tuple(EdgeServer(**e) for e in ess),
                            agvs=tuple(Agv(**a) for a in agvs), **top)
        except ModelError as err:
            self._problems = [(f, self._line_of(f), m) for f, _, m in err.problems]
            self._raise(err)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ helpers
    def _raise(self, cause: Exception | None = None) -> None:
        field, line, message = self._problems[0]
        raise ModelError(message, file=self._source, line=line, field=field,
                         problems=self._problems) from cause

    def _line_of(self, path: str | None) -> int | None:
        while path:
            if path in self._lines:
                return self._lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self._lines.get("")

    def _problem(self, path: str, node: yaml.Node, message: str) -> None:
        self._problems.append((path or None, node.start_mark.line + 1, message))

    def _sequence(self, node: yaml.Node | None, path: str) -> list[yaml.Node]:
        if node is None:
            self._problems.append((path, self._lines.get(""), "missing (required)"))
            return []
        if not isinstance(node, yaml.SequenceNode):
            self._problem(path, node, "must be a list")
            return []
        return list(node.value)

    def _mapping(self, node: yaml.Node, path: str, cls: type,
                 skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """Check one mapping against a dataclass; returns typed values (skipped keys as nodes)."""
        self._lines[path] = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            self._problem(path, node, f"must be a mapping of {cls.__name__} fields")
            return {}
        spec = {f.name: f for f in fields(cls)}
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            where = f"{path}.{key}" if path else str(key)
            if key not in spec:
                close = difflib.get_close_matches(str(key), list(spec), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else \
                    f" (known: {', '.join(spec)})"
                self._problem(where, key_node, f"unknown key {key!r}{hint}")
                continue
            if key in out:
                self._problem(where, key_node, "given twice")
                continue
            self._lines[where] = value_node.start_mark.line + 1
            if key in skip:
                out[key] = value_node
                continue
            ok, value = self._typed(value_node, where, spec[key].metadata)
            if ok:
                out[key] = value
        for name, f in spec.items():
            if name not in out and name not in skip and f.default is MISSING \
                    and f.default_factory is MISSING and not any(
                        p[0] == (f"{path}.{name}" if path else name) for p in self._problems):
                self._problem(f"{path}.{name}" if path else name, node, "missing (required)")
        return out

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return node
        return self._constructor.construct_object(node, deep=True)

    def _typed(self, node: yaml.Node, path: str, meta: Any) -> tuple[bool, Any]:
        kind = meta.get("kind")
        value = self._scalar(node)
        if value is None and meta.get("optional"):
            return True, None

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool)

        def items(expect: str) -> list[Any] | None:
            if not isinstance(node, yaml.SequenceNode):
                self._problem(path, node, f"must be a list of {expect}, not {_shown(value)}")
                return None
            return [self._scalar(n) for n in node.value]

        if kind == "id":
            if isinstance(value, str) and value.strip():
                return True, value
            self._problem(path, node, f"must be a non-empty string, not {_shown(value)}")
        elif kind == "number":
            if is_num(value):
                return True, float(value)
            self._problem(path, node, f"must be a number, not {_shown(value)}")
        elif kind == "choice":
            if value in meta["choices"]:
                return True, value
            self._problem(path, node,
                          f"must be one of {', '.join(meta['choices'])}, not {_shown(value)}")
        elif kind == "position":
            xs = items("two numbers [x, y]")
            if xs is not None:
                if len(xs) == 2 and all(is_num(x) for x in xs):
                    return True, (float(xs[0]), float(xs[1]))
                self._problem(path, node, f"must be two numbers [x, y], not {xs!r}")
        elif kind == "id_list":
            xs = items("edge server ids")
            if xs is not None:
                bad = [x for x in xs if not isinstance(x, str)]
                if not bad:
                    return True, tuple(xs)
                self._problem(path, node, f"must be a list of edge server ids; {bad[0]!r} "
                                          "is not a string")
        elif kind == "text_list":
            xs = items("names")
            if xs is not None:
                bad = [x for x in xs if not isinstance(x, str) or not x.strip()]
                if not bad:
                    return True, tuple(xs)
                self._problem(path, node, f"must be a list of names; {bad[0]!r} is not one")
        elif kind == "number_list":
            xs = items("numbers")
            if xs is not None:
                bad = [x for x in xs if not is_num(x)]
                if not bad:
                    return True, tuple(float(x) for x in xs)
                self._problem(path, node, f"must be a list of numbers; {bad[0]!r} is not one")
        else:  # pragma: no cover - a dataclass field without a kind is a programming error
            raise AssertionError(f"field {path} has no loader kind")
        return False, None


def _shown(value: Any) -> str:
    if isinstance(value, yaml.Node):
        return "a list" if isinstance(value, yaml.SequenceNode) else "a mapping"
    return repr(value)

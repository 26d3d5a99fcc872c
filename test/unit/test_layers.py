"""DESIGN.md's layers: a module imports only its own layer and the layers below it; only
ros/ imports rclpy; torch and diffusers only in learning/ and aigc/."""

from __future__ import annotations

import ast

from test.conftest import ROOT

ORDER = ["model", "sim", "planning|learning|aigc|bag", "evaluation", "runtime",
         "transport|ros", "cli"]
RANK = {name: i for i, group in enumerate(ORDER) for name in group.split("|")}
HEAVY = {"torch": {"learning", "aigc"}, "diffusers": {"aigc"}, "rclpy": {"ros"}}


def imports(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_layers_import_only_downwards():
    package = ROOT / "offload_ros"
    bad = []
    for path in package.rglob("*.py"):
        rel = path.relative_to(package)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if layer not in RANK:
            continue
        for name in imports(path):
            parts = name.split(".")
            if parts[0] == "offload_ros" and len(parts) > 1 and parts[1] in RANK:
                if RANK[parts[1]] > RANK[layer] or (RANK[parts[1]] == RANK[layer]
                                                     and parts[1] != layer):
                    bad.append(f"{rel} imports {name}")
            if parts[0] in HEAVY and layer not in HEAVY[parts[0]]:
                bad.append(f"{rel} imports {name}")
    assert not bad, "\n".join(bad)

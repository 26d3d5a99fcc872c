"""The pinned versions: constraints-ros.txt (a venv on a ROS 2 Jazzy's Python) pins the same
packages as constraints.txt, at the same versions except where ROS needs numpy 1."""

from __future__ import annotations

from test.conftest import ROOT


def test_the_ros_constraints_differ_only_where_ros_needs_numpy_1():
    def pins(name):
        return dict(line.split("==") for line in (ROOT / name).read_text().splitlines()
                    if line and not line.startswith("#"))
    plain, ros = pins("constraints.txt"), pins("constraints-ros.txt")
    assert plain.keys() == ros.keys()
    assert {k for k in plain if plain[k] != ros[k]} == {"numpy", "scipy", "matplotlib"}
    assert ros["numpy"].startswith("1.")

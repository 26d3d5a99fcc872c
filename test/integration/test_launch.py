"""launch_pytest test of launch/compare.launch.py. Needs a ROS 2 (Jazzy) environment with
offload_ros built by colcon; skips cleanly where rclpy or launch_pytest is missing (CI)."""

from __future__ import annotations

import importlib.util

import pytest

pytest.importorskip("rclpy", reason="ROS 2 is not sourced (no rclpy)")
launch_pytest = pytest.importorskip("launch_pytest", reason="launch_pytest is not installed")

from launch import LaunchDescription  # noqa: E402
from launch.actions import ExecuteProcess  # noqa: E402
from launch_pytest.tools import process as process_tools  # noqa: E402

from test.conftest import ROOT  # noqa: E402


def _compare_description() -> LaunchDescription:
    spec = importlib.util.spec_from_file_location("compare_launch",
                                                  ROOT / "launch" / "compare.launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


@pytest.fixture
def described():
    return _compare_description()


@pytest.fixture
def compare_proc(described):
    (proc,) = [e for e in described.entities if isinstance(e, ExecuteProcess)]
    return proc


@launch_pytest.fixture
def launch_description(described):
    return LaunchDescription([*described.entities, launch_pytest.actions.ReadyToTest()])


@pytest.mark.launch(fixture=launch_description)
def test_compare_launch_prints_the_table(compare_proc, launch_context):
    assert process_tools.wait_for_output_sync(
        launch_context, compare_proc, lambda out: "flow bound" in out and "wrote" in out,
        timeout=120)
    yield
    assert compare_proc.return_code == 0

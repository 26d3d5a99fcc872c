"""launch_pytest test of launch/compare.launch.py: it runs `offload-ros compare` and prints
the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from test.ros.conftest import skip_without_ros

skip_without_ros()

import launch_pytest  # noqa: E402
from ament_index_python.packages import get_package_share_directory  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import ExecuteProcess  # noqa: E402
from launch.launch_description_sources import \
    get_launch_description_from_python_launch_file  # noqa: E402
from launch_pytest.tools import process as process_tools  # noqa: E402


@pytest.fixture
def described(tmp_path):
    path = Path(get_package_share_directory("offload_ros")) / "launch" / "compare.launch.py"
    return get_launch_description_from_python_launch_file(str(path))


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
        timeout=180)
    # it exits by itself once the figure is written (the launch ending would interrupt it)
    assert process_tools.wait_for_exit_sync(launch_context, compare_proc, timeout=60)
    yield
    assert compare_proc.return_code == 0

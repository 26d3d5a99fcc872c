"""The restart policy every fleet launch file gives its node processes (launch_ros ``Node``'s
``respawn``, ``respawn_delay``, ``respawn_max_retries``), declared and read in one place."""

from __future__ import annotations

from typing import Any

from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration

NAMES = ("respawn", "respawn_delay", "respawn_max_retries")


class LaunchRespawn:
    """``*LaunchRespawn.arguments()`` in a LaunchDescription; ``Node(...,
    **LaunchRespawn.options(context))`` in its OpaqueFunction."""

    @staticmethod
    def arguments() -> list[DeclareLaunchArgument]:
        return [DeclareLaunchArgument("respawn", default_value="true",
                                      description="restart a node process that dies"),
                DeclareLaunchArgument("respawn_delay", default_value="2.0",
                                      description="seconds before a restart"),
                DeclareLaunchArgument("respawn_max_retries", default_value="3",
                                      description="restarts per node (negative: no limit)")]

    @staticmethod
    def options(context: Any) -> dict[str, Any]:
        arg = {n: LaunchConfiguration(n).perform(context) for n in NAMES}
        return {"respawn": arg["respawn"].lower() == "true",
                "respawn_delay": float(arg["respawn_delay"]),
                "respawn_max_retries": int(arg["respawn_max_retries"])}

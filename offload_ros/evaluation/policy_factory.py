"""Any policy by the name users type: a planner, or (once trained ones ship) a learned one."""

from __future__ import annotations

from pathlib import Path

from offload_ros.model.scenario import Scenario
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.planner_registry import PlannerRegistry
from offload_ros.evaluation.errors import EvaluationError

LEARNED = ("mcoo", "amarl", "dqn", "ac")


class PolicyFactory:
    """``PolicyFactory.make("balanced", scenario)``; learned names take ``NAME[:CHECKPOINT]``."""

    @staticmethod
    def names() -> tuple[str, ...]:
        return PlannerRegistry.names() + LEARNED

    @staticmethod
    def make(name: str, scenario: Scenario) -> object:
        algo, _, path = name.partition(":")
        if algo in LEARNED:
            where = Path(path) if path else Path("models") / algo
            raise EvaluationError(
                f"policy {name!r}: learned policies are not available yet: this release "
                f"ships no trainer and no checkpoint (looked for {where}); use one of the "
                f"planners: {', '.join(PlannerRegistry.names())}")
        try:
            return PlannerRegistry.make(name, scenario)
        except PlanningError as err:
            if "unknown planner" in str(err):
                raise EvaluationError(f"unknown policy {name!r} (known: "
                                      f"{', '.join(PolicyFactory.names())})") from err
            raise EvaluationError(str(err)) from err

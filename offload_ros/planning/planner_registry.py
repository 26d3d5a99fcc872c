"""Planners by name."""

from __future__ import annotations

from typing import Callable

from offload_ros.model.scenario import Scenario
from offload_ros.planning.balanced_planner import BalancedPlanner
from offload_ros.planning.cooperative_planner import CooperativePlanner
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.fixed_planner import FixedPlanner
from offload_ros.planning.greedy_planner import GreedyPlanner
from offload_ros.planning.random_planner import RandomPlanner
from offload_ros.planning.rollout_planner import RolloutPlanner
from offload_ros.planning.searched_planner import SearchedPlanner


class PlannerRegistry:
    """``PlannerRegistry.make("balanced", scenario)`` → a policy for the simulator."""

    FACTORIES: dict[str, Callable[[Scenario], object]] = {
        "greedy": GreedyPlanner,
        "fixed": FixedPlanner,
        "balanced": BalancedPlanner,
        "cooperative": CooperativePlanner,
        "random": RandomPlanner,
        "rollout": RolloutPlanner,
        "searched": SearchedPlanner,
    }

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.FACTORIES)

    @classmethod
    def make(cls, name: str, scenario: Scenario) -> object:
        try:
            factory = cls.FACTORIES[name]
        except KeyError as err:
            raise PlanningError(f"unknown planner {name!r} (planners: "
                                f"{', '.join(cls.FACTORIES)})") from err
        return factory(scenario)

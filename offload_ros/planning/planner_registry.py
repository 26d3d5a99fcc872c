"""Planners by name, with options: ``NAME:KEY=VALUE[:KEY=VALUE...]`` sets fields of the
planner's config dataclass (``rollout:margin_kb=200:base=plan``)."""

from __future__ import annotations

from typing import Callable

from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.errors import ModelError
from offload_ros.model.scenario import Scenario
from offload_ros.planning.balanced_planner import BalancedPlanner
from offload_ros.planning.cooperative_planner import CooperativePlanner, CooperativePlannerConfig
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.fixed_planner import FixedPlanner
from offload_ros.planning.greedy_planner import GreedyPlanner
from offload_ros.planning.random_planner import RandomPlanner
from offload_ros.planning.rollout_planner import RolloutPlanner, RolloutPlannerConfig
from offload_ros.planning.searched_planner import SearchedPlanner
from offload_ros.sim.plan_search import PlanSearchConfig


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
    #: planners that take options, and the dataclass the options set
    OPTIONS: dict[str, type] = {
        "cooperative": CooperativePlannerConfig,
        "rollout": RolloutPlannerConfig,
        "searched": PlanSearchConfig,
    }

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.FACTORIES)

    @classmethod
    def make(cls, name: str, scenario: Scenario) -> object:
        """``name``'s planner for ``scenario``; with options, named ``name`` in results."""
        base, _, options = name.partition(":")
        try:
            factory = cls.FACTORIES[base]
        except KeyError as err:
            raise PlanningError(f"unknown planner {base!r} (planners: "
                                f"{', '.join(cls.FACTORIES)})") from err
        if not options:
            return factory(scenario)
        if base not in cls.OPTIONS:
            raise PlanningError(f"policy {name!r}: planner {base!r} takes no options (those "
                                f"that do: {', '.join(cls.OPTIONS)})")
        try:
            config = ConfigSchema(cls.OPTIONS[base]).from_options(options, f"policy {name!r}")
        except ModelError as err:
            raise PlanningError(str(err)) from err
        planner = factory(scenario, config)
        planner.name = name
        return planner

"""Planners (greedy, fixed, balanced = Algorithm 1, cooperative = pheromone game, random) and
the max-flow upper bound."""

import importlib

#: name -> module; imported on first use, so ``offload_ros.planning.errors`` (or a planner)
#: loads without scipy, which only the flow bound needs
_HOME = {"BalancedPlanner": "balanced_planner", "CooperativePlanner": "cooperative_planner",
         "CooperativePlannerConfig": "cooperative_planner", "FixedPlanner": "fixed_planner",
         "FlowBound": "flow_bound", "FlowBoundResult": "flow_bound",
         "GreedyPlanner": "greedy_planner", "PlannerRegistry": "planner_registry",
         "PlanningError": "errors", "RandomPlanner": "random_planner"}

__all__ = ["BalancedPlanner", "CooperativePlanner", "CooperativePlannerConfig", "FixedPlanner",
           "FlowBound", "FlowBoundResult", "GreedyPlanner", "PlannerRegistry", "PlanningError",
           "RandomPlanner"]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)

"""Planners (greedy, fixed, balanced = Algorithm 1, cooperative = pheromone game, random) and
the max-flow upper bound."""

from offload_ros.planning.balanced_planner import BalancedPlanner
from offload_ros.planning.cooperative_planner import CooperativePlanner, CooperativePlannerConfig
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.fixed_planner import FixedPlanner
from offload_ros.planning.flow_bound import FlowBound, FlowBoundResult
from offload_ros.planning.greedy_planner import GreedyPlanner
from offload_ros.planning.planner_registry import PlannerRegistry
from offload_ros.planning.random_planner import RandomPlanner

__all__ = ["BalancedPlanner", "CooperativePlanner", "CooperativePlannerConfig", "FixedPlanner",
           "FlowBound", "FlowBoundResult", "GreedyPlanner", "PlannerRegistry", "PlanningError",
           "RandomPlanner"]

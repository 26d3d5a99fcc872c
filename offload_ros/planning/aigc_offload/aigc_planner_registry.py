"""AIGC offloading baselines by name (``random``, ``nearest``, ``greedy``,
``batch_greedy``)."""

from __future__ import annotations

from offload_ros.planning.aigc_offload.aigc_batch_greedy_planner import AigcBatchGreedyPlanner
from offload_ros.planning.aigc_offload.aigc_greedy_planner import AigcGreedyPlanner
from offload_ros.planning.aigc_offload.aigc_nearest_planner import AigcNearestPlanner
from offload_ros.planning.aigc_offload.aigc_random_planner import AigcRandomPlanner
from offload_ros.planning.errors import PlanningError


class AigcPlannerRegistry:
    """``AigcPlannerRegistry.make("greedy", seed)`` → an object with ``act(AigcObservation)``."""

    FACTORIES = {"random": AigcRandomPlanner, "nearest": AigcNearestPlanner,
                 "greedy": AigcGreedyPlanner, "batch_greedy": AigcBatchGreedyPlanner}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.FACTORIES)

    @classmethod
    def make(cls, name: str, seed: int = 0):
        try:
            return cls.FACTORIES[name](seed)
        except KeyError as err:
            raise PlanningError(f"unknown AIGC planner {name!r} (planners: "
                                f"{', '.join(cls.FACTORIES)})") from err

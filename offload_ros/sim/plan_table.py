"""A fixed plan over the learned policies' action set: one action per (AGV, stop)."""

from __future__ import annotations

from typing import Sequence

from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.errors import SimError
from offload_ros.sim.observation import Observation


class PlanTable:
    """``actions[agv][stop]`` is an :class:`ActionSet` index (a multiple of the Algorithm 1
    plan, or all it carries); at a stop the AGV asks for ``ActionSet.amount`` of it, so the
    table means the same thing to the simulator as a learned actor that always picks those
    actions. It is a policy (``decide``), what :class:`PlanSearch` finds, and the teacher
    that per-factory training imitates."""

    name = "searched"

    def __init__(self, actions: Sequence[Sequence[int]], value_kb: float = float("nan"),
                 greedy_kb: float = float("nan")) -> None:
        size = ActionSet.size()
        rows = [list(int(a) for a in row) for row in actions]
        for m, row in enumerate(rows):
            for k, a in enumerate(row):
                if not 0 <= a < size:
                    raise SimError(f"plan table: action [{m}][{k}] = {a} is not in 0..{size - 1}")
        self.actions = rows
        self.value_kb = value_kb      # the search's objective (mean processed kB)
        self.greedy_kb = greedy_kb    # greedy's on the same episodes

    def action(self, obs: Observation) -> int:
        return self.actions[obs.agv][obs.stop]

    def decide(self, obs: Observation) -> float:
        return ActionSet.amount(self.actions[obs.agv][obs.stop], obs)

    @property
    def gain(self) -> float:
        """The searched value over greedy's on the search's own episodes."""
        return self.value_kb / self.greedy_kb if self.greedy_kb > 0 else float("nan")

    def describe(self, agv_ids: Sequence[str]) -> list[str]:
        """One line per AGV: its action name at each stop but the last."""
        return [f"{agv}: " + ", ".join(ActionSet.NAMES[a] for a in row[:-1])
                for agv, row in zip(agv_ids, self.actions)]

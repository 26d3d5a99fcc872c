"""Counterfactual replay: the episode again with one AGV on its default (Algorithm 1)
behaviour, for MCOO's difference reward (eq. 25): D_m = G(actual) - G(AGV m on default).

The other AGVs repeat their recorded requests (their n-th request at their n-th decision,
clipped to what they carry; their plan once the recording runs out), so only AGV m's choice
changes. It is cheap because a recorded episode keeps, for each AGV, a snapshot of the state
just before its first decision that differs from its plan: the replay resumes there instead of
starting over, and an AGV that never deviated needs no replay at all (D_m = 0).
"""

from __future__ import annotations

from typing import Callable

from offload_ros.sim.errors import SimError
from offload_ros.sim.sim_result import SimResult
from offload_ros.sim.simulator import Simulator


def processed_kb(result: SimResult) -> float:
    return result.processed_kb


class CounterfactualReplay:
    """Replays recorded episodes of one simulator."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    def replay(self, episode: SimResult, agent: int) -> SimResult:
        """The episode with AGV ``agent`` (index) on its default plan throughout."""
        trace = self._trace(episode)
        if not 0 <= agent < len(self.simulator.agv_ids):
            raise SimError(f"no AGV with index {agent} in {self.simulator.scenario.name!r}")
        snap = trace.snapshots.get(agent)
        if snap is None:
            return episode
        label = f"{episode.policy} | {self.simulator.agv_ids[agent]}:default"
        return self.simulator.resume(snap, trace.requests, agent, label)

    def difference_rewards(self, episode: SimResult,
                           value: Callable[[SimResult], float] = processed_kb) -> list[float]:
        """D_m for every AGV: ``value(episode) - value(replay(episode, m))``."""
        base = value(episode)
        return [base - value(self.replay(episode, m)) for m in range(len(self.simulator.agv_ids))]

    @staticmethod
    def _trace(episode: SimResult):
        if episode.trace is None:
            raise SimError("counterfactual replay needs an episode run with record=True")
        return episode.trace

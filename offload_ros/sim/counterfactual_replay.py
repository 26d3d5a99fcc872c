"""Counterfactual replay: the episode again with one AGV on its default (Algorithm 1)
behaviour, for MCOO's difference reward (eq. 25): D_m = G(actual) - G(AGV m on default).

The other AGVs repeat their recorded requests (their n-th request at their n-th decision,
clipped to what they carry; their plan once the recording runs out), so only AGV m's choice
changes. It is cheap because a recorded episode keeps, for each AGV, a snapshot of the state
just before its first decision that differs from its plan: the replay resumes there instead of
starting over, and an AGV that never deviated needs no replay at all (D_m = 0).
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

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

    def step_rewards(self, episode: SimResult) -> list[list[float]]:
        """Per AGV, one reward per decision it made: the work processed from that decision to
        its next one (to the horizon after its last), eq. 19's objective seen from that AGV.
        They sum to what was processed from its first decision on."""
        trace = self._trace(episode)
        done: list[list[float]] = [[] for _ in self.simulator.agv_ids]
        for d in trace.decisions:
            done[d[1]].append(d[8])
        out = []
        for p in done:
            p = p + [episode.processed_kb]
            out.append([p[j + 1] - p[j] for j in range(len(p) - 1)])
        return out

    def decision_differences(self, episode: SimResult, requests: Sequence[Sequence[float]],
                             which: Iterable[int] | None = None) -> dict[int, float]:
        """Eq. 25 per decision: ``D_j = G - G_j``, ``G_j`` being the episode with decision
        ``j`` (index in ``trace.decisions``) answered by the plan and every other decision,
        this AGV's later ones included, making the same choice: ``requests[m][n]`` is AGV
        ``m``'s n-th choice as a multiple of its plan (``inf``: all it carries). Needs an
        episode recorded with per-decision snapshots; a decision whose effect equals the
        plan's has no snapshot and ``D_j = 0`` exactly (it is left out of the answer).
        ``which`` limits the replays to those decisions."""
        trace = self._trace(episode)
        if not trace.per_decision:
            raise SimError("per-decision differences need an episode recorded with "
                           "per_decision snapshots")
        base = episode.processed_kb
        choices = [list(r) for r in requests]
        out = {}
        for j in (trace.decision_snapshots if which is None else which):
            snap = trace.decision_snapshots.get(j)
            if snap is None:
                continue
            m = trace.decisions[j][1]
            n = snap.ndec[m]  # its own decisions before this one
            kept, choices[m][n] = choices[m][n], 1.0
            res = self.simulator.resume(snap, choices, -1, "decision-default", relative=True)
            choices[m][n] = kept
            out[j] = base - res.processed_kb
        return out

    @staticmethod
    def _trace(episode: SimResult):
        if episode.trace is None:
            raise SimError("counterfactual replay needs an episode run with record=True")
        return episode.trace

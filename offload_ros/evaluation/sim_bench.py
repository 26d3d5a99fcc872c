"""``offload-ros bench sim``: simulator speed, the cost of counterfactual replays, and the
rollout planner's cost per decision (full and truncated lookahead)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.planning.planner_registry import PlannerRegistry
from offload_ros.planning.rollout_planner import RolloutPlanner, RolloutPlannerConfig
from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.simulator import Simulator


def _cpu_per_call(fn: Callable[[], object], min_s: float) -> tuple[float, int]:
    """CPU seconds per call, over at least ``min_s`` of CPU (process time, not wall)."""
    fn()
    n, start = 0, time.process_time()
    while True:
        fn()
        n += 1
        used = time.process_time() - start
        if used >= min_s:
            return used / n, n


class _TimedRollout(RolloutPlanner):
    """The rollout planner with each decision's CPU time kept."""

    def __init__(self, scenario: Scenario, config: RolloutPlannerConfig) -> None:
        super().__init__(scenario, config)
        self.cpu_s: list[float] = []

    def decide_in(self, obs, simulator, snapshot) -> float:
        start = time.process_time()
        amount = super().decide_in(obs, simulator, snapshot)
        self.cpu_s.append(time.process_time() - start)
        return amount


class SimBench:
    """Measures everything in one run, so the ratios compare like with like."""

    ROLLOUT_LOOKAHEADS_S = (0.0, 600.0)       # to the horizon, and 10 sim minutes

    def __init__(self, scenario_path: Path, min_s: float = 0.5) -> None:
        self.scenario_path = scenario_path
        self.scenario = Scenario.load(scenario_path)
        self.min_s = min_s

    def rollout_costs(self, sim: Simulator) -> dict:
        """Per lookahead: CPU per decision (p50, p99, max), rollouts per decision, and the
        episode's processed work against greedy's."""
        greedy = sim.run(PlannerRegistry.make("greedy", self.scenario)).processed_kb
        out = {}
        for lookahead in self.ROLLOUT_LOOKAHEADS_S:
            planner = _TimedRollout(self.scenario, RolloutPlannerConfig(lookahead_s=lookahead))
            res = sim.run(planner)
            ms = np.asarray(planner.cpu_s) * 1e3
            out["horizon" if lookahead == 0 else f"{lookahead:g} s"] = {
                "lookahead_s": lookahead, "decisions": len(ms),
                "decision_cpu_ms_p50": float(np.percentile(ms, 50)),
                "decision_cpu_ms_p99": float(np.percentile(ms, 99)),
                "decision_cpu_ms_max": float(ms.max()),
                "rollouts_per_decision": planner.rollouts / max(1, len(ms)),
                "episode_cpu_s": float(ms.sum() / 1e3),
                "vs_greedy": res.processed_kb / greedy}
        return out

    def run(self) -> dict:
        sc = self.scenario
        sim = Simulator(sc)
        out: dict = {"scenario": str(self.scenario_path), "agvs": len(sc.agvs),
                     "edge_servers": len(sc.edge_servers), "horizon_s": sc.horizon_s,
                     "policies": {}, "counterfactual": {}}
        for name in PlannerRegistry.names():
            if name == "fixed" and any(a.plan_kb is None for a in sc.agvs):
                continue
            if name == "rollout":             # timed per decision below
                continue
            policy = PlannerRegistry.make(name, sc)
            cpu, n = _cpu_per_call(lambda: sim.run(policy), self.min_s)
            res = sim.run(PlannerRegistry.make(name, sc))  # a fresh one: reproducible count
            out["policies"][name] = {"cpu_ms_per_episode": cpu * 1e3,
                                     "episodes_per_s": 1.0 / cpu, "episodes_timed": n,
                                     "decisions_per_episode": res.decisions}
        replay = CounterfactualReplay(sim)
        names = ["greedy", "cooperative", "random"]
        if PolicyFactory.checkpoint_path("mcoo").is_file():
            names.append("mcoo")  # the shipped trained policy: a network forward per decision
        for name in names:
            plain, _ = _cpu_per_call(lambda: sim.run(PolicyFactory.make(name, sc)), self.min_s)

            def difference_rewards() -> list[float]:
                episode = sim.run(PolicyFactory.make(name, sc), record=True)
                return replay.difference_rewards(episode)

            diff, _ = _cpu_per_call(difference_rewards, self.min_s)
            episode = sim.run(PolicyFactory.make(name, sc), record=True)
            requests = episode.trace.requests

            def from_scratch() -> None:
                for m in range(len(sc.agvs)):
                    sim.resume(None, requests, m, "scratch")

            scratch, _ = _cpu_per_call(from_scratch, self.min_s)
            # the replays alone, timed directly (diff - plain is noise when they cost ~nothing)
            replays, _ = _cpu_per_call(lambda: replay.difference_rewards(episode), self.min_s)
            out["counterfactual"][name] = {
                "plain_episode_ms": plain * 1e3,
                "difference_reward_episode_ms": diff * 1e3,
                "ratio_to_plain": diff / plain,
                "replays": len(sc.agvs),
                "agvs_deviating": len(episode.trace.snapshots),
                "replays_ms": replays * 1e3,
                "replays_from_scratch_ms": scratch * 1e3,
                "snapshot_saving": scratch / replays,
            }
        out["rollout"] = self.rollout_costs(sim)
        return out

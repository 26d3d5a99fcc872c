"""``offload-ros bench placement``: what live AIGC placement costs per decision, measured on
the live parts wired in one process (:class:`AigcLocalFleet`): an AGV's epoch with a task to
place (its observation row from the servers' states, the policy's action, the placement),
the size of a server's broadcast state, and the live episode's mean latency over the
model's (``aigc offload``) for the same task seed."""

from __future__ import annotations

import json
import time

import numpy as np

from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import AigcOffloadEvaluation
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_local_fleet import AigcLocalFleet
from offload_ros.runtime.aigc_placer import AigcPlacer


class AigcPlacementBench:
    """``run()`` → one row per (scenario, policy)."""

    def __init__(self, scenarios: list[Scenario], policies: tuple[str, ...],
                 seed: int = 0) -> None:
        self.scenarios, self.policies, self.seed = scenarios, policies, seed

    def run(self) -> list[dict]:
        rows = []
        for sc in self.scenarios:
            for policy in self.policies:
                rows.append(self.measure(sc, policy))
        return rows

    def measure(self, scenario: Scenario, policy: str) -> dict:
        task_seed = AigcOffloadEvaluation.task_seed(self.seed, 0)
        fleet = AigcLocalFleet(scenario, policy, task_seed)
        costs: list[float] = []
        sizes: list[int] = []
        for placer in fleet.placers:
            placer.epoch = self._timed(placer, costs)
        states = AigcLocalFleet.states
        fleet.states = lambda: self._sized(states(fleet), sizes)   # type: ignore[method-assign]
        live = fleet.run()
        model, _ = AigcOffloadEvaluation(policy).episode(scenario, task_seed)
        ms = np.array(costs) * 1e3
        return {"scenario": scenario.name, "policy": policy, "agvs": len(scenario.agvs),
                "decisions": len(costs),
                "epoch_p50_ms": float(np.percentile(ms, 50)) if len(ms) else 0.0,
                "epoch_p99_ms": float(np.percentile(ms, 99)) if len(ms) else 0.0,
                "state_bytes_max": max(sizes, default=0),
                "live_mean_latency_s": live["mean_latency_s"],
                "model_mean_latency_s": model["mean_latency_s"],
                "live_over_model": live["mean_latency_s"] / model["mean_latency_s"]
                if model["mean_latency_s"] else 1.0}

    @staticmethod
    def _timed(placer: AigcPlacer, costs: list[float]):
        epoch = placer.epoch

        def timed(t, states, ports):
            start = time.perf_counter()
            what = epoch(t, states, ports)
            if what:
                costs.append(time.perf_counter() - start)
            return what
        return timed

    @staticmethod
    def _sized(states: dict[str, dict], sizes: list[int]) -> dict[str, dict]:
        sizes.extend(len(json.dumps(s)) for s in states.values())
        return states

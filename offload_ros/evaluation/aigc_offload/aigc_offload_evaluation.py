"""``offload-ros aigc offload``: a policy over many episodes of AIGC offloading.

Episode ``k`` of a run with ``--seed S`` draws its tasks with seed
``EVALUATION_SEED_BASE + S * 100000 + k``, at or above the evaluation base, which training
never uses (training task seeds are below it). Latency figures pool every task of every episode;
``mean_episode_latency_s`` with its 95% CI is over episodes."""

from __future__ import annotations

import numpy as np

from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
from offload_ros.evaluation.statistics import Statistics
from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator


class AigcOffloadEvaluation:
    def __init__(self, policy: str, sample: bool = False) -> None:
        self.policy, self.sample = policy, sample
        AigcPolicyFactory.make(policy, 0, sample)   # a bad name or checkpoint fails first

    @staticmethod
    def task_seed(seed: int, episode: int) -> int:
        return Seeding.aigc_task_seed(seed, episode)

    def episode(self, scenario: Scenario, task_seed: int) -> tuple[dict, np.ndarray]:
        """One episode: its summary and every task's latency."""
        sim = AigcSimulator(scenario)
        sim.reset(task_seed)
        pol = AigcPolicyFactory.make(self.policy, task_seed, self.sample)
        while not sim.done:
            sim.step(pol.act(AigcObservation(sim)))
        sim.check_conservation()
        return sim.summary(), sim.latencies()

    def run(self, scenario: Scenario, episodes: int, seed: int, progress: bool = False) -> dict:
        """``episodes`` episodes of ``scenario`` with the held-out task seeds of ``seed``."""
        return self.pool([self.episode(scenario, self.task_seed(seed, k))
                          for k in _range(episodes, progress, self.policy)])

    def pool(self, results: list[tuple[dict, np.ndarray]]) -> dict:
        lat = np.concatenate([r[1] for r in results]) if results else np.zeros(0)
        met = sum(r[0]["completion_rate"] * r[0]["tasks"] for r in results)
        tasks = int(sum(r[0]["tasks"] for r in results))
        per_ep = [r[0]["mean_latency_s"] for r in results]
        ci = Statistics.of(per_ep)
        comp = Statistics.of([r[0]["completion_rate"] for r in results])
        return {"policy": self.policy, "episodes": len(results), "tasks": tasks,
                "mean_latency_s": float(lat.mean()) if tasks else 0.0,
                "p95_latency_s": float(np.percentile(lat, 95)) if tasks else 0.0,
                "completion_rate": met / tasks if tasks else 1.0,
                "mean_episode_latency_s": ci.mean,
                "mean_episode_latency_ci95": _finite(ci.half_width),
                "episode_completion_rate": comp.mean,
                "episode_completion_ci95": _finite(comp.half_width),
                "refusals": int(sum(r[0]["refusals"] for r in results)),
                "holds": int(sum(r[0]["holds"] for r in results))}


def _finite(x: float) -> float | None:
    """A CI needs two episodes; one gives None (JSON null), not NaN (not JSON)."""
    return None if x != x else x


def _range(n: int, progress: bool, label: str):
    if not progress:
        return range(n)
    from tqdm import tqdm
    return tqdm(range(n), desc=label, unit="episode", leave=False)

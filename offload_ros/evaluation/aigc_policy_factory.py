"""AIGC offloading policies by the name users type: a baseline planner (``random``,
``nearest``, ``greedy``), or a trained one (``amarl``, ``concat``, ``idqn``: the checkpoint
shipped in ``models/<name>/policy.pt``; ``NAME:PATH``: that checkpoint)."""

from __future__ import annotations

from pathlib import Path

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.planning.aigc_planner_registry import AigcPlannerRegistry

AIGC_TRAINED = ("amarl", "concat", "idqn")


class AigcPolicyFactory:
    """``make(name, seed)`` for one episode; a trained policy with ``sample=True`` draws its
    actions (seeded by ``seed``) instead of taking the most probable one."""

    _loaded: dict[tuple[str, float], object] = {}

    @staticmethod
    def names() -> tuple[str, ...]:
        return AigcPlannerRegistry.names() + AIGC_TRAINED

    @staticmethod
    def checkpoint_path(name: str) -> Path:
        return PolicyFactory.checkpoint_path(name)

    @classmethod
    def make(cls, name: str, seed: int = 0, sample: bool = False):
        algo = name.partition(":")[0]
        if algo in AigcPlannerRegistry.names() and ":" not in name:
            return AigcPlannerRegistry.make(algo, seed)
        if algo not in AIGC_TRAINED:
            raise EvaluationError(f"unknown AIGC offloading policy {name!r} (known: "
                                  f"{', '.join(cls.names())}, or NAME:CHECKPOINT for a "
                                  f"trained one)")
        return cls._learned(name, algo, seed, sample)

    @classmethod
    def _learned(cls, name: str, algo: str, seed: int, sample: bool):
        path = cls.checkpoint_path(name)
        try:
            key = (str(path.resolve()), path.stat().st_mtime)
        except OSError as err:
            raise EvaluationError(f"policy {name!r}: no checkpoint at {path} (train one with "
                                  f"`offload-ros train --algo {algo}`)") from err
        from offload_ros.learning.aigc_checkpoint import AigcCheckpoint
        from offload_ros.learning.aigc_policy import AigcPolicy
        from offload_ros.learning.errors import LearningError
        if key not in cls._loaded:
            try:
                ck = AigcCheckpoint.load(path)
            except LearningError as err:
                raise EvaluationError(f"policy {name!r}: {err}") from err
            cls._loaded[key] = (ck, ck.decider_network(path))
        ck, net = cls._loaded[key]
        if ck.algo != algo:
            raise EvaluationError(f"policy {name!r}: {path} holds a {ck.algo!r} policy, "
                                  f"not {algo!r}")
        return AigcPolicy(ck, seed=seed, sample=sample, network=net)

"""AIGC offloading policies by the name users type: a baseline planner (``random``,
``nearest``, ``greedy``), or a trained one (``amarl``, ``concat``, ``idqn``: the checkpoint
shipped in ``models/<name>/policy.pt``; ``NAME:PATH``: that checkpoint)."""

from __future__ import annotations

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.planning.aigc_offload.aigc_planner_registry import AigcPlannerRegistry

AIGC_TRAINED = ("amarl", "concat", "idqn")


class AigcPolicyFactory:
    """``make(name, seed)`` for one episode; a trained policy with ``sample=True`` draws its
    actions (seeded by ``seed``) instead of taking the most probable one. Checkpoints are read
    once per process (``PolicyFactory.cached``)."""

    @staticmethod
    def names() -> tuple[str, ...]:
        return AigcPlannerRegistry.names() + AIGC_TRAINED

    @classmethod
    def check(cls, name: str) -> str:
        """``name``'s algorithm, or :class:`EvaluationError` if it names no policy (nothing
        is loaded: a launch file checks names with it)."""
        algo = name.partition(":")[0]
        if not (algo in AigcPlannerRegistry.names() and ":" not in name) and \
                algo not in AIGC_TRAINED:
            raise EvaluationError(f"unknown AIGC offloading policy {name!r} (known: "
                                  f"{', '.join(cls.names())}, or NAME:CHECKPOINT for a "
                                  f"trained one)")
        return algo

    @classmethod
    def make(cls, name: str, seed: int = 0, sample: bool = False):
        algo = cls.check(name)
        if algo in AigcPlannerRegistry.names() and ":" not in name:
            return AigcPlannerRegistry.make(algo, seed)
        return cls._learned(name, algo, seed, sample)

    @staticmethod
    def _learned(name: str, algo: str, seed: int, sample: bool):
        from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
        from offload_ros.learning.aigc_offload.aigc_policy import AigcPolicy
        ck, net = PolicyFactory.cached(name, algo, AigcCheckpoint.load,
                                       lambda ck, path: ck.decider_network(path))
        return AigcPolicy(ck, seed=seed, sample=sample, network=net)

"""Any policy by the name users type: a planner, or a trained one (``mcoo``, ``dqn``, ``ac``:
the shipped model trained for the factory in hand, else the generalist
``models/<name>/policy.pt``, see ``ModelStore``; ``NAME:PATH``: that checkpoint)."""

from __future__ import annotations

from pathlib import Path

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.model_store import ModelStore
from offload_ros.model.scenario import Scenario
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.planner_registry import PlannerRegistry

TRAINED = ("mcoo", "dqn", "ac")


class PolicyFactory:
    """``PolicyFactory.make("balanced", scenario)``; learned names take ``NAME[:CHECKPOINT]``.
    Checkpoints are read once per process, without torch (``CheckpointReader``: a policy
    runs its actor on NumPy)."""

    _loaded: dict[tuple[str, float], object] = {}

    @staticmethod
    def names() -> tuple[str, ...]:
        return PlannerRegistry.names() + TRAINED

    store = ModelStore()

    @classmethod
    def checkpoint_path(cls, name: str, scenario: Scenario | None = None) -> Path:
        """``NAME:PATH``'s path; a bare name's shipped model for ``scenario``'s factory (the
        generalist, with a notice, where none was trained for it; the generalist for
        ``None``)."""
        algo, _, path = name.partition(":")
        if path:
            return Path(path)
        return cls.store.find(algo, scenario)

    @classmethod
    def make(cls, name: str, scenario: Scenario) -> object:
        algo, _, _ = name.partition(":")
        if algo == "amarl":
            raise EvaluationError(
                "policy 'amarl' is the AIGC offloading policy (GMEL); it does not drive this "
                "simulator: use `offload-ros aigc offload SCENARIO --policy amarl`")
        if algo in TRAINED:
            return cls._learned(name, algo, scenario)
        try:
            return PlannerRegistry.make(name, scenario)
        except PlanningError as err:
            if "unknown planner" in str(err):
                raise EvaluationError(f"unknown policy {name!r} (known: "
                                      f"{', '.join(PolicyFactory.names())}, or NAME:CHECKPOINT "
                                      f"for a trained one)") from err
            raise EvaluationError(str(err)) from err

    @classmethod
    def _learned(cls, name: str, algo: str, scenario: Scenario) -> object:
        from offload_ros.learning.checkpoint_reader import CheckpointReader
        from offload_ros.learning.learned_policy import LearnedPolicy
        ck, layers = cls.cached(name, algo, CheckpointReader.load, lambda ck, path: ck.layers,
                                scenario)
        return LearnedPolicy(scenario, ck, algo, layers)

    @classmethod
    def cached(cls, name: str, algo: str, load, build,
               scenario: Scenario | None = None) -> tuple[object, object]:
        """``(checkpoint, build(checkpoint, path))`` for ``NAME[:PATH]`` (for ``scenario``'s
        factory), read once per file version and process; errors name the policy, and the
        checkpoint's algorithm must be ``algo``."""
        path = cls.checkpoint_path(name, scenario)
        try:
            key = (str(path.resolve()), path.stat().st_mtime)
        except OSError as err:
            raise EvaluationError(f"policy {name!r}: no checkpoint at {path} (train one with "
                                  f"`offload-ros train --algo {algo}`)") from err
        from offload_ros.learning.errors import LearningError
        if key not in cls._loaded:
            try:
                ck = load(path)
                cls._loaded[key] = (ck, build(ck, path))
            except LearningError as err:
                raise EvaluationError(f"policy {name!r}: {err}") from err
        ck, built = cls._loaded[key]
        if ck.algo != algo:
            raise EvaluationError(f"policy {name!r}: {path} holds a {ck.algo!r} policy, "
                                  f"not {algo!r}")
        return ck, built

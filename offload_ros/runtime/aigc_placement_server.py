"""A policy node's AIGC side: answers an AGV's placement request (its own observation row,
:class:`AigcObservation`) with the action of an AIGC offloading policy by name (``greedy``,
``batch_greedy``, ``nearest``, ``random``, the shipped ``amarl``, ``concat``, ``idqn``, or
``NAME:CHECKPOINT``). Decentralised: the action depends on that row alone."""

from __future__ import annotations

import numpy as np

from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.learning.errors import LearningError
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.errors import NodeError
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcPlacementServer:
    """``decide(obs)`` → the action (0 holds, ``1 + k`` places on the scenario's ``k``-th
    edge server); a request that is not one row of this factory's observation raises
    :class:`NodeError` naming the field (the shell answers it not ok)."""

    def __init__(self, scenario: Scenario, policy: str, seed: int = 0) -> None:
        self.name = policy
        self.n_es = len(scenario.edge_servers)
        try:
            self.policy = AigcPolicyFactory.make(policy, seed)
        except (EvaluationError, LearningError) as err:
            raise NodeError(f"policy node: {err}") from err

    def decide(self, obs: AigcObservation) -> int:
        size = AigcObservation.size(self.n_es)
        if obs.features.shape != (1, size):
            raise NodeError(f"features: {obs.features.shape[-1]} values, this factory's "
                            f"observation has {size}")
        for name in ("eft_s", "eft_batch_s", "distance_m"):
            if getattr(obs, name).shape != (1, self.n_es):
                raise NodeError(f"{name}: {getattr(obs, name).shape[-1]} values, this factory "
                                f"has {self.n_es} edge servers")
        if not np.isfinite(obs.features).all():
            raise NodeError("features: not all finite")
        try:
            return int(self.policy.act(obs)[0])
        except LearningError as err:
            raise NodeError(f"policy {self.name!r}: {err}") from err

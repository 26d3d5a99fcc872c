"""AIGC baseline: least expected finish time, knowing the edge servers' batching rule.

Like ``greedy``, each AGV places its task alone on the edge server where it would be back
soonest, but the finish time is :meth:`AigcSimulator.finish_s`: the ES's service (the live
generation service's batching) played forward with the tasks uploading to it. A task that
can join a batch of the same steps and side forming there pays only its images' share of
the model call, so same-steps tasks are drawn to the same server when that is faster."""

from __future__ import annotations

import numpy as np

from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class AigcBatchGreedyPlanner:
    name = "batch_greedy"

    def __init__(self, seed: int = 0) -> None:
        del seed   # deterministic

    def act(self, obs: AigcObservation) -> np.ndarray:
        return obs.least(obs.eft_batch_s)

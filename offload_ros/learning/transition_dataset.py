"""Recorded transitions (``offload-ros bag export``: a live run's /offload/transitions) as a
replay batch for off-policy training.

Each AGV's decisions form one trajectory in time order. The reward is what the stop admitted
(eq. 19's per-decision kB), over ``reward_scale_kb``, as the rollouts' rewards are. A planner's
amount that is no action of the action set is mapped to the nearest one (all it carries,
or the nearest multiple of the plan).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from offload_ros.learning.errors import LearningError
from offload_ros.learning.rollout import RolloutBatch
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures

KEYS = ("agv", "time_s", "observation", "action", "amount_kb", "remaining_kb", "plan_kb",
        "admitted_kb")


class TransitionDataset:
    """``TransitionDataset.load(path, reward_scale_kb)`` → :class:`RolloutBatch`."""

    @staticmethod
    def load(path: str | Path, reward_scale_kb: float = 100.0) -> RolloutBatch:
        path = Path(path)
        try:
            data = dict(np.load(path))
        except (OSError, ValueError) as err:
            raise LearningError(f"dataset {path}: cannot read it: {err}") from err
        missing = [k for k in KEYS if k not in data]
        if missing:
            raise LearningError(f"dataset {path}: no {missing[0]!r} array (write it with "
                                f"`offload-ros bag export`)")
        obs = data["observation"].astype(np.float32)
        if obs.ndim != 2 or obs.shape[1] != ObservationFeatures.SIZE:
            raise LearningError(f"dataset {path}: observations have shape {obs.shape}, the "
                                f"networks take {ObservationFeatures.SIZE} features")
        actions = TransitionDataset.actions(data)
        order = np.lexsort((data["time_s"], data["agv"]))
        agv = data["agv"][order]
        last = np.ones(len(order), bool)
        last[:-1] = agv[1:] != agv[:-1]
        rewards = (data["admitted_kb"][order] / reward_scale_kb).astype(np.float32)
        return RolloutBatch(obs[order], np.zeros((len(order), 0), np.float32),
                            actions[order], rewards, last, [], 1)

    @staticmethod
    def actions(data: dict) -> np.ndarray:
        act = data["action"].astype(np.int64)
        amount, rem, plan = data["amount_kb"], data["remaining_kb"], data["plan_kb"]
        fractions = np.array([f for f in ActionSet.FRACTIONS if f is not None])
        for i in np.flatnonzero(act >= ActionSet.size()):
            if amount[i] >= rem[i] - 1e-9:
                act[i] = ActionSet.FRACTIONS.index(None)
            elif plan[i] > 0:
                act[i] = int(np.argmin(abs(fractions * plan[i] - amount[i])))
            else:
                act[i] = 0
        return act

"""Recorded transitions → a replay batch: bag → export → dataset, and DQN starts from it."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.bag.bag_reader import BagReader
from offload_ros.bag.bag_recorder import BagRecorder
from offload_ros.bag.message_types import MessageTypes
from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.trainer_registry import TrainerRegistry
from offload_ros.learning.transition_dataset import TransitionDataset
from offload_ros.sim.observation_features import ObservationFeatures
from test.unit.learning.test_training_smoke import FAMILY, tiny

TYPES = MessageTypes.default()
ROWS = [  # time, agv, action, amount, remaining, plan, admitted
    (40.0, "agv2", 255, 300.0, 300.0, 100.0, 80.0),    # greedy: all it carries -> "all"
    (10.0, "agv1", 2, 50.0, 200.0, 50.0, 50.0),
    (50.0, "agv1", 255, 70.0, 150.0, 50.0, 20.0),      # 1.4 x plan -> "one_and_half_plan"
    (30.0, "agv1", 255, 0.0, 150.0, 0.0, 0.0),         # no plan: "none"
]


@pytest.fixture
def dataset(tmp_path):
    with BagRecorder(tmp_path / "bag") as rec:
        for t, agv, action, amount, rem, plan, adm in ROWS:
            rec.write_message("/offload/transitions", int(t * 1e9), TYPES.make(
                "Transition", header={"stamp": MessageTypes.stamp(t)}, agv_id=agv,
                observation=np.full(ObservationFeatures.SIZE, t / 100, np.float32),
                action=action, default_action=2, amount_kb=amount, remaining_kb=rem,
                plan_kb=plan, admitted_kb=adm, reward=adm))
    BagReader(tmp_path / "bag").export_transitions(tmp_path / "t.npz")
    return tmp_path / "t.npz"


def test_trajectories_actions_and_rewards(dataset):
    batch = TransitionDataset.load(dataset, reward_scale_kb=10.0)
    # agv1's three decisions in time order, then agv2's one
    np.testing.assert_allclose(batch.obs[:, 0], [0.1, 0.3, 0.5, 0.4], rtol=1e-6)
    assert batch.actions.tolist() == [2, 0, 3, 4]
    assert batch.last.tolist() == [False, False, True, True]
    np.testing.assert_allclose(batch.rewards, [5.0, 0.0, 2.0, 8.0])


def test_dqn_starts_from_the_dataset_and_others_refuse_it(dataset, tmp_path):
    path = TrainerRegistry.make(tiny("dqn", dataset=str(dataset)), FAMILY, tmp_path / "q",
                                progress=False).run()
    assert Checkpoint.load(path).config["dataset"] == str(dataset)
    with pytest.raises(LearningError, match="dataset: must be empty unless algo is dqn"):
        tiny("mcoo", dataset=str(dataset))
    with pytest.raises(LearningError, match="cannot read it"):
        TransitionDataset.load(tmp_path / "missing.npz")

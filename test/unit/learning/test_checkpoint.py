"""Checkpoint roundtrip, and bad checkpoints rejected with errors that name the file."""

from __future__ import annotations

import pytest
import torch

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.learned_policy import LearnedPolicy
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.simulator import Simulator


def make(algo="mcoo", hidden=8) -> Checkpoint:
    torch.manual_seed(0)
    net = MlpNetwork(ObservationFeatures.SIZE, ActionSet.size(), hidden)
    weights, shape = Checkpoint.pack(net)
    return Checkpoint(algo, {"algo": algo, "hidden": hidden}, {"scenarios": "random"},
                      {"actor": weights}, {"actor": shape}, "actor",
                      [{"wall_s": 1.0, "episodes": 2}])


def test_roundtrip_keeps_weights_spec_and_behaviour(tmp_path):
    ck = make()
    path = ck.save(tmp_path / "m" / "policy.pt")
    back = Checkpoint.load(tmp_path / "m")           # a folder means its policy.pt
    assert back.config == ck.config and back.curve == ck.curve and back.spec == ck.spec
    for k, v in ck.networks["actor"].items():
        assert torch.equal(back.networks["actor"][k], v)
    sc = ScenarioGenerator(agvs=6).generate(2)
    a = Simulator(sc).run(LearnedPolicy(sc, ck)).to_json()
    assert Simulator(sc).run(PolicyFactory.make(f"mcoo:{path}", sc)).to_json()["processed_kb"] \
        == a["processed_kb"]


def test_garbage_and_truncated_files_are_rejected(tmp_path):
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"\x00not a checkpoint at all")
    with pytest.raises(LearningError, match=rf"{bad}: not a readable offload_ros checkpoint"):
        Checkpoint.load(bad)
    good = make().save(tmp_path / "policy.pt")
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(LearningError, match=rf"{cut}: not a readable") as info:
        Checkpoint.load(cut)
    # one line, and none of torch's advice to load untrusted files with weights_only=False
    assert "\n" not in str(info.value) and "weights_only" not in str(info.value)
    with pytest.raises(LearningError, match="no such checkpoint file"):
        Checkpoint.load(tmp_path / "missing.pt")


def test_mismatched_checkpoints_are_rejected(tmp_path):
    ck = make()
    ck.spec = dict(ck.spec, features=ck.spec["features"][:-1])
    ck.save(tmp_path / "old.pt")
    with pytest.raises(LearningError, match="made for features .* retrain"):
        Checkpoint.load(tmp_path / "old.pt")
    ck = make()
    ck.shapes["actor"] = [ObservationFeatures.SIZE, ActionSet.size(), 16]  # weights are 8 wide
    ck.save(tmp_path / "shape.pt")
    with pytest.raises(LearningError, match="does not match its recorded shape"):
        Checkpoint.load(tmp_path / "shape.pt")
    torch.save({"format": "something/else"}, tmp_path / "other.pt")
    with pytest.raises(LearningError, match="format is 'something/else'"):
        Checkpoint.load(tmp_path / "other.pt")
    path = make("dqn").save(tmp_path / "dqn.pt")
    sc = ScenarioGenerator(agvs=3).generate(0)
    with pytest.raises(EvaluationError, match="holds a 'dqn' policy, not 'mcoo'"):
        PolicyFactory.make(f"mcoo:{path}", sc)
    with pytest.raises(EvaluationError, match="no checkpoint at"):
        PolicyFactory.make(f"ac:{tmp_path / 'nothing.pt'}", sc)

"""A few seconds of each algorithm: it writes a checkpoint that loads and acts; resume."""

from __future__ import annotations

import csv

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.trainer_registry import TrainerRegistry
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.simulator import Simulator

FAMILY = ScenarioFamily(agvs_min=2, agvs_max=3, horizon_s=900)


def tiny(algo: str, **kw) -> TrainingConfig:
    return TrainingConfig(algo=algo, minutes=0.04, workers=1, eval_scenarios=2,
                          eval_every_s=1.0, episodes_per_update=1, batch=32, buffer=256, **kw)


@pytest.mark.parametrize("algo", ["mcoo", "dqn", "ac"])
def test_smoke_training_writes_a_checkpoint_that_loads_and_acts(tmp_path, algo):
    path = TrainerRegistry.make(tiny(algo), FAMILY, tmp_path, progress=False).run()
    ck = Checkpoint.load(path)
    assert ck.algo == algo and ck.decider == ("q" if algo == "dqn" else "actor")
    assert ck.config["reward"] == ("difference" if algo == "mcoo" else "global")
    assert ck.curve[-1]["episodes"] > 0 and ck.curve[-1]["decisions"] > 0
    with (tmp_path / "training.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == len(ck.curve) >= 2
    assert any((tmp_path / "tensorboard").iterdir())
    sc = FAMILY.draw(0, "test", evaluation=True)
    policy = PolicyFactory.make(f"{algo}:{path}", sc)
    res = Simulator(sc).run(policy)
    assert res.decisions == sum(policy.counts) > 0
    assert res.processed_kb > 0


def test_resume_continues_the_curve(tmp_path):
    first = TrainerRegistry.make(tiny("ac"), FAMILY, tmp_path / "a", progress=False).run()
    before = Checkpoint.load(first)
    again = TrainerRegistry.make(tiny("ac"), FAMILY, tmp_path / "b", progress=False,
                                 resume=before).run()
    after = Checkpoint.load(again)
    assert after.curve[:len(before.curve)] == before.curve
    assert after.curve[-1]["episodes"] > before.curve[-1]["episodes"]
    assert after.curve[-1]["wall_s"] > before.curve[-1]["wall_s"]


def test_paper_preset_sets_the_papers_rate_and_discount():
    cfg = TrainingConfig(preset="paper", lr=0.5, gamma=0.5).resolved()
    assert (cfg.lr, cfg.gamma) == (0.01, 0.95)
    assert TrainingConfig(algo="dqn").resolved().reward == "global"
    assert ActionSet.NAMES[ActionSet.DEFAULT] == "plan"

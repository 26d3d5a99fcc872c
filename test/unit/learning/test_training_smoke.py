"""A few seconds of each algorithm: it writes a checkpoint that loads and acts; resume."""

from __future__ import annotations

import csv

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.trainer_registry import TrainerRegistry
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.simulator import Simulator

FAMILY = ScenarioFamily(agvs_min=2, agvs_max=3, horizon_s=900)


def tiny(algo: str, **kw) -> TrainingConfig:
    base = dict(algo=algo, minutes=0.04, workers=1, eval_scenarios=2, eval_every_s=1.0,
                episodes_per_update=1, batch=32, buffer=256)
    return TrainingConfig(**{**base, **kw})


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


def small_factory(tmp_path):
    """A 3-AGV factory as a file (per-factory training takes files)."""
    from offload_ros.model.scenario_generator import ScenarioGenerator
    sc = ScenarioGenerator(agvs=3, es=3, route_min=3, route_max=3, horizon_s=900).generate(11)
    path = tmp_path / "small.yaml"
    path.write_text(sc.to_yaml())
    return path, sc


def test_per_factory_mcoo_imitates_the_searched_plan_and_is_found_by_content(tmp_path):
    import json

    from offload_ros.evaluation.model_store import ModelStore
    from offload_ros.model.scenario import Scenario
    path, sc = small_factory(tmp_path)
    family = ScenarioFamily(scenarios=str(path))
    cfg = tiny("mcoo", search_restarts=0, search_noise_draws=2, imitation_steps=150,
               eval_scenarios=4)
    trainer = TrainerRegistry.make(cfg, family, tmp_path / "m" / "mcoo" / "factories" / "s",
                                   progress=False)
    assert trainer.config.teacher == "search"            # auto: mcoo on files
    out = trainer.run()
    im = trainer.imitation
    assert im["teacher_gain"] >= 1.0 and im["accuracy"] >= 0.95 and im["samples"] > 100
    ck = Checkpoint.load(out)
    assert ck.curve[1]["episodes"] == 0                   # the point after imitation
    best = max(r["val_vs_greedy"] for r in ck.curve)
    info = json.loads((out.parent / "factory.json").read_text())
    assert info["factories"] == [{"scenario": sc.name, "fingerprint": sc.fingerprint()}]
    # a renamed copy of the file finds this model, and it is the best validated actor
    copy = Scenario.load(path)
    found = ModelStore(tmp_path / "m", notify=pytest.fail).find("mcoo", copy)
    assert found == out
    from offload_ros.learning.training_run import TrainingRun
    run = TrainingRun(ck_config(ck), family, tmp_path / "v", progress=False)
    assert run.evaluate(Checkpoint.load(out).network("actor").numpy_layers())[1] == \
        pytest.approx(best, abs=1e-5)
    run.close()


def ck_config(ck) -> TrainingConfig:
    return TrainingConfig(**ck.config)


def test_init_starts_from_another_checkpoints_weights(tmp_path):
    first = TrainerRegistry.make(tiny("ac"), FAMILY, tmp_path / "a", progress=False).run()
    source = Checkpoint.load(first)
    again = TrainerRegistry.make(tiny("mcoo"), FAMILY, tmp_path / "b", progress=False,
                                 init=source).run()
    after = Checkpoint.load(again)
    # the same validation factories: the first point is the source's saved actor
    assert after.curve[0]["val_kb_per_h"] == \
        max(source.curve, key=lambda r: r["val_vs_greedy"])["val_kb_per_h"]
    assert after.curve[0]["episodes"] == 0 and len(after.curve) >= 2   # its own curve
    with pytest.raises(LearningError, match="--init"):
        TrainerRegistry.make(tiny("dqn"), FAMILY, tmp_path / "c", progress=False,
                             init=source).run()


def test_a_teacher_needs_files_and_an_actor(tmp_path):
    path, _ = small_factory(tmp_path)
    with pytest.raises(LearningError, match="teacher: search needs scenario files"):
        TrainerRegistry.make(tiny("mcoo", teacher="search"), FAMILY, tmp_path, progress=False)
    with pytest.raises(LearningError, match="dqn has none"):
        TrainerRegistry.make(tiny("dqn", teacher="search"), ScenarioFamily(scenarios=str(path)),
                             tmp_path, progress=False)
    with pytest.raises(LearningError, match="train_leg_variation"):
        TrainingConfig(train_leg_variation=1.5)


def test_training_noise_is_seeded_disjoint_from_evaluation_and_off_at_zero():
    from offload_ros.learning.rollout import Rollout
    from offload_ros.model.disturbance import Disturbance
    from offload_ros.model.seeding import Seeding
    sc = FAMILY.draw(0, "train", 0, 0)
    noise = TrainingConfig().disturbance()
    assert noise == Disturbance(start_jitter_s=5.0, leg_time_variation=0.01)
    a = Rollout.simulator(sc, noise, 0, "train", 0, 3)
    b = Rollout.simulator(sc, noise, 0, "train", 0, 3)
    c = Rollout.simulator(sc, noise, 0, "train", 0, 4)
    assert a.draw == b.draw and a.draw != c.draw
    assert a.noise_seed >= Seeding.TRAINING_NOISE_SEED_BASE
    assert Rollout.simulator(sc, None, 0, "train", 0, 3).draw is None
    assert TrainingConfig(train_jitter_s=0, train_leg_variation=0).disturbance() is None

"""Per-factory training inside experiments, and Fig. 4 with seeds (training-curves --scenario)."""

from __future__ import annotations

import csv
import dataclasses
import json

import pytest

from offload_ros.evaluation import EvaluationError, Experiment, ExperimentConfig
from offload_ros.evaluation.factory_training import FactoryTraining
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.evaluation.training_comparison import TrainingComparison
from offload_ros.model import Scenario
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.seeding import Seeding
from offload_ros.sim.plan_search import PlanSearch, PlanSearchConfig
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

SMALL = SCENARIOS / "congested_2agv.yaml"


def test_a_factory_is_trained_once_per_algo_seed_and_budget(tmp_path):
    sc = dataclasses.replace(Scenario.load(SMALL), disturbance=Disturbance(start_jitter_s=30))
    training = FactoryTraining(1.0, tmp_path)
    path = training.checkpoint("ac", sc, seed=1)
    folder = path.parent
    assert path.is_file() and folder.name == "ac-seed1-1s"
    assert folder.parent.name == f"{sc.fingerprint()}-h{sc.horizon_s:g}"
    trained = Scenario.load(folder / "scenario.yaml")     # the file, without the noise
    assert trained.fingerprint() == sc.fingerprint() and trained.disturbance is None
    assert json.loads((folder / "done.json").read_text())["budget_s"] == 1.0
    curve = FactoryTraining.curve(folder)
    assert curve and curve[-1]["wall_s"] >= 1.0
    stamp = path.stat().st_mtime_ns
    assert training.checkpoint("ac", sc, seed=1) == path and path.stat().st_mtime_ns == stamp
    (folder / "done.json").unlink()                       # interrupted: trained again
    assert training.checkpoint("ac", sc, seed=1) == path and path.stat().st_mtime_ns != stamp
    assert training.folder("ac", sc, 2).name == "ac-seed2-1s"
    with pytest.raises(EvaluationError, match="--train-s: must be > 0"):
        FactoryTraining(0.0, tmp_path)


def test_the_searched_plan_and_the_teacher_share_one_search():
    sc = Scenario.load(SMALL)
    table = PlanSearch.best(sc)
    assert PlanSearch.best(dataclasses.replace(sc, name="renamed")) is table
    assert PlanSearch.best(sc, PlanSearchConfig(seed=1)) is not table
    assert PlanSearch.best(sc, disturbance=Disturbance(start_jitter_s=30)) is not table
    nominal_only = PlanSearch.best(sc, PlanSearchConfig(noise_draws=0))
    assert PlanSearch.best(sc, PlanSearchConfig(noise_draws=0),
                           Disturbance(start_jitter_s=30)) is nominal_only
    assert PolicyFactory.make("searched", sc).table is table


def test_an_experiment_trains_learned_policies_per_factory(tmp_path):
    exp = Experiment("noise", ExperimentConfig(seeds=2, policies="greedy,ac", train_s=1.5),
                     tmp_path)
    factory = Scenario.load(SMALL)
    assert exp.policy_name("greedy", factory) == "greedy"
    assert exp.policy_name("ac:models/x.pt", factory) == "ac:models/x.pt"
    name = exp.policy_name("ac", factory)
    assert name == f"ac:{FactoryTraining(1.5, tmp_path).folder('ac', factory, 0) / 'policy.pt'}"
    assert PolicyFactory.make(name, factory).decide is not None
    shipped = Experiment("noise", ExperimentConfig(seeds=2, policies="ac"))
    assert shipped.training is None and shipped.policy_name("ac", factory) == "ac"


def test_training_curves_compare_algorithms_paired_by_seed(tmp_path):
    config = ExperimentConfig(seeds=2, policies="dqn,ac,searched", train_s=1.0, eval_draws=2)
    study = TrainingComparison(Scenario.load(SMALL), config, tmp_path / "models")
    assert study.policies == ["greedy", "dqn", "ac", "searched"] and study.jobs() == 4
    ticks = []
    rows = study.run(lambda: ticks.append(1))
    assert len(ticks) == 4 and len(rows) == 6
    greedy = next(r for r in rows if r["policy"] == "greedy")
    assert greedy["nominal_vs_greedy"] == greedy["noisy_vs_greedy"] == 1.0
    sc = Scenario.load(SMALL)
    noisy = dataclasses.replace(sc, disturbance=PlanSearch.DEFAULT_NOISE)
    draws = [Simulator(noisy, noise_seed=s).run(PolicyFactory.make("greedy", sc))
             .processed_kb_per_h for s in Seeding.evaluation_seeds(2)]
    assert greedy["noisy_kb_per_h"] == pytest.approx(sum(draws) / 2)
    assert greedy["nominal_kb_per_h"] == Simulator(sc).run(
        PolicyFactory.make("greedy", sc)).processed_kb_per_h
    summary = {s["policy"]: s for s in study.summary(rows)}
    by_seed = {(r["policy"], r["seed"]): r["nominal_kb_per_h"] for r in rows}
    diffs = [by_seed[("dqn", s)] - by_seed[("ac", s)] for s in (0, 1)]
    assert summary["dqn - ac"]["paired"] and not summary["dqn"]["paired"]
    assert summary["dqn - ac"]["nominal"].mean == pytest.approx(sum(diffs) / 2)
    assert summary["dqn"]["noisy"].mean == pytest.approx(
        sum(r["noisy_vs_greedy"] for r in rows if r["policy"] == "dqn") / 2)
    assert summary["dqn"]["runs"] == 2 and summary["searched"]["runs"] == 1
    curves = study.curves(rows)
    grid, mean, _ = curves["ac"]
    assert grid[0] == 0.0 and grid[-1] == 1.0 and mean[-1] == pytest.approx(
        sum(FactoryTraining.curve(r["path"].rsplit("/", 1)[0])[-1]["val_vs_greedy"]
            for r in rows if r["policy"] == "ac") / 2)
    table, png = study.write(rows, tmp_path)
    assert len(list(csv.DictReader(table.open()))) == 6 and png.stat().st_size > 0


def test_training_curves_requests_that_cannot_run():
    sc = Scenario.load(SMALL)
    with pytest.raises(EvaluationError, match="needs --train-s > 0"):
        TrainingComparison(sc, ExperimentConfig(policies="mcoo"), SCENARIOS)
    with pytest.raises(EvaluationError, match="names no learned policy"):
        TrainingComparison(sc, ExperimentConfig(policies="greedy,rollout", train_s=1), SCENARIOS)

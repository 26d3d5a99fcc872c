"""``offload-ros headroom mcoo``: exact single-deviation advantages and the fitted rule."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from offload_ros.cli import main
from offload_ros.evaluation.deviation_headroom import (ALTERNATIVES, DeviationHeadroom,
                                                       DeviationHeadroomConfig)
from offload_ros.learning.advantage_regressor import AdvantageRegressor
from offload_ros.learning.errors import LearningError
from offload_ros.model import Scenario
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS


def _deviating_at(d: int, action: int):
    """A policy on plan everywhere but decision ``d`` (in episode order), where it takes
    ``action``."""
    seen = [0]

    def decide(obs):
        k = seen[0]
        seen[0] += 1
        return ActionSet.amount(action, obs) if k == d else obs.plan_kb
    return decide


def test_advantages_equal_direct_runs_with_that_one_decision_changed():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    x, adv, base = DeviationHeadroom.advantages(sc)
    sim = Simulator(sc)
    assert sim.run(lambda o: o.plan_kb).processed_kb == pytest.approx(base, abs=1e-9)
    assert x.shape == (len(adv), 19) and adv.shape[1] == len(ALTERNATIVES)
    assert (adv != 0).any(), "some deviation must change the outcome on factory_5agv"
    # the largest gain and the largest loss, each against a fresh run
    for d, j in (np.unravel_index(adv.argmax(), adv.shape),
                 np.unravel_index(adv.argmin(), adv.shape)):
        direct = sim.run(_deviating_at(int(d), ALTERNATIVES[int(j)])).processed_kb - base
        assert adv[d, j] == pytest.approx(direct, abs=1e-6)


def test_headroom_study_is_seeded_and_writes_its_table_and_figure(tmp_path):
    cfg = DeviationHeadroomConfig(train=3, seeds=2, agvs_min=3, agvs_max=4, epochs=2,
                                  margins="0,1e9", workers=1)
    runs = []
    for _ in range(2):
        study = DeviationHeadroom(cfg)
        data = study.collect()
        runs.append(study.analyse(data, study.fit(data)))
    assert runs[0] == runs[1]
    res = runs[0]
    assert res["held_out_decisions"] > 0 and res["train_decisions"] > 0
    assert res["oracle_kb_per_decision"] >= 0
    never = res["margins"][1]   # a margin no prediction reaches: the plan itself
    assert never["share_deviating"] == 0 and never["policy_minus_plan_kb_per_h"] == 0
    table, png = study.write(res, data, tmp_path)
    assert len(list(csv.DictReader(table.open()))) == 2
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regressor_learns_a_sign_and_is_seeded():
    rng = np.random.default_rng(0)
    x = rng.random((3000, 3)).astype(np.float32)
    a = np.stack([100 * (x[:, 0] - 0.5), np.where(x[:, 1] > 0.5, np.nan, -50.0)], 1)
    preds = []
    for _ in range(2):
        reg = AdvantageRegressor(3, 2, hidden=32, scale=100.0, seed=4)
        losses = reg.fit(x, a, epochs=15)
        assert losses[-1] < losses[0]
        preds.append(reg.predict(x))
    np.testing.assert_array_equal(preds[0], preds[1])
    assert np.mean((preds[0][:, 0] > 0) == (x[:, 0] > 0.5)) > 0.9
    assert np.all(np.isfinite(preds[0]))
    with pytest.raises(LearningError, match=r"targets: need shape \[3000, 2\]"):
        reg.fit(x, a[:, :1])


@pytest.mark.parametrize("flags", [["--seeds", "1"], ["--margins", "a,b"], ["--train", "0"]])
def test_headroom_usage_errors_exit_2(flags, capsys):
    assert main(["headroom", "mcoo", *flags]) == 2
    assert "error" in capsys.readouterr().err.lower()


def test_headroom_cli_json(tmp_path, capsys):
    assert main(["headroom", "mcoo", "--train", "2", "--seeds", "2", "--agvs-min", "3",
                 "--agvs-max", "3", "--epochs", "1", "--workers", "1", "--margins", "5",
                 "--out", str(tmp_path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["margin_kb"] for r in res["margins"]] == [5.0]
    assert (tmp_path / "headroom-mcoo.csv").exists()


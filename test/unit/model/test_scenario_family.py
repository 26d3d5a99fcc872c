"""Training factories never come from the evaluation seed range."""

from __future__ import annotations

import pytest

from offload_ros.model.errors import ModelError
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding


def seed_of(name: str) -> int:
    return int(name.rsplit("_s", 1)[1])


def test_training_and_evaluation_draws_are_disjoint():
    fam = ScenarioFamily()
    train = [fam.draw(s, "train", 0, n) for s in range(3) for n in range(30)]
    assert all(seed_of(sc.name) < Seeding.EVALUATION_SEED_BASE for sc in train)
    assert {len(sc.agvs) for sc in train} == set(range(5, 11))
    held = fam.evaluation_set(12)
    assert all(seed_of(sc.name) >= Seeding.EVALUATION_SEED_BASE for sc in held)
    assert fam.draw(0, "train", 0, 5).to_yaml() == fam.draw(0, "train", 0, 5).to_yaml()
    assert fam.draw(0, "x", evaluation=True).name != fam.draw(0, "x").name


def test_file_family_and_errors(tmp_path):
    fam = ScenarioFamily(scenarios="congested_2agv, congested_4agv")
    assert {fam.draw(0, k).name for k in range(20)} == {"congested_2agv", "congested_4agv"}
    with pytest.raises(ModelError, match="no such scenario file or shipped scenario: nope"):
        ScenarioFamily(scenarios="nope").files()
    with pytest.raises(ModelError, match="agvs_min"):
        ScenarioFamily(agvs_min=6, agvs_max=5)

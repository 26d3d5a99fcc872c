"""``--policy mcoo`` finds the model trained for the factory in hand by content."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.model_store import ModelStore
from offload_ros.model import Scenario
from offload_ros.model.disturbance import Disturbance
from test.conftest import ROOT, SCENARIOS


def store_with(tmp_path, factories: dict[str, Scenario]) -> tuple[ModelStore, list]:
    for folder, sc in factories.items():
        d = tmp_path / "mcoo" / "factories" / folder
        d.mkdir(parents=True)
        (d / "policy.pt").write_bytes(b"")
        (d / "factory.json").write_text(json.dumps(
            {"algo": "mcoo", "factories": [{"scenario": sc.name,
                                            "fingerprint": sc.fingerprint()}]}))
    notices = []
    return ModelStore(tmp_path, notify=lambda line, key: notices.append((line, key))), notices


def test_a_renamed_noisy_shorter_copy_finds_the_model_of_its_factory(tmp_path):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    store, notices = store_with(tmp_path, {"f5": sc, "c8": Scenario.load(
        SCENARIOS / "congested_8agv.yaml")})
    copy = dataclasses.replace(sc, name="my_factory", horizon_s=600.0,
                               disturbance=Disturbance(start_jitter_s=5.0))
    assert copy.fingerprint() == sc.fingerprint()
    assert store.find("mcoo", copy) == tmp_path / "mcoo" / "factories" / "f5" / "policy.pt"
    assert not notices


def test_another_factory_falls_back_to_the_generalist_with_one_notice(tmp_path):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    store, notices = store_with(tmp_path, {"f5": sc})
    moved = dataclasses.replace(sc, edge_servers=(dataclasses.replace(
        sc.edge_servers[0], rate_kb_per_min=sc.edge_servers[0].rate_kb_per_min + 1),
        *sc.edge_servers[1:]))
    assert moved.fingerprint() != sc.fingerprint()
    assert store.find("mcoo", moved) == tmp_path / "mcoo" / "policy.pt"
    (line, key), = notices
    assert "no model trained for factory 'factory_5agv'" in line and "generalist" in line
    assert "\n" not in line and key == ("mcoo", moved.fingerprint())
    assert store.find("mcoo", None) == tmp_path / "mcoo" / "policy.pt"     # no factory


def test_a_broken_factory_file_is_named(tmp_path):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    store, _ = store_with(tmp_path, {"f5": sc})
    (tmp_path / "mcoo" / "factories" / "f5" / "factory.json").write_text("{")
    with pytest.raises(EvaluationError, match="f5/factory.json: not a factory file"):
        store.find("mcoo", sc)


def test_the_default_store_notices_once_per_factory(tmp_path, capsys):
    shutil.copytree(ROOT / "models" / "mcoo", tmp_path / "mcoo")
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    other = dataclasses.replace(sc, speed_mps=sc.speed_mps + 0.5, name="other")
    store = ModelStore(tmp_path)
    ModelStore._noticed.discard(("mcoo", other.fingerprint()))
    for _ in range(3):
        store.find("mcoo", other)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("offload-ros: policy 'mcoo': no model")


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_every_shipped_scenario_has_its_own_mcoo_model(name):
    sc = Scenario.load(SCENARIOS / f"{name}.yaml")
    path = ModelStore(ROOT / "models", notify=pytest.fail).find("mcoo", sc)
    assert path == ROOT / "models" / "mcoo" / "factories" / name / "policy.pt"
    assert path.is_file()

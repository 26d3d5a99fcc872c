"""``offload-ros aigc offload``, ``train --algo amarl``, ``aigc experiment`` and
``bench attention`` from the command line."""

from __future__ import annotations

import json

import pytest

from offload_ros.cli import main

KEYS = {"mean_latency_s", "p95_latency_s", "completion_rate", "tasks"}


def test_offload_json_has_the_documented_keys_and_is_seeded(capsys):
    assert main(["aigc", "offload", "factory_5agv", "--policy", "greedy", "--episodes", "2",
                 "--seed", "1", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert KEYS <= set(first) and first["episodes"] == 2 and first["tasks"] > 0
    assert main(["aigc", "offload", "factory_5agv", "--policy", "greedy", "--episodes", "2",
                 "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == first
    main(["aigc", "offload", "factory_5agv", "--policy", "random", "--episodes", "2",
          "--seed", "1", "--json"])
    rnd = json.loads(capsys.readouterr().out)
    assert rnd["tasks"] == first["tasks"] and rnd["mean_latency_s"] > first["mean_latency_s"]


def test_train_amarl_then_offload_with_its_checkpoint(tmp_path, capsys):
    out = tmp_path / "amarl"
    assert main(["train", "--algo", "amarl", "--minutes", "0.03", "--agvs-min", "2",
                 "--agvs-max", "3", "--hidden", "16", "--heads", "2", "--warmup", "32",
                 "--batch", "16", "--eval-episodes", "2", "--eval-every-s", "1", "--out",
                 str(out), "--quiet"]) == 0
    assert "validation latency" in capsys.readouterr().out
    assert main(["aigc", "offload", "factory_5agv", "--policy", f"amarl:{out / 'policy.pt'}",
                 "--episodes", "1", "--json"]) == 0
    assert KEYS <= set(json.loads(capsys.readouterr().out))
    # the algorithm must match the checkpoint
    assert main(["aigc", "offload", "factory_5agv", "--policy", f"idqn:{out / 'policy.pt'}",
                 "--episodes", "1", "--json"]) == 2
    assert "holds a 'amarl' policy" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["aigc", "offload", "factory_5agv", "--policy", "bogus"], "unknown AIGC offloading policy"),
    (["aigc", "offload", "factory_5agv", "--episodes", "0"], "--episodes must be >= 1"),
    (["aigc", "offload", "nowhere.yaml"], "no such scenario"),
    (["aigc", "offload", "factory_5agv", "--policy", "amarl:/nope/policy.pt"], "no checkpoint"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_training_flags_exit_2(capsys):
    with pytest.raises(SystemExit) as err:
        main(["train", "--algo", "amarl", "--hidden", "x"])
    assert err.value.code == 2
    assert main(["train", "--algo", "amarl", "--heads", "3", "--hidden", "16"]) == 2
    assert "heads: must be >= 1 and divide hidden" in capsys.readouterr().err


def test_experiment_agvs_writes_csv_and_png(tmp_path, capsys):
    assert main(["aigc", "experiment", "agvs", "--seeds", "2", "--agvs", "2,3", "--policies",
                 "greedy,random", "--workers", "1", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "aigc-agvs.csv").read_text().splitlines()
    assert len(table) == 1 + 2 * 2 and (tmp_path / "aigc-agvs.png").stat().st_size > 0
    assert "mean_latency_s_minus_greedy" in table[0]


def test_bench_attention_json(capsys):
    assert main(["bench", "attention", "--agents", "2,3", "--repeats", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["critic"], r["agents"]) for r in rows} == {("amarl", 2), ("amarl", 3),
                                                          ("concat", 2), ("concat", 3)}
    att = [r for r in rows if r["critic"] == "amarl"]
    assert att[0]["critic_params"] == att[1]["critic_params"]       # one network, any size

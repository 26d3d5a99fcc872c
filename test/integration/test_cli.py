"""The ``offload-ros`` command as users run it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from test.conftest import ROOT, SCENARIOS

CONTRACT = {"processed_kb", "delivered_kb", "loaded_kb", "agvs", "edge_servers"}


def run(*args, cwd=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "offload_ros.cli", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("policy", ["greedy", "fixed", "balanced", "cooperative", "mcoo", "dqn",
                                    "ac"])
def test_simulate_json_contract(policy):
    out = run("simulate", str(SCENARIOS / "factory_5agv.yaml"), "--policy", policy, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert CONTRACT <= set(data)
    assert set(data["agvs"]) == {f"agv{i}" for i in range(1, 6)}
    for a in data["agvs"].values():
        assert {"cycles", "wait_s", "delivered_kb"} <= set(a)
    for e in data["edge_servers"].values():
        assert {"processed_kb", "backlog_kb"} <= set(e)
    assert data["delivered_kb"] == pytest.approx(
        sum(e["processed_kb"] + e["backlog_kb"] for e in data["edge_servers"].values()))


def test_simulate_shipped_name_and_table():
    out = run("simulate", "congested_2agv", "--policy", "greedy")
    assert out.returncode == 0, out.stderr
    assert "congested_2agv" in out.stdout and "agv2" in out.stdout


def test_bad_scenario_is_one_line_on_stderr_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCENARIOS / "factory_5agv.yaml").read_text().replace(
        "route: [es1, es2, es3, es4]", "route: [es1, es2, es9, es4]"))
    out = run("simulate", str(bad), "--policy", "greedy")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{bad}:18: agvs[0].route[2]: unknown edge server 'es9'" in lines[0]


@pytest.mark.parametrize("args,words", [
    (["simulate", "factory_5agv", "--policy", "nope"], "unknown policy 'nope'"),
    (["simulate", "no_such_file.yaml"], "no such scenario file"),
    (["experiment", "agv-count", "--seeds", "1"], "--seeds must be >= 2"),
    (["experiment", "noise", "--scenario", "congested_8agv"], "only training-curves trains"),
    (["experiment", "training-curves", "--scenario", "congested_2agv"], "needs --train-s > 0"),
    (["experiment", "noise", "--train-s", "-1"], "--train-s: must be > 0"),
    (["simulate"], "the following arguments are required"),
    (["scenario", "check", "no_such_factory"], "no such scenario file or shipped scenario"),
])
def test_usage_errors_exit_2(args, words):
    out = run(*args)
    assert out.returncode == 2 and words in out.stderr


def test_ctrl_c_exits_130_in_one_line_without_a_traceback():
    # a real SIGINT, delivered while the command is running (from inside it, so no timing)
    # (SIGINT's default handler first: a test run started in the background, `pytest &`,
    # passes SIGINT down ignored, and then nothing would interrupt the child)
    code = ("import os, signal, sys, time\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "from offload_ros.sim.simulator import Simulator\n"
            "def run(*args, **kwargs):\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    while True:\n"
            "        time.sleep(0.01)\n"
            "Simulator.run = run\n"
            "from offload_ros.cli import main\n"
            "sys.exit(main(['simulate', 'factory_5agv']))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 130
    assert out.stderr == "offload-ros: interrupted\n"


def test_scenario_check_takes_shipped_names():
    out = run("scenario", "check", "factory_5agv", "congested_10agv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(": ok") == 2 and "10 AGVs" in out.stdout


def test_compare_writes_table_csv_and_png(tmp_path):
    out = run("compare", "factory_5agv", "congested_4agv", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "flow bound" in out.stdout and "cooperative" in out.stdout
    assert (tmp_path / "compare.png").read_bytes()[:4] == b"\x89PNG"
    assert len((tmp_path / "compare.csv").read_text().splitlines()) == 1 + 2 * 6


def test_scenario_random_is_deterministic_and_valid(tmp_path):
    a = run("scenario", "random", "--agvs", "8", "--es", "6", "--seed", "3")
    b = run("scenario", "random", "--agvs", "8", "--es", "6", "--seed", "3")
    assert a.returncode == 0 and a.stdout == b.stdout
    path = tmp_path / "r.yaml"
    path.write_text(a.stdout)
    check = run("scenario", "check", str(path), str(SCENARIOS / "factory_5agv.yaml"))
    assert check.returncode == 0 and check.stdout.count(": ok") == 2
    assert "8 AGVs, 6 edge servers" in check.stdout


def test_scenario_check_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon_s: -1\nedge_servers: []\nagvs: []\n")
    out = run("scenario", "check", str(bad))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 3


def test_experiment_small(tmp_path):
    out = run("experiment", "es-rate", "--seeds", "2", "--policies", "greedy",
              "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "es-rate.csv").exists() and (tmp_path / "es-rate.png").exists()


def test_plan_bound_and_bench():
    out = run("plan", "factory_5agv", "--agv", "agv2")
    assert out.returncode == 0 and "scheme" in out.stdout and "agv2" in out.stdout
    out = run("bound", "factory_5agv", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["processed_kb"] > 0
    out = run("bench", "sim", "--min-seconds", "0.05", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data["policies"]) >= {"greedy", "balanced", "cooperative"}
    assert data["counterfactual"]["greedy"]["replays"] == 5


def test_installed_console_script_runs():
    import shutil
    exe = shutil.which("offload-ros") or os.path.join(os.path.dirname(sys.executable),
                                                      "offload-ros")
    if not os.path.exists(exe):
        pytest.skip("offload-ros is not installed as a console script in this environment")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("offload-ros ")


@pytest.mark.parametrize("args,message", [
    (["train", "--algo", "ppo"], "algo: must be one of mcoo, dqn, ac"),
    (["train", "--algo", "ac", "--scenarios", "no_such_factory"],
     "no such scenario file or shipped scenario: no_such_factory"),
    (["train", "--algo", "ac", "--lr", "-1"], "lr: must be > 0"),
    (["train", "--algo", "ac", "--resume", "models/mcoo/policy.pt"],
     "a 'mcoo' checkpoint cannot resume --algo ac"),
    (["simulate", "congested_2agv", "--policy", "mcoo:README.md"],
     "README.md: not a readable offload_ros checkpoint"),
])
def test_training_and_checkpoint_usage_errors_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr


def test_train_then_simulate_with_the_checkpoint(tmp_path):
    out = run("train", "--algo", "ac", "--minutes", "0.03", "--eval-scenarios", "2",
              "--agvs-min", "2", "--agvs-max", "2", "--out", str(tmp_path), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "episodes in" in out.stdout and (tmp_path / "policy.pt").is_file()
    sim = run("simulate", "congested_2agv", "--policy", f"ac:{tmp_path / 'policy.pt'}", "--json")
    assert sim.returncode == 0, sim.stderr
    assert json.loads(sim.stdout)["processed_kb"] > 0


def test_training_curves_from_the_shipped_models(tmp_path):
    out = run("experiment", "training-curves", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "training-curves.png").stat().st_size > 0
    rows = (tmp_path / "training-curves.csv").read_text().splitlines()
    assert rows[0] == "algo,wall_s,episodes,val_kb_per_h,val_vs_greedy"
    assert {r.split(",")[0] for r in rows[1:]} == {"mcoo", "dqn", "ac"}


# ---------------------------------------------------------------- aigc
@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
    from offload_ros.aigc.defect_image_generator import CLASSES
    from test.unit.aigc.conftest import TINY
    folder = tmp_path_factory.mktemp("aigc") / "model"
    DefectDiffusionModel.build(TINY, CLASSES).save(folder)
    return folder


def test_aigc_generate_writes_pngs_and_grid(tiny_model_dir, tmp_path):
    out = run("aigc", "generate", "--class", "crack", "--num", "3", "--steps", "2",
              "--model", str(tiny_model_dir), "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    from PIL import Image
    files = sorted(tmp_path.glob("crack_*.png"))
    assert len(files) == 3 and Image.open(files[0]).size == (32, 32)
    assert Image.open(tmp_path / "grid.png").size[0] > 3 * 32


@pytest.mark.parametrize("args, message", [
    (["--class", "rust"], "unknown class 'rust'"),
    (["--class", "crack", "--steps", "0"], "steps"),
    (["--class", "crack", "--num", "1000"], "num"),
])
def test_aigc_generate_bad_input_exits_2(tiny_model_dir, tmp_path, args, message):
    out = run("aigc", "generate", *args, "--model", str(tiny_model_dir), "--out", str(tmp_path))
    assert out.returncode == 2 and message in out.stderr


def test_aigc_missing_model_exits_2(tmp_path):
    out = run("aigc", "generate", "--class", "crack", "--model", str(tmp_path / "none"))
    assert out.returncode == 2 and "no such model folder" in out.stderr


def test_aigc_train_empty_dataset_exits_2(tmp_path):
    (tmp_path / "data" / "crack").mkdir(parents=True)
    out = run("aigc", "train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "m"))
    assert out.returncode == 2 and "no images found" in out.stderr


def test_aigc_train_then_generate_from_a_folder_dataset(tmp_path):
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for name in ("dent", "ok"):
        (tmp_path / "data" / name).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(rng.integers(0, 256, (40, 40), dtype=np.uint8)).save(
                tmp_path / "data" / name / f"{k}.png")
    out = run("aigc", "train", "--data", str(tmp_path / "data"), "--steps", "2", "--batch", "2",
              "--channels", "8,16", "--checkpoint-every", "2", "--quiet",
              "--out", str(tmp_path / "m"))
    assert out.returncode == 0, out.stderr
    out = run("aigc", "generate", "--class", "dent", "--num", "2", "--steps", "2",
              "--model", str(tmp_path / "m"), "--out", str(tmp_path / "g"))
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "g").glob("dent_*.png"))) == 2


def test_bench_aigc_json(tiny_model_dir):
    out = run("bench", "aigc", "--model", str(tiny_model_dir), "--requests", "6", "--steps", "2",
              "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["requests"] == 6 and data["images"] == 2 * (1 + 2 + 4)
    assert data["identical_images"] == data["images"]        # batching changes no image
    assert data["throughput_ratio"] > 0
    assert data["service"]["batches"] >= 1


def test_aigc_cost_writes_the_model_file(tiny_model_dir, tmp_path):
    out = run("aigc", "cost", "--model", str(tiny_model_dir), "--batches", "1,2", "--steps", "1",
              "--out", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "cost_model.json").read_text())["max_batch"] == 2


@pytest.mark.parametrize("args,needle", [
    (["node", "agv", "--id", "agv9"], "AGV 'agv9' is not in scenario"),
    (["node", "edge", "--id", "es9"], "edge server 'es9' is not in scenario"),
    (["node", "policy", "--agv", "agv1", "--policy", "nope"], "unknown policy 'nope'"),
    (["demo", "--policy", "nope"], "unknown policy 'nope'"),
    (["demo", "--policy", "amarl"], "is the AIGC offloading policy (GMEL)"),
    (["node", "policy", "--agv", "agv1", "--policy", "amarl"],
     "is the AIGC offloading policy (GMEL)"),
    (["demo", "--kill-es", "es9"], "kill_es: no edge server 'es9' in factory_5agv"),
    (["demo", "--minutes", "-1"], "minutes: must be > 0"),
    (["demo", "--time-scale", "0"], "time_scale: must be > 0"),
    (["demo", "--foxglove", "70000"], "foxglove port: must be 0-65535, got 70000"),
    (["bag", "info", "no_such_bag"], "not a rosbag2 folder"),
    (["node", "agv", "--id", "agv1", "--mode", "nav2"], "Nav2 mode needs the ROS 2 shell"),
    (["node", "agv", "--id", "agv1", "--zenoh-mode", "mesh"], "mode: must be one of"),
    (["node", "agv", "--id", "agv1,agv1"], "--id: distinct comma-separated ids"),
    (["node", "agv", "--id", "agv1", "--policy", "mcoo", "--no-policy"],
     "--policy runs a policy node here, --no-policy none"),
    (["node", "edge", "--id", "es1,es2", "--journal", "es.db"],
     "--journal: several nodes need one file each"),
    (["demo", "--edge-servers-per-process", "0"], "edge_servers_per_process: must be >= 1"),
    (["demo", "--kill-es", "es1", "--edge-servers-per-process", "2"],
     "kill_es: kills one edge server's process"),
])
def test_runtime_usage_errors_exit_2_naming_the_problem(args, needle):
    out = run(*args)
    assert out.returncode == 2, out.stderr
    assert needle in out.stderr

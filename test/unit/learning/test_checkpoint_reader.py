"""The torch-free checkpoint reader gives the same actor as torch does, and refuses what
torch's weights-only loading refuses."""

from __future__ import annotations

import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.checkpoint_reader import CheckpointReader
from offload_ros.learning.errors import LearningError
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures
from test.conftest import ROOT


@pytest.mark.parametrize("algo", ["mcoo", "dqn", "ac"])
def test_shipped_checkpoints_give_torchs_layers(algo):
    path = ROOT / "models" / algo / "policy.pt"
    ck = Checkpoint.load(path)
    want = ck.network(ck.decider).numpy_layers()
    got = CheckpointReader.load(path)
    assert (got.algo, got.decider) == (ck.algo, ck.decider)
    for (w, b), (w2, b2) in zip(got.layers, want):
        assert w.dtype == w2.dtype and np.array_equal(w, w2) and np.array_equal(b, b2)


def test_a_strided_tensor_and_a_new_checkpoint_read_back(tmp_path):
    torch.manual_seed(1)
    net = MlpNetwork(ObservationFeatures.SIZE, ActionSet.size(), 8)
    weights, shape = Checkpoint.pack(net)
    weights["body.4.weight"] = weights["body.4.weight"].t().contiguous().t()   # strided
    path = Checkpoint("dqn", {}, {}, {"q": weights}, {"q": shape}, "q").save(tmp_path / "p.pt")
    got = CheckpointReader.load(path)
    assert np.array_equal(got.layers[2][0], net.body[4].weight.detach().numpy())


def test_code_in_the_pickle_and_garbage_are_refused(tmp_path):
    bad = tmp_path / "bad.pt"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("bad/data.pkl", pickle.dumps({"format": print}))
    with pytest.raises(LearningError, match="not a readable offload_ros checkpoint"):
        CheckpointReader.load(bad)
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(LearningError, match="junk.pt"):
        CheckpointReader.load(tmp_path / "junk.pt")
    with pytest.raises(LearningError, match="no such checkpoint"):
        CheckpointReader.load(tmp_path / "none.pt")


def test_a_policy_node_loads_the_shipped_actor_without_torch():
    code = ("import sys\n"
            "from offload_ros.model.package_paths import PackagePaths\n"
            "from offload_ros.model.scenario import Scenario\n"
            "from offload_ros.runtime.policy_server import PolicyServer\n"
            "sc = Scenario.load(PackagePaths.find_scenario('factory_5agv'))\n"
            "PolicyServer(sc, 'mcoo', ('agv1', 'agv2')).warm_up()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'scipy', 'matplotlib')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"

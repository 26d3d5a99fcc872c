"""Policy checkpoints: weights + the training config + the observation/action spec.

One ``torch.save`` file (``policy.pt``) read back with ``weights_only=True`` (plain tensors
and Python values only, no pickled code). Loading checks the format, the spec (feature
names and action set of this version) and every tensor's shape, and names the file in any
error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from offload_ros.learning.checkpoint_reader import FORMAT, CheckpointReader, current_spec
from offload_ros.learning.errors import LearningError
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures


@dataclass
class Checkpoint:
    """``networks`` maps a role (``actor``, ``critic``, ``q``) to a state dict; ``decider``
    is the role that picks actions (``actor`` or ``q``)."""

    algo: str
    config: dict[str, Any]
    family: dict[str, Any]
    networks: dict[str, dict[str, torch.Tensor]]
    shapes: dict[str, list[int]]                 # role -> [inputs, outputs, hidden]
    decider: str
    curve: list[dict[str, float]] = field(default_factory=list)
    optimizer: dict[str, Any] | None = None
    spec: dict[str, Any] = field(default_factory=current_spec)

    def save(self, path: Path) -> Path:
        return self.write(path, {
            "format": FORMAT, "algo": self.algo, "config": self.config, "family": self.family,
            "networks": self.networks, "shapes": self.shapes, "decider": self.decider,
            "curve": self.curve, "optimizer": self.optimizer, "spec": self.spec})

    @staticmethod
    def write(path: Path | str, payload: dict) -> Path:
        """``torch.save`` under a temporary name, then renamed: never a half-written
        checkpoint under the real name."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(payload, tmp)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path | str) -> "Checkpoint":
        path, raw = cls.read(path, FORMAT)
        CheckpointReader.check_spec(path, raw, ("algo", "config", "family", "networks",
                                                "shapes", "decider", "spec"))
        spec = raw["spec"]
        ck = cls(raw["algo"], raw["config"], raw["family"], raw["networks"], raw["shapes"],
                 raw["decider"], raw.get("curve") or [], raw.get("optimizer"), spec)
        if ck.decider not in ck.networks:
            raise LearningError(f"{path}: no {ck.decider!r} network")
        for role in ck.networks:
            ck.network(role, path)  # checks every shape
        return ck

    @staticmethod
    def read(path: Path | str, fmt: str, hint: str = "") -> tuple[Path, dict]:
        """A checkpoint file's raw dict (weights only) if it has format ``fmt``."""
        path = CheckpointReader.file(path)
        try:
            raw = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # noqa: BLE001 - torch raises many types for bad files
            raise CheckpointReader.unreadable(path, err) from err
        return path, CheckpointReader.payload(path, raw, fmt, hint)

    def network(self, role: str, path: Path | str = "<checkpoint>") -> MlpNetwork:
        """A fresh network with the stored weights of ``role``."""
        try:
            inputs, outputs, hidden = self.shapes[role]
            net = MlpNetwork(int(inputs), int(outputs), int(hidden))
            net.load_state_dict(self.networks[role])
        except (KeyError, ValueError, TypeError, RuntimeError) as err:
            raise LearningError(f"{path}: network {role!r} does not match its recorded shape "
                                f"{self.shapes.get(role)}: {err}") from err
        if role == self.decider and (net.inputs != ObservationFeatures.SIZE
                                     or net.outputs != ActionSet.size()):
            raise LearningError(f"{path}: network {role!r} maps {net.inputs} features to "
                                f"{net.outputs} actions; this version needs "
                                f"{ObservationFeatures.SIZE} to {ActionSet.size()}")
        return net

    @staticmethod
    def pack(net: MlpNetwork) -> tuple[dict[str, torch.Tensor], list[int]]:
        return ({k: v.detach().clone() for k, v in net.state_dict().items()},
                [net.inputs, net.outputs, net.hidden])

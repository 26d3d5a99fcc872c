"""AIGC offloading policy checkpoints: weights + the training config + the observation/action
spec, one ``torch.save`` file read back with ``weights_only=True``.

The actor (``amarl``, ``concat``) or Q network (``idqn``) serves any number of AGVs, but is
built for a number of edge servers and this version's observation features; loading checks
both, and every tensor's shape, and names the file in any error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
from offload_ros.learning.aigc_offload.aigc_training_config import AigcTrainingConfig
from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.errors import LearningError
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation

FORMAT = "offload_ros.aigc_policy/1"


def aigc_spec(n_es: int) -> dict[str, Any]:
    return {"features": AigcObservation.names(n_es),
            "actions": ["hold"] + [f"es{j}" for j in range(n_es)]}


@dataclass
class AigcCheckpoint:
    """``networks`` maps a role (``actor``, ``critic``, ``target``, ``q``) to a state dict;
    ``decider`` is ``actor`` or ``q``."""

    algo: str
    config: dict[str, Any]
    n_es: int
    networks: dict[str, dict[str, torch.Tensor]]
    decider: str
    curve: list[dict[str, float]] = field(default_factory=list)
    optimizers: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path) -> Path:
        return Checkpoint.write(path, {
            "format": FORMAT, "algo": self.algo, "config": self.config, "n_es": self.n_es,
            "networks": self.networks, "decider": self.decider, "curve": self.curve,
            "optimizers": self.optimizers, "spec": self.spec or aigc_spec(self.n_es)})

    @classmethod
    def load(cls, path: Path | str) -> "AigcCheckpoint":
        path, raw = Checkpoint.read(path, FORMAT, " (an AIGC offloading policy from "
                                    "`offload-ros train --algo amarl`)")
        missing = [k for k in ("algo", "config", "n_es", "networks", "decider", "spec")
                   if k not in raw]
        if missing:
            raise LearningError(f"{path}: missing {', '.join(missing)}")
        now = aigc_spec(int(raw["n_es"]))
        if raw["spec"] != now:
            raise LearningError(f"{path}: made for other observation features or actions "
                                f"than this version's; retrain with `offload-ros train "
                                f"--algo {raw['algo']}`")
        try:
            AigcTrainingConfig(**raw["config"])
        except (TypeError, LearningError) as err:
            raise LearningError(f"{path}: bad training config: {err}") from err
        ck = cls(raw["algo"], raw["config"], int(raw["n_es"]), raw["networks"], raw["decider"],
                 raw.get("curve") or [], raw.get("optimizers") or {}, raw["spec"])
        ck.decider_network(path)   # checks the shapes
        return ck

    def training_config(self) -> AigcTrainingConfig:
        return AigcTrainingConfig(**self.config)

    def decider_network(self, path: Path | str = "<checkpoint>"):
        """The actor or Q network with its stored weights."""
        cfg = self.training_config()
        if self.decider == "actor":
            net = AigcActor(self.n_es, cfg.hidden, cfg.prior)
        else:
            net = MlpNetwork(len(self.spec["features"]), len(self.spec["actions"]), cfg.hidden)
        self.load_into(net, self.decider, path)
        return net

    def load_into(self, net: torch.nn.Module, role: str, path: Path | str = "<checkpoint>"):
        try:
            net.load_state_dict(self.networks[role])
        except (KeyError, RuntimeError) as err:
            raise LearningError(f"{path}: network {role!r} does not fit this version's "
                                f"shape: {err}") from err
        return net

    @staticmethod
    def pack(net: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in net.state_dict().items()}

    @classmethod
    def of(cls, config: AigcTrainingConfig, networks: dict[str, torch.nn.Module], decider: str,
           curve, optimizers) -> "AigcCheckpoint":
        return cls(config.algo, asdict(config), config.es,
                   {role: cls.pack(net) for role, net in networks.items()}, decider,
                   list(curve), {k: o.state_dict() for k, o in optimizers.items()},
                   aigc_spec(config.es))

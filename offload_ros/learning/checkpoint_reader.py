"""Policy checkpoints read without torch, for inference only.

A ``policy.pt`` is a ``torch.save`` zip: ``<name>/data.pkl`` (a pickle whose tensors point at
storages) beside ``<name>/data/<key>`` (each storage's raw bytes). This reads it with a
restricted unpickler that allows only what ``torch.load(weights_only=True)`` allows for our
files (plain Python values, ``OrderedDict`` and tensors) and rebuilds every tensor as a NumPy
array, so a policy node needs no torch: the actor runs on NumPy layers anyway
(``LearnedPolicy``). Training and ``Checkpoint`` still use torch.
"""

from __future__ import annotations

import collections
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from offload_ros.learning.errors import LearningError
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures

FORMAT = "offload_ros.policy/1"
#: beside a ``policy.pt`` trained on scenario files: which factories it was trained for
#: (``{"algo", "factories": [{"scenario", "fingerprint"}]}``), how ``--policy mcoo`` finds it
FACTORY_FILE = "factory.json"


def current_spec() -> dict[str, Any]:
    """The observation features and action set of this version, as checkpoints record them."""
    return {"features": list(ObservationFeatures.NAMES), "actions": list(ActionSet.NAMES),
            "fractions": [-1.0 if f is None else f for f in ActionSet.FRACTIONS]}
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
           "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple, stride: tuple,
                    *_: Any) -> np.ndarray:
    item = storage.itemsize
    if not size:
        return storage[offset:offset + 1].reshape(()).copy()
    return np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * item for s in stride)).copy()


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive: zipfile.ZipFile, root: str) -> None:
        super().__init__(file)
        self.archive, self.root = archive, root

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a checkpoint")

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and pid[1] in _DTYPES):
            raise pickle.UnpicklingError(f"unexpected storage {pid!r}")
        data = self.archive.read(f"{self.root}/data/{pid[2]}")
        return np.frombuffer(data, dtype=_DTYPES[pid[1]])


@dataclass(frozen=True)
class CheckpointReader:
    """A policy checkpoint's decider as NumPy layers, with what it says about its training
    (``config``, ``family``, ``curve``, as ``Checkpoint`` has them):
    ``CheckpointReader.load(path)``."""

    algo: str
    decider: str
    layers: list[tuple[np.ndarray, np.ndarray]]
    config: dict
    family: dict
    curve: list

    @staticmethod
    def read(path: Path | str) -> tuple[Path, dict]:
        """The file's payload, tensors as NumPy arrays (``Checkpoint.read`` without torch)."""
        path = CheckpointReader.file(path)
        try:
            with zipfile.ZipFile(path) as archive:
                pkl = [n for n in archive.namelist() if n.endswith("/data.pkl")]
                if len(pkl) != 1:
                    raise ValueError("no data.pkl")
                root = pkl[0][:-len("/data.pkl")]
                order = archive.read(f"{root}/byteorder").decode() \
                    if f"{root}/byteorder" in archive.namelist() else "little"
                if order != "little":
                    raise ValueError(f"byte order {order}")
                with archive.open(pkl[0]) as f:
                    raw = _Unpickler(f, archive, root).load()
        except Exception as err:  # noqa: BLE001 - zip and pickle raise many types
            raise CheckpointReader.unreadable(path, err) from err
        return path, CheckpointReader.payload(path, raw, FORMAT)

    # the checks Checkpoint (torch) and this reader share --------------------------------
    @staticmethod
    def file(path: Path | str) -> Path:
        """``path``, or ``path/policy.pt`` for a folder; LearningError if there is none."""
        path = Path(path)
        if path.is_dir():
            path = path / "policy.pt"
        if not path.is_file():
            raise LearningError(f"{path}: no such checkpoint file")
        return path

    @staticmethod
    def unreadable(path: Path, err: Exception) -> LearningError:
        """One line naming the kind of failure only: torch's own text runs over many lines
        and advises ``weights_only=False``, which would run code from the file."""
        return LearningError(f"{path}: not a readable offload_ros checkpoint (corrupt, "
                             f"truncated, or not written by offload-ros train): "
                             f"{type(err).__name__}")

    @staticmethod
    def payload(path: Path, raw: Any, fmt: str, hint: str = "") -> dict:
        """``raw`` if it is a checkpoint of format ``fmt``."""
        if not isinstance(raw, dict) or raw.get("format") != fmt:
            got = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise LearningError(f"{path}: format is {got!r}, expected {fmt!r}{hint}")
        return raw

    @staticmethod
    def check_spec(path: Path, raw: dict, keys: tuple[str, ...]) -> None:
        """``raw`` has ``keys`` and was made for this version's features and actions."""
        missing = [k for k in keys if k not in raw]
        if missing:
            raise LearningError(f"{path}: missing {', '.join(missing)}")
        spec, now = raw["spec"], current_spec()
        for key in ("features", "actions", "fractions"):
            if spec.get(key) != now[key]:
                raise LearningError(
                    f"{path}: made for {key} {spec.get(key)}, but this version uses {now[key]}; "
                    f"retrain with `offload-ros train`")

    @classmethod
    def load(cls, path: Path | str) -> "CheckpointReader":
        """The decider's layers, checked as ``Checkpoint.load`` checks them."""
        path, raw = cls.read(path)
        cls.check_spec(path, raw, ("algo", "networks", "shapes", "decider", "spec"))
        role = raw["decider"]
        if role not in raw["networks"]:
            raise LearningError(f"{path}: no {role!r} network")
        layers = cls.layers_of(raw["networks"][role], raw["shapes"].get(role), path, role)
        if layers[0][0].shape[1] != ObservationFeatures.SIZE or \
                layers[-1][0].shape[0] != ActionSet.size():
            raise LearningError(f"{path}: network {role!r} maps {layers[0][0].shape[1]} "
                                f"features to {layers[-1][0].shape[0]} actions; this version "
                                f"needs {ObservationFeatures.SIZE} to {ActionSet.size()}")
        return cls(raw["algo"], role, layers, raw.get("config") or {},
                   raw.get("family") or {}, raw.get("curve") or [])

    @staticmethod
    def forward(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
        """The MLP on NumPy: tanh after every layer but the last."""
        for k, (w, b) in enumerate(layers):
            x = x @ w.T + b
            if k < len(layers) - 1:
                x = np.tanh(x)
        return x

    @staticmethod
    def layers_of(state: dict, shape: Any, path: Path, role: str) -> list[tuple[np.ndarray,
                                                                                 np.ndarray]]:
        """``MlpNetwork``'s state dict (``body.0``, ``body.2``, ``body.4``) as ``(W, b)``."""
        try:
            inputs, outputs, hidden = (int(x) for x in shape)
            want = [(hidden, inputs), (hidden, hidden), (outputs, hidden)]
            layers = []
            for k, (rows, cols) in zip((0, 2, 4), want):
                w = np.asarray(state[f"body.{k}.weight"], dtype=np.float32)
                b = np.asarray(state[f"body.{k}.bias"], dtype=np.float32)
                if w.shape != (rows, cols) or b.shape != (rows,):
                    raise ValueError(f"body.{k} is {w.shape}, {b.shape}")
                layers.append((w, b))
            if len(state) != 6:
                raise ValueError(f"{len(state)} tensors, expected 6")
        except (KeyError, ValueError, TypeError) as err:
            raise LearningError(f"{path}: network {role!r} does not match its recorded shape "
                                f"{shape}: {err}") from err
        return layers

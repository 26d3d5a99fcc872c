"""A small MLP fitted by regression to per-action advantages (the value of each alternative
action minus the default's), for headroom studies: can a local observation tell when leaving
the default pays? Targets may be missing (NaN: an action that was not allowed there)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from offload_ros.learning.errors import LearningError
from offload_ros.model.seeding import Seeding


class AdvantageRegressor:
    """``fit(x, a)`` with ``x`` ``[N, inputs]`` and ``a`` ``[N, outputs]`` (NaN where
    unknown), then ``predict(x)``. Targets are divided by ``scale`` inside (a Huber loss
    with unit threshold works in those units). Same seed and data, same weights."""

    def __init__(self, inputs: int, outputs: int, *, hidden: int = 128, scale: float = 1.0,
                 seed: int = 0) -> None:
        if inputs < 1 or outputs < 1 or hidden < 1:
            raise LearningError(f"need inputs, outputs and hidden >= 1, got {inputs}, "
                                f"{outputs}, {hidden}")
        if not scale > 0:
            raise LearningError(f"scale: must be > 0, got {scale!r}")
        self.inputs, self.outputs, self.scale, self.seed = inputs, outputs, float(scale), seed
        gen = torch.Generator().manual_seed(Seeding.int_seed(seed, "advantage-regressor"))
        self.net = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, outputs))
        with torch.no_grad():
            for m in self.net:
                if isinstance(m, nn.Linear):
                    bound = 1.0 / np.sqrt(m.in_features)
                    m.weight.uniform_(-bound, bound, generator=gen)
                    m.bias.uniform_(-bound, bound, generator=gen)
        self._gen = gen

    def fit(self, x: np.ndarray, a: np.ndarray, *, epochs: int = 12, batch: int = 512,
            lr: float = 1e-3) -> list[float]:
        """Minibatch Adam on the Huber loss over known targets; the mean loss per epoch."""
        x = np.asarray(x, np.float32)
        a = np.asarray(a, np.float64)
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise LearningError(f"x: need shape [N, {self.inputs}], got {list(x.shape)}")
        if a.shape != (len(x), self.outputs):
            raise LearningError(f"targets: need shape [{len(x)}, {self.outputs}], got "
                                f"{list(a.shape)}")
        if len(x) == 0:
            raise LearningError("nothing to fit: no samples")
        known = torch.from_numpy(np.isfinite(a))
        xt = torch.from_numpy(x)
        at = torch.from_numpy(np.nan_to_num(a / self.scale).astype(np.float32))
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        losses = []
        with torch.random.fork_rng(devices=[]):
            for _ in range(epochs):
                perm = torch.randperm(len(xt), generator=self._gen)
                total, count = 0.0, 0
                for start in range(0, len(xt), batch):
                    idx = perm[start:start + batch]
                    k = known[idx]
                    err = nn.functional.smooth_l1_loss(self.net(xt[idx]), at[idx],
                                                       reduction="none")
                    loss = (err * k).sum() / k.sum().clamp(min=1)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(idx)
                    count += len(idx)
                losses.append(total / count)
        return losses

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted advantages ``[N, outputs]`` in the targets' units."""
        with torch.no_grad():
            out = self.net(torch.from_numpy(np.asarray(x, np.float32)))
        return out.numpy().astype(np.float64) * self.scale

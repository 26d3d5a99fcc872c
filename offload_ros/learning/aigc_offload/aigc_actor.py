"""The decentralised AIGC actor: one AGV's observation in, a logit per action (hold, ES 1..M).

Logits are an MLP's output plus a fixed prior, ``-prior * eft`` per edge server (the
observation's estimated finish time, one task after another, in units of 30 s) and for
holding ``-prior`` times the least of them plus one unit, so with small initial weights the
actor starts as a soft least-finish-time policy (``greedy``, which is better than
``batch_greedy`` on the default family: docs/aigc_offloading.md) and learns corrections to it
(as the MCOO actor starts at its plan); ``eft_batch`` is among its inputs.
Masked actions (a full ES; anything but hold with nothing to place) get no probability. The
same weights serve any number of AGVs: each acts on its own observation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from offload_ros.sim.aigc_offload.aigc_observation import OWN, PER_ES

EFT = PER_ES.index("eft")
MASKED = -1e9


class AigcActor(nn.Module):
    def __init__(self, n_es: int, hidden: int = 64, prior: float = 30.0) -> None:
        super().__init__()
        self.n_es, self.hidden, self.prior = n_es, hidden, float(prior)
        self.inputs = len(OWN) + len(PER_ES) * n_es
        self.body = nn.Sequential(nn.Linear(self.inputs, hidden), nn.ReLU(),
                                  nn.Linear(hidden, hidden), nn.ReLU(),
                                  nn.Linear(hidden, n_es + 1))
        with torch.no_grad():
            self.body[-1].weight.mul_(0.01)
            self.body[-1].bias.zero_()
        eft_index = [len(OWN) + j * len(PER_ES) + EFT for j in range(n_es)]
        self.register_buffer("eft_index", torch.tensor(eft_index), persistent=False)

    def prior_logits(self, obs: torch.Tensor) -> torch.Tensor:
        eft = obs[..., self.eft_index]
        hold = eft.min(-1, keepdim=True).values + 1.0
        return -self.prior * torch.cat([hold, eft], -1)

    def forward(self, obs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Masked logits ``[..., 1 + n_es]`` (``mask`` true where allowed)."""
        logits = self.body(obs) + self.prior_logits(obs)
        return logits.masked_fill(~mask, MASKED)

    def numpy_act(self, obs: np.ndarray, mask: np.ndarray, rng: np.random.Generator | None,
                  layers=None) -> np.ndarray:
        """Actions for a batch of AGVs without autograd: sampled with ``rng``, else the most
        probable. ``layers`` (from :meth:`numpy_layers`) skips reading the weights again."""
        layers = layers or self.numpy_layers()
        x = obs.astype(np.float64)
        for k, (w, b) in enumerate(layers):
            x = x @ w.T + b
            if k < len(layers) - 1:
                x = np.maximum(x, 0.0)
        eft = obs[:, self.eft_index.numpy()]
        hold = eft.min(1, keepdims=True) + 1.0
        logits = x - self.prior * np.concatenate([hold, eft], 1)
        logits = np.where(mask, logits, MASKED)
        if rng is None:
            return logits.argmax(1)
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        u = rng.random((len(p), 1))
        return np.minimum((p.cumsum(1) < u).sum(1), p.shape[1] - 1)

    def numpy_layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(m.weight.detach().double().numpy().copy(), m.bias.detach().double().numpy().copy())
                for m in self.body if isinstance(m, nn.Linear)]

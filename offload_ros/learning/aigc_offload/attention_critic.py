"""AMARL's critic: each agent attends over the others (MAAC, Iqbal & Sha 2019).

Per head ``h``: query ``W_q^h s_i``, keys ``W_k^h e_j``, values ``LeakyReLU(W_v^h e_j)``;
``x_i`` is the concatenation over heads of ``sum_j softmax_j(q k / sqrt(d)) v_j`` over the real
agents ``j != i``. An agent alone (no others) gets ``x_i = 0`` instead of a softmax over
nothing, which is where the reference MAAC code fails for small fleets; with 2 agents each
attends to the other with weight 1. Cost per sample grows as ``N^2 d``, with ``d`` fixed.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from offload_ros.learning.aigc_offload.aigc_critic import AigcCritic


class AttentionCritic(AigcCritic):
    kind = "attention"

    def __init__(self, inputs: int, actions: int, hidden: int = 128, heads: int = 4,
                 **_) -> None:
        super().__init__(inputs, actions, hidden)
        self.heads, self.dim = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden, bias=False)
        self.key = nn.Linear(hidden, hidden, bias=False)
        self.value = nn.Sequential(nn.Linear(hidden, hidden), nn.LeakyReLU())
        self.last_weights: torch.Tensor | None = None   # [B, heads, N, N], for inspection

    def context(self, s: torch.Tensor, e: torch.Tensor, agents: torch.Tensor) -> torch.Tensor:
        b, n, _ = s.shape

        def split(x: torch.Tensor) -> torch.Tensor:       # [B, N, H] -> [B, heads, N, d]
            return x.view(b, n, self.heads, self.dim).transpose(1, 2)

        q, k, v = split(self.query(s)), split(self.key(e)), split(self.value(e))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.dim)       # [B, heads, N, N]
        allowed = self.others(agents)[:, None]                        # [B, 1, N, N]
        scores = scores.masked_fill(~allowed, float("-inf"))
        any_other = allowed.any(-1, keepdim=True)
        weights = torch.softmax(scores.masked_fill(~any_other, 0.0), -1)
        weights = torch.where(any_other, weights, torch.zeros_like(weights))
        self.last_weights = weights.detach()
        x = weights @ v                                               # [B, heads, N, d]
        return x.transpose(1, 2).reshape(b, n, self.heads * self.dim)

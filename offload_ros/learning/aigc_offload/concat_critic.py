"""The ablation of AMARL's critic: the others' encodings concatenated (MADDPG-style).

``x_i = MLP([e_j for j != i])`` in agent order, padded with zeros to ``max_agents - 1``
slots: the input grows with the fleet and caps the fleet size it can train on."""

from __future__ import annotations

import torch
from torch import nn

from offload_ros.learning.aigc_offload.aigc_critic import AigcCritic
from offload_ros.learning.errors import LearningError


class ConcatCritic(AigcCritic):
    kind = "concat"

    def __init__(self, inputs: int, actions: int, hidden: int = 128, max_agents: int = 10,
                 **_) -> None:
        super().__init__(inputs, actions, hidden)
        self.max_agents = max_agents
        self.mix = nn.Sequential(nn.Linear(hidden * max(max_agents - 1, 1), hidden),
                                 nn.LeakyReLU())

    def context(self, s: torch.Tensor, e: torch.Tensor, agents: torch.Tensor) -> torch.Tensor:
        b, n, h = e.shape
        if n > self.max_agents:
            raise LearningError(f"the concatenation critic was built for at most "
                                f"{self.max_agents} agents, got {n}")
        others = self.others(agents)                                  # [B, N, N]
        e = e * agents[..., None].to(e.dtype)
        # for each i, the others in order: drop column i from the [N, N] grid
        keep = ~torch.eye(n, dtype=torch.bool, device=e.device)
        grid = e[:, None, :, :].expand(b, n, n, h)[:, keep].view(b, n, n - 1, h)
        grid = grid * others[:, keep].view(b, n, n - 1, 1).to(e.dtype)
        pad = self.max_agents - n
        flat = grid.reshape(b, n, (n - 1) * h)
        if pad > 0 or n == 1:
            flat = torch.cat([flat, flat.new_zeros(b, n, h * max(self.max_agents - 1, 1)
                                                    - (n - 1) * h)], -1)
        return self.mix(flat)

"""What AMARL's centralised critics share (training only; execution uses the actors alone).

Agent ``i``'s soft Q values over its own actions are ``head([s_i, x_i])``: ``s_i`` encodes its
observation, ``x_i`` summarises the other agents from their encoded observation-action pairs
``e_j`` (one-hot actions). How ``x_i`` is formed is the subclass's: multi-head attention
(:class:`AttentionCritic`, AMARL) or concatenation (:class:`ConcatCritic`). Encoders and head
are shared by all agents, so one critic serves factories of any size. Batches are padded:
``agents`` masks the real agents of each sample.
"""

from __future__ import annotations

import torch
from torch import nn


class AigcCritic(nn.Module):
    kind = "base"

    def __init__(self, inputs: int, actions: int, hidden: int = 128, **_) -> None:
        super().__init__()
        self.inputs, self.actions, self.hidden = inputs, actions, hidden
        self.state_encoder = nn.Sequential(nn.Linear(inputs, hidden), nn.LeakyReLU())
        self.pair_encoder = nn.Sequential(nn.Linear(inputs + actions, hidden), nn.LeakyReLU())
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.LeakyReLU(),
                                  nn.Linear(hidden, actions))

    def forward(self, obs: torch.Tensor, actions: torch.Tensor,
                agents: torch.Tensor) -> torch.Tensor:
        """``obs [B, N, F]``, ``actions [B, N]`` (long), ``agents [B, N]`` (bool) →
        ``Q [B, N, actions]``."""
        onehot = nn.functional.one_hot(actions, self.actions).to(obs.dtype)
        s = self.state_encoder(obs)
        e = self.pair_encoder(torch.cat([obs, onehot], -1))
        x = self.context(s, e, agents)
        return self.head(torch.cat([s, x], -1))

    def context(self, s: torch.Tensor, e: torch.Tensor, agents: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def others(agents: torch.Tensor) -> torch.Tensor:
        """``[B, N, N]``: true where ``j`` is a real agent other than ``i``."""
        n = agents.shape[1]
        eye = torch.eye(n, dtype=torch.bool, device=agents.device)
        return agents[:, None, :] & ~eye[None]

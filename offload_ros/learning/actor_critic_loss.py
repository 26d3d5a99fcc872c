"""The actor-critic update shared by MCOO's A3C workers and the AC baseline: n-step
advantages per AGV trajectory, policy gradient with advantages scaled to unit spread and an
entropy bonus, and a squared-error critic."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.rollout import RolloutBatch


class ActorCriticLoss:
    """``loss, stats = ActorCriticLoss(actor, critic, config, centralised)(batch)``.

    A centralised critic sees the decision's features and the fleet's global state
    (training only); an independent one sees the features alone."""

    def __init__(self, actor: MlpNetwork, critic: MlpNetwork, gamma: float, n_steps: int,
                 entropy: float, value_coef: float, centralised: bool) -> None:
        self.actor, self.critic = actor, critic
        self.gamma, self.n_steps = gamma, n_steps
        self.entropy, self.value_coef = entropy, value_coef
        self.centralised = centralised

    def critic_input(self, batch: RolloutBatch) -> torch.Tensor:
        x = torch.from_numpy(batch.obs)
        return torch.cat([x, torch.from_numpy(batch.states)], 1) if self.centralised else x

    @staticmethod
    def n_step(rewards: np.ndarray, values: np.ndarray, last: np.ndarray, gamma: float,
               n: int) -> np.ndarray:
        """n-step advantages ``sum_{i<n} g^i r_{j+i} + g^n V_{j+n} - V_j`` along each AGV's
        trajectory; a trajectory ends at ``last`` (the horizon: nothing to bootstrap from)."""
        adv = np.empty_like(rewards)
        end = len(rewards)
        for i in range(len(rewards) - 1, -1, -1):
            if last[i]:
                end = i + 1  # one past this trajectory's last decision
            stop = min(i + n, end)
            ret = 0.0
            for k in range(stop - 1, i - 1, -1):
                ret = rewards[k] + gamma * ret
            if stop < end:
                ret += gamma ** (stop - i) * values[stop]
            adv[i] = ret - values[i]
        return adv

    def __call__(self, batch: RolloutBatch) -> tuple[torch.Tensor, dict[str, float]]:
        values = self.critic(self.critic_input(batch)).squeeze(1)
        v = values.detach().numpy()
        adv = self.n_step(batch.rewards, v, batch.last, self.gamma, self.n_steps)
        returns = torch.from_numpy(adv + v)
        # scaled, not centred: an advantage of 0 means "as good as expected" and most
        # decisions have exactly that (a choice with the plan's effect has D = 0)
        a = torch.from_numpy(adv)
        a = a / (a.std() + 1e-8) if len(a) > 1 else a
        logits = self.actor(torch.from_numpy(batch.obs))
        logp_all = torch.log_softmax(logits, 1)
        logp = logp_all.gather(1, torch.from_numpy(batch.actions)[:, None]).squeeze(1)
        entropy = -(logp_all.exp() * logp_all).sum(1).mean()
        policy_loss = -(logp * a).mean()
        value_loss = nn.functional.mse_loss(values, returns)
        loss = policy_loss - self.entropy * entropy + self.value_coef * value_loss
        return loss, {"policy_loss": policy_loss.item(), "value_loss": value_loss.item(),
                      "entropy": entropy.item()}


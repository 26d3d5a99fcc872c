"""The paper's AC baseline: independent synchronous actor-critic, one process.

Every AGV runs the same actor (parameters shared, as in MCOO), but the critic sees only the
decision's own features and the reward is the global one (eq. 19) unless told otherwise:
no centralised critic, no difference reward, no asynchronous workers.
"""

from __future__ import annotations

from pathlib import Path

import torch

from offload_ros.learning.actor_critic_loss import ActorCriticLoss
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.policy_sampler import PolicySampler
from offload_ros.learning.rollout import Rollout
from offload_ros.learning.trainer import Trainer
from offload_ros.model.seeding import Seeding
from offload_ros.sim.observation_features import ObservationFeatures


class TrainAc(Trainer):
    def run(self) -> Path:
        cfg = self.config
        Seeding.seed_global(cfg.seed)
        actor = self.actor_network(cfg)
        critic = MlpNetwork(ObservationFeatures.SIZE, 1, cfg.hidden)
        opt = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=cfg.lr)
        self.start_from({"actor": actor, "critic": critic})
        if self.resume is not None and self.resume.optimizer:
            opt.load_state_dict(self.resume.optimizer)
        rollout = Rollout(self.family, cfg.seed, reward=cfg.reward,
                          reward_scale_kb=cfg.reward_scale_kb, noise=cfg.disturbance(),
                          nominal_share=cfg.nominal_weight)
        sampler = PolicySampler(actor, Seeding.rng(cfg.seed, "ac", "actions"))
        loss_fn = ActorCriticLoss(actor, critic, cfg.gamma, cfg.n_steps, cfg.entropy,
                                  cfg.value_coef, centralised=False)
        run = self.training_run()
        try:
            run.record(actor.numpy_layers())
            self.imitate(actor, run)
            while not run.over():
                batch = rollout.collect(sampler, cfg.episodes_per_update)
                loss, _ = loss_fn(batch)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(list(actor.parameters()) +
                                               list(critic.parameters()), 1.0)
                opt.step()
                run.add(batch.episodes, batch.decisions, batch.returns_per_episode(),
                        batch.mean_kb_per_h())
                run.progress(actor.numpy_layers)
            run.record(actor.numpy_layers())
            return run.save({"actor": actor, "critic": critic}, "actor", opt.state_dict())
        finally:
            run.close()

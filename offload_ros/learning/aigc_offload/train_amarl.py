"""AMARL: decentralised actors, a centralised soft Q critic with multi-head attention over the
other agents, trained off-policy from a replay buffer (soft actor-critic, MAAC-style).

One actor and one critic are shared by every AGV (the fleet size changes from episode to
episode; the networks do not). Per minibatch of replayed epochs:

- critic: ``Q_i(o, a)`` towards ``r_i + gamma (1 - done) sum_a' pi(a'|o'_i) (Q'_i(o', a') -
  alpha log pi(a'|o'_i))``, the other agents' next actions sampled from the current actors,
  ``Q'`` a soft-updated target critic; every real agent counts (one with nothing to place
  holds);
- actors: ``sum_a pi(a|o_i) (alpha log pi(a|o_i) - Q_i(o, a))`` for agents that had a task,
  the others' actions sampled from the current actors (as MAAC does).

``--algo concat`` is the same with :class:`ConcatCritic` (the ablation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
from offload_ros.learning.aigc_offload.aigc_policy import AigcPolicy
from offload_ros.learning.aigc_offload.aigc_replay_buffer import AigcReplayBuffer
from offload_ros.learning.aigc_offload.aigc_training_config import AigcTrainingConfig
from offload_ros.learning.aigc_offload.aigc_training_run import AigcTrainingRun
from offload_ros.learning.aigc_offload.attention_critic import AttentionCritic
from offload_ros.learning.aigc_offload.concat_critic import ConcatCritic
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation

CRITICS = {"amarl": AttentionCritic, "concat": ConcatCritic}


class TrainAmarl:
    def __init__(self, config: AigcTrainingConfig, out: Path, *, progress: bool = True,
                 resume: AigcCheckpoint | None = None) -> None:
        self.config, self.out, self.progress, self.resume = config, Path(out), progress, resume
        self.critic_updates = 0 if resume is None else config.actor_delay
        self.steps = 0

    @staticmethod
    def critic(cfg: AigcTrainingConfig) -> torch.nn.Module:
        return CRITICS[cfg.algo](AigcObservation.size(cfg.es), cfg.es + 1, cfg.hidden,
                                 heads=cfg.heads, max_agents=cfg.agvs_max)

    def run(self) -> Path:
        cfg = self.config
        Seeding.seed_global(cfg.seed)
        torch.set_num_threads(1)
        actor = AigcActor(cfg.es, cfg.hidden, cfg.prior)
        critic, target = self.critic(cfg), self.critic(cfg)
        opt_a = torch.optim.Adam(actor.parameters(), lr=cfg.lr_actor)
        opt_c = torch.optim.Adam(critic.parameters(), lr=cfg.lr_critic)
        if self.resume is not None:
            for net, role in ((actor, "actor"), (critic, "critic"), (target, "target")):
                self.resume.load_into(net, role)
            opt_a.load_state_dict(self.resume.optimizers["actor"])
            opt_c.load_state_dict(self.resume.optimizers["critic"])
        else:
            target.load_state_dict(critic.state_dict())
        rng = Seeding.rng(cfg.seed, "amarl")
        buffer = AigcReplayBuffer(cfg.buffer, cfg.agvs_max, AigcObservation.size(cfg.es),
                                  cfg.es + 1)
        run = AigcTrainingRun(cfg, self.out, self.progress, self.resume)
        holder = AigcCheckpoint.of(cfg, {}, "actor", [], {})

        def policy() -> AigcPolicy:
            return AigcPolicy(holder, network=actor)

        layers = [actor.numpy_layers()]

        def act(obs, mask) -> np.ndarray:
            return actor.numpy_act(obs.features, mask, rng, layers[0])

        def learn() -> None:
            self.steps += 1
            if buffer.size >= max(cfg.warmup, cfg.batch) and self.steps % cfg.update_every == 0:
                self.update(actor, critic, target, opt_a, opt_c, buffer.sample(rng, cfg.batch))
                run.updates += 1
                if run.updates % 10 == 0:
                    layers[0] = actor.numpy_layers()

        try:
            run.record(policy())
            k = 0
            while not run.over():
                run.play(k, buffer, act, learn)
                k += 1
                run.progress(policy)
            run.record(policy())
            return run.save({"actor": actor, "critic": critic, "target": target}, "actor",
                            {"actor": opt_a, "critic": opt_c})
        finally:
            run.close()

    def update(self, actor, critic, target, opt_a, opt_c, batch: dict) -> dict[str, float]:
        cfg = self.config
        t = {k: torch.from_numpy(v) for k, v in batch.items()}
        agents = t["agents"]
        active = agents & t["mask"][..., 1:].any(-1)
        with torch.no_grad():
            logits2 = actor(t["next_obs"], t["next_mask"])
            logp2 = torch.log_softmax(logits2, -1)
            p2 = logp2.exp()
            a2 = torch.distributions.Categorical(logits=logits2).sample()
            q2 = target(t["next_obs"], a2, agents)
            v2 = (p2 * (q2 - cfg.alpha * logp2.clamp(min=-30.0))).sum(-1)
            y = t["rewards"] + cfg.gamma * (1.0 - t["done"][:, None]) * v2
        q = critic(t["obs"], t["actions"], agents).gather(-1, t["actions"][..., None])[..., 0]
        w = agents.float()
        critic_loss = (((q - y) ** 2) * w).sum() / w.sum()
        opt_c.zero_grad()
        critic_loss.backward()
        torch.nn.utils.clip_grad_norm_(critic.parameters(), 10.0)
        opt_c.step()
        self.critic_updates += 1
        actor_loss = torch.zeros(())
        if self.critic_updates > cfg.actor_delay:
            actor_loss = self.update_actor(actor, critic, opt_a, t, agents, active)
        with torch.no_grad():
            for p_t, p_c in zip(target.parameters(), critic.parameters()):
                p_t.mul_(1.0 - cfg.tau).add_(cfg.tau * p_c)
        return {"critic": critic_loss.item(), "actor": actor_loss.item()}

    def update_actor(self, actor, critic, opt_a, t, agents, active) -> torch.Tensor:
        cfg = self.config
        logits = actor(t["obs"], t["mask"])
        logp = torch.log_softmax(logits, -1)
        p = logp.exp()
        with torch.no_grad():
            sampled = torch.distributions.Categorical(logits=logits).sample()
            q_all = critic(t["obs"], sampled, agents)
        per_agent = (p * (cfg.alpha * logp.clamp(min=-30.0) - q_all)).sum(-1)
        wa = active.float()
        actor_loss = (per_agent * wa).sum() / wa.sum().clamp(min=1.0)
        opt_a.zero_grad()
        actor_loss.backward()
        torch.nn.utils.clip_grad_norm_(actor.parameters(), 10.0)
        opt_a.step()
        return actor_loss.detach()

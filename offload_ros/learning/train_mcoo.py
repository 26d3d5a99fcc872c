"""MCOO: multi-agent A3C with difference rewards (the MCOO paper's Algorithm 2).

- One actor, shared by every AGV (decentralised: it sees only the decision's own features),
  and one centralised critic (the features plus the fleet's global state; training only).
- ``workers`` processes (torch.multiprocessing, spawn) each play their own factories from
  the family in lockstep batches, compute n-step advantages with an entropy bonus, and push
  gradients into the shared global networks through a shared Adam (Hogwild).
- The reward of a decision is eq. 25 taken per decision: the episode's processed work minus
  the same episode with that decision answered by the Algorithm 1 plan (the default action),
  every other choice repeated (counterfactual replay from a snapshot).

The parent process validates the global actor on held-back training factories, draws the
progress bar, writes TensorBoard and the training curve, and saves the checkpoint.
With ``workers=1`` the run is reproducible for a seed; with more, updates interleave as the
operating system schedules them (as in any A3C).
"""

from __future__ import annotations

import os
import queue
from pathlib import Path

import torch
import torch.multiprocessing as mp

from offload_ros.learning.actor_critic_loss import ActorCriticLoss
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.policy_sampler import PolicySampler
from offload_ros.learning.rollout import Rollout
from offload_ros.learning.shared_adam import SharedAdam
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.learning.trainer import Trainer
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding
from offload_ros.sim.episode import GLOBAL_STATE_SIZE
from offload_ros.sim.observation_features import ObservationFeatures


def _networks(cfg: TrainingConfig) -> tuple[MlpNetwork, MlpNetwork]:
    return (Trainer.actor_network(cfg),
            MlpNetwork(ObservationFeatures.SIZE + GLOBAL_STATE_SIZE, 1, cfg.hidden))


def _worker(rank: int, cfg: TrainingConfig, family: ScenarioFamily, actor: MlpNetwork,
            critic: MlpNetwork, optimizer: SharedAdam, stop, reports, parent: int) -> None:
    """One A3C worker; it ends when told to, or when its parent (the trainer) is gone (a
    killed trainer leaves no worker behind)."""
    torch.set_num_threads(1)
    Seeding.seed_global(Seeding.int_seed(cfg.seed, "mcoo-worker", rank))
    local_actor, local_critic = _networks(cfg)
    rollout = Rollout(family, cfg.seed, reward=cfg.reward, reward_scale_kb=cfg.reward_scale_kb,
                      with_state=True, worker=rank, noise=cfg.disturbance(),
                      nominal_share=cfg.nominal_weight)
    sampler = PolicySampler(local_actor, Seeding.rng(cfg.seed, "mcoo-actions", rank))
    loss_fn = ActorCriticLoss(local_actor, local_critic, cfg.gamma, cfg.n_steps, cfg.entropy,
                              cfg.value_coef, centralised=True)
    shared = list(actor.parameters()) + list(critic.parameters())
    local = list(local_actor.parameters()) + list(local_critic.parameters())
    while not stop.is_set() and os.getppid() == parent:
        local_actor.load_state_dict(actor.state_dict())
        local_critic.load_state_dict(critic.state_dict())
        batch = rollout.collect(sampler, cfg.episodes_per_update)
        loss, stats = loss_fn(batch)
        for p in local:
            p.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(local, 1.0)
        for lp, gp in zip(local, shared):
            gp.grad = lp.grad
        optimizer.step()
        reports.put((batch.episodes, batch.decisions, batch.returns_per_episode(),
                     batch.mean_kb_per_h()))


class TrainMcoo(Trainer):
    def run(self) -> Path:
        cfg = self.config
        Seeding.seed_global(cfg.seed)
        actor, critic = _networks(cfg)
        self.start_from({"actor": actor, "critic": critic})
        actor.share_memory()
        critic.share_memory()
        optimizer = SharedAdam(list(actor.parameters()) + list(critic.parameters()), cfg.lr)
        if self.resume is not None and self.resume.optimizer:
            optimizer.load_state_dict(self.resume.optimizer)
            optimizer.share_memory()
        run = self.training_run()
        ctx = mp.get_context("spawn")
        stop, reports = ctx.Event(), ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(rank, cfg, self.family, actor, critic,
                                                     optimizer, stop, reports, os.getpid()),
                               daemon=True)
                   for rank in range(cfg.workers)]
        try:
            run.record(actor.numpy_layers())
            self.imitate(actor, run)
            for w in workers:
                w.start()
            while not run.over() or run.episodes == 0:   # at least one update, however short
                try:
                    report = reports.get(timeout=0.5)
                except queue.Empty:
                    if not any(w.is_alive() for w in workers):
                        raise RuntimeError("every A3C worker died; see the messages above")
                    run.tick()
                    continue
                run.add(*report)
                run.progress(actor.numpy_layers)
            stop.set()
            for w in workers:
                w.join(timeout=30)
            while True:  # count what finished after the deadline, too
                try:
                    run.add(*reports.get_nowait())
                except queue.Empty:
                    break
            run.record(actor.numpy_layers())
            return run.save({"actor": actor, "critic": critic}, "actor", optimizer.state_dict())
        finally:
            stop.set()
            for w in workers:
                if w.is_alive():
                    w.terminate()
            run.close()

"""The paper's DQN baseline: independent deep Q-learning with a replay buffer and a target
network. One Q network is shared by every AGV (each learns as if the others were part of the
world); the reward is the global one (eq. 19) unless told otherwise; exploration is
epsilon-greedy, falling from 1 to ``epsilon_end`` over ``epsilon_share`` of the budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.replay_buffer import ReplayBuffer
from offload_ros.learning.rollout import Rollout
from offload_ros.learning.trainer import Trainer
from offload_ros.learning.transition_dataset import TransitionDataset
from offload_ros.model.seeding import Seeding
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation_features import ObservationFeatures


class TrainDqn(Trainer):
    def run(self) -> Path:
        cfg = self.config
        Seeding.seed_global(cfg.seed)
        q = MlpNetwork(ObservationFeatures.SIZE, ActionSet.size(), cfg.hidden)
        opt = torch.optim.Adam(q.parameters(), lr=cfg.lr)
        self.start_from({"q": q})
        if self.resume is not None and self.resume.optimizer:
            opt.load_state_dict(self.resume.optimizer)
        target = MlpNetwork(q.inputs, q.outputs, q.hidden)
        target.load_state_dict(q.state_dict())
        rng = Seeding.rng(cfg.seed, "dqn")
        buffer = ReplayBuffer(cfg.buffer, ObservationFeatures.SIZE)
        if cfg.dataset:   # recorded live transitions: offline experience to start from
            buffer.add(TransitionDataset.load(cfg.dataset, cfg.reward_scale_kb))
        rollout = Rollout(self.family, cfg.seed, reward=cfg.reward,
                          reward_scale_kb=cfg.reward_scale_kb, noise=cfg.disturbance(),
                          nominal_share=cfg.nominal_weight)
        run = self.training_run()
        explore_s = cfg.epsilon_share * cfg.minutes * 60.0
        state = {"epsilon": 1.0 if self.resume is None else cfg.epsilon_end}

        def act(x: np.ndarray, _states=None) -> np.ndarray:
            with torch.no_grad():
                greedy = q(torch.from_numpy(x)).argmax(1).numpy()
            explore = rng.random(len(x)) < state["epsilon"]
            return np.where(explore, rng.integers(0, ActionSet.size(), len(x)), greedy)

        updates = 0
        try:
            run.record(q.numpy_layers())
            while not run.over():
                if self.resume is None:
                    state["epsilon"] = max(cfg.epsilon_end,
                                           1.0 - (1.0 - cfg.epsilon_end) * run.elapsed() / explore_s)
                batch = rollout.collect(act, cfg.episodes_per_update)
                buffer.add(batch)
                for _ in range(max(1, batch.decisions // cfg.batch)):
                    o, a, r, o2, d = (torch.from_numpy(v) for v in buffer.sample(rng, cfg.batch))
                    with torch.no_grad():
                        y = r + cfg.gamma * (1.0 - d) * target(o2).max(1).values
                    pred = q(o).gather(1, a[:, None]).squeeze(1)
                    loss = nn.functional.smooth_l1_loss(pred, y)
                    opt.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(q.parameters(), 10.0)
                    opt.step()
                    updates += 1
                    if updates % cfg.target_every == 0:
                        target.load_state_dict(q.state_dict())
                run.add(batch.episodes, batch.decisions, batch.returns_per_episode(),
                        batch.mean_kb_per_h())
                run.progress(q.numpy_layers)
            run.record(q.numpy_layers())
            return run.save({"q": q}, "q", opt.state_dict())
        finally:
            run.close()

"""Independent DQN for AIGC offloading (a baseline of the AMARL paper): one Q network shared by
every AGV, each learning as if the others were part of the world, from replayed decisions
(double DQN targets, a target network, epsilon-greedy exploration falling from 1 to
``epsilon_end`` over ``epsilon_share`` of the budget). Rewards as for AMARL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
from offload_ros.learning.aigc_offload.aigc_policy import AigcPolicy
from offload_ros.learning.aigc_offload.aigc_replay_buffer import AigcReplayBuffer
from offload_ros.learning.aigc_offload.aigc_training_config import AigcTrainingConfig
from offload_ros.learning.aigc_offload.aigc_training_run import AigcTrainingRun
from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation


class TrainIdqn:
    def __init__(self, config: AigcTrainingConfig, out: Path, *, progress: bool = True,
                 resume: AigcCheckpoint | None = None) -> None:
        self.config, self.out, self.progress, self.resume = config, Path(out), progress, resume

    def run(self) -> Path:
        cfg = self.config
        Seeding.seed_global(cfg.seed)
        torch.set_num_threads(1)
        width, actions = AigcObservation.size(cfg.es), cfg.es + 1
        q = MlpNetwork(width, actions, cfg.hidden)
        opt = torch.optim.Adam(q.parameters(), lr=cfg.lr_critic)
        if self.resume is not None:
            self.resume.load_into(q, "q")
            opt.load_state_dict(self.resume.optimizers["q"])
        target = MlpNetwork(width, actions, cfg.hidden)
        target.load_state_dict(q.state_dict())
        rng = Seeding.rng(cfg.seed, "idqn")
        buffer = AigcReplayBuffer(cfg.buffer, cfg.agvs_max, width, actions)
        run = AigcTrainingRun(cfg, self.out, self.progress, self.resume)
        holder = AigcCheckpoint.of(cfg, {}, "q", [], {})
        explore_s = cfg.epsilon_share * cfg.minutes * 60.0
        state = {"steps": 0, "epsilon": 1.0, "layers": q.numpy_layers()}

        def act(obs, mask) -> np.ndarray:
            values = MlpNetwork.numpy_forward(state["layers"], obs.features.astype(np.float64))
            actions = np.where(mask, values, -np.inf).argmax(1)
            for i in np.flatnonzero(rng.random(len(actions)) < state["epsilon"]):
                actions[i] = rng.choice(np.flatnonzero(mask[i]))
            return actions

        def learn() -> None:
            state["steps"] += 1
            if buffer.size >= max(cfg.warmup, cfg.batch) and \
                    state["steps"] % cfg.update_every == 0:
                self.update(q, target, opt, buffer.sample(rng, cfg.batch))
                run.updates += 1
                if run.updates % cfg.target_every == 0:
                    target.load_state_dict(q.state_dict())
                if run.updates % 10 == 0:
                    state["layers"] = q.numpy_layers()

        try:
            run.record(AigcPolicy(holder, network=q))
            k = 0
            while not run.over():
                state["epsilon"] = cfg.epsilon_end if self.resume is not None else max(
                    cfg.epsilon_end, 1.0 - (1.0 - cfg.epsilon_end) * run.elapsed() / explore_s)
                run.play(k, buffer, act, learn)
                k += 1
                run.progress(lambda: AigcPolicy(holder, network=q))
            run.record(AigcPolicy(holder, network=q))
            return run.save({"q": q}, "q", {"q": opt})
        finally:
            run.close()

    def update(self, q, target, opt, batch: dict) -> float:
        """One double-DQN step on the minibatch's decisions (agents that had a task)."""
        cfg = self.config
        pick = batch["agents"] & batch["mask"][..., 1:].any(-1)
        if not pick.any():
            return 0.0
        done = np.broadcast_to(batch["done"][:, None], pick.shape)[pick]
        o, a, r, o2, m2, d = (torch.from_numpy(np.ascontiguousarray(v)) for v in (
            batch["obs"][pick], batch["actions"][pick], batch["rewards"][pick],
            batch["next_obs"][pick], batch["next_mask"][pick], done))
        with torch.no_grad():
            best = q(o2).masked_fill(~m2, -1e9).argmax(1, keepdim=True)
            y = r + cfg.gamma * (1.0 - d) * target(o2).gather(1, best)[:, 0]
        pred = q(o).gather(1, a[:, None])[:, 0]
        loss = nn.functional.smooth_l1_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(q.parameters(), 10.0)
        opt.step()
        return loss.item()

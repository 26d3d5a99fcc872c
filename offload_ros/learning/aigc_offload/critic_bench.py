"""``offload-ros bench attention``: the cost of one AMARL critic update against the number of
agents, next to the concatenation critic's (each built for exactly that many agents)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np


class CriticBench:
    def __init__(self, sizes=(2, 5, 10, 20), batch: int = 64, repeats: int = 30,
                 es: int = 6) -> None:
        self.sizes, self.batch, self.repeats, self.es = tuple(sizes), batch, repeats, es

    def run(self) -> list[dict]:
        import torch

        from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
        from offload_ros.learning.aigc_offload.aigc_training_config import (
            AigcTrainingConfig,
        )
        from offload_ros.learning.aigc_offload.train_amarl import TrainAmarl
        from offload_ros.model.seeding import Seeding
        from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
        torch.set_num_threads(1)
        Seeding.seed_global(0)
        rng = Seeding.rng(0, "attention-bench")
        width, actions = AigcObservation.size(self.es), self.es + 1
        rows = []
        for algo in ("amarl", "concat"):
            for n in self.sizes:
                cfg = replace(AigcTrainingConfig(algo=algo, es=self.es, batch=self.batch),
                              agvs_min=1, agvs_max=n, actor_delay=0)
                trainer = TrainAmarl(cfg, "unused", progress=False)
                actor = AigcActor(self.es, cfg.hidden, cfg.prior)
                critic, target = trainer.critic(cfg), trainer.critic(cfg)
                opt_a = torch.optim.Adam(actor.parameters())
                opt_c = torch.optim.Adam(critic.parameters())
                b, shape = self.batch, (self.batch, n)
                batch = {"obs": rng.random(shape + (width,), np.float32),
                         "next_obs": rng.random(shape + (width,), np.float32),
                         "actions": rng.integers(0, actions, shape),
                         "rewards": rng.random(shape, np.float32),
                         "agents": np.ones(shape, bool),
                         "mask": np.ones(shape + (actions,), bool),
                         "next_mask": np.ones(shape + (actions,), bool),
                         "done": np.zeros(b, np.float32)}
                for _ in range(3):
                    trainer.update(actor, critic, target, opt_a, opt_c, batch)
                times = []
                for _ in range(self.repeats):
                    t0 = time.perf_counter()
                    trainer.update(actor, critic, target, opt_a, opt_c, batch)
                    times.append(time.perf_counter() - t0)
                params = sum(p.numel() for p in critic.parameters())
                rows.append({"critic": algo, "agents": n, "update_ms": 1000 * float(np.median(times)),
                             "critic_params": int(params)})
        for algo in ("amarl", "concat"):
            mine = [r for r in rows if r["critic"] == algo]
            for r in mine:
                r["vs_smallest"] = r["update_ms"] / mine[0]["update_ms"]
                r["per_agent_ms"] = r["update_ms"] / r["agents"]
        return rows

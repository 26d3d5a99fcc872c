"""What every AIGC offloading training run shares: the factories it plays, the wall-clock
budget, validation on held-back training factories (the training curve), the progress bar,
TensorBoard and CSV logs, checkpoints (with ``keep: best``, the decider of the best
validation return)."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np

from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
from offload_ros.learning.aigc_offload.aigc_policy import AigcPolicy
from offload_ros.learning.aigc_offload.aigc_training_config import AigcTrainingConfig
from offload_ros.learning.training_log import TrainingLog
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding
from offload_ros.sim.aigc_offload.aigc_episode import AigcEpisode
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import (
    AigcSimulator,
    AigcSimulatorConfig,
)

CURVE_FIELDS = ("wall_s", "episodes", "epochs", "updates", "train_return", "val_return",
                "val_latency_s", "val_completion", "val_latency_vs_greedy")


class AigcTrainingRun(TrainingLog):
    """Training factories: ``family.draw(seed, "aigc-train", k)``, sizes uniform in
    agvs_min..agvs_max, task seeds below the evaluation range; validation: stream
    ``"aigc-validation"``, the sizes in turn; ``val_latency_vs_greedy`` is the mean
    latency over the least-finish-time planner's on the same episodes (below 1 is better)."""

    def __init__(self, config: AigcTrainingConfig, out: Path, progress: bool = True,
                 resume: AigcCheckpoint | None = None) -> None:
        super().__init__(config.algo, config.minutes, out, progress)
        self.config = config
        self.family = ScenarioFamily(agvs_min=config.agvs_min, agvs_max=config.agvs_max,
                                     es=config.es)
        self.sim_config = AigcSimulatorConfig(config.latency_scale_s, config.miss_penalty,
                                              config.team_weight)
        sizes = list(range(config.agvs_min, config.agvs_max + 1))
        self.validation = []
        for k in range(config.eval_episodes):
            fam = ScenarioFamily(agvs_min=sizes[k % len(sizes)], agvs_max=sizes[k % len(sizes)],
                                 es=config.es)
            self.validation.append((fam.draw(config.seed, "aigc-validation", k),
                                    Seeding.int_seed(config.seed, "aigc-validation-tasks", k)))
        self.greedy_latency = self._validate(_Greedy())[1]
        self.curve: list[dict[str, float]] = list(resume.curve) if resume else []
        last = self.curve[-1] if self.curve else {}
        self.wall0 = float(last.get("wall_s", 0.0))
        self.base = {k: int(last.get(k, 0)) for k in ("episodes", "epochs", "updates")}
        self.episodes = self.epochs = self.updates = 0
        self.train_return = 0.0
        self.best: tuple[float, dict] | None = None     # (validation return, decider weights)
        self.begin()                            # the budget starts after the set-up
        self.next_eval = self.start

    # -------------------------------------------------------------- episodes
    def scenario(self, k: int) -> tuple[Scenario, int]:
        """Training episode ``k``: its factory and task seed."""
        k += self.base["episodes"]
        return (self.family.draw(self.config.seed, "aigc-train", k),
                Seeding.int_seed(self.config.seed, "aigc-train-tasks", k))

    def play(self, k: int, buffer, act, learn) -> None:
        """Training episode ``k``: ``act(obs, mask)`` each epoch, every epoch into ``buffer``,
        then ``learn()``; the episode's return is counted."""
        sc, task_seed = self.scenario(k)
        sim = AigcSimulator(sc, self.sim_config)
        sim.reset(task_seed)
        obs = AigcObservation(sim)
        mask = AigcPolicy.masks(obs)
        total, epochs = 0.0, 0
        while not sim.done:
            actions = act(obs, mask)
            rewards = sim.step(actions)
            nxt = AigcObservation(sim)
            nmask = AigcPolicy.masks(nxt)
            buffer.add(obs.features, mask, actions, rewards, nxt.features, nmask, sim.done)
            obs, mask = nxt, nmask
            total += float(rewards.mean())
            epochs += 1
            learn()
        self.add_episode(total, epochs)

    def _validate(self, policy) -> tuple[float, float, float]:
        rows = [AigcEpisode.run(sc, policy, seed, self.sim_config)
                for sc, seed in self.validation]
        return (float(np.mean([r["return"] for r in rows])),
                float(np.mean([r["mean_latency_s"] for r in rows])),
                float(np.mean([r["completion_rate"] for r in rows])))

    # -------------------------------------------------------------- budget and logging
    def add_episode(self, episode_return: float, epochs: int) -> None:
        first = self.episodes == 0
        self.episodes += 1
        self.epochs += epochs
        self.train_return = episode_return if first else \
            0.95 * self.train_return + 0.05 * episode_return

    def progress(self, policy) -> None:
        if time.monotonic() >= self.next_eval:
            self.record(policy())
        else:
            self.tick()

    def record(self, policy) -> dict[str, float]:
        ret, lat, comp = self._validate(policy)
        row = {"wall_s": round(self.wall0 + self.elapsed(), 2),
               "episodes": self.base["episodes"] + self.episodes,
               "epochs": self.base["epochs"] + self.epochs,
               "updates": self.base["updates"] + self.updates,
               "train_return": round(self.train_return, 4), "val_return": round(ret, 4),
               "val_latency_s": round(lat, 4), "val_completion": round(comp, 5),
               "val_latency_vs_greedy": round(lat / self.greedy_latency, 5)}
        self.curve.append(row)
        if self.best is None or ret > self.best[0]:
            self.best = (ret, copy.deepcopy(policy.net.state_dict()))
        self.next_eval = time.monotonic() + self.config.eval_every_s
        self.scalars(row, CURVE_FIELDS[4:], row["episodes"])
        self.tick({"episodes": row["episodes"], "return": row["val_return"],
                   "latency": f"{row['val_latency_s']:.2f}s",
                   "done": f"{row['val_completion']:.3f}",
                   "vs greedy": f"{row['val_latency_vs_greedy']:.3f}"})
        return row

    def save(self, networks, decider: str, optimizers) -> Path:
        """Writes the checkpoint and the curve; with ``keep: best`` the decider's weights are
        the best validated ones first (the critic and optimisers stay the last)."""
        if self.config.keep == "best" and self.best is not None:
            networks[decider].load_state_dict(self.best[1])
        ck = AigcCheckpoint.of(self.config, networks, decider, self.curve, optimizers)
        path = ck.save(self.out / "policy.pt")
        self.write_curve(self.curve, CURVE_FIELDS)
        return path


class _Greedy:
    """The least-finish-time rule, for the validation ratio (planning/ is a sibling layer)."""

    def act(self, obs: AigcObservation) -> np.ndarray:
        return obs.least(obs.eft_s)

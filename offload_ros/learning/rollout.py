"""Batched rollouts: several episodes stepped in lockstep so one network call serves a
decision of each, then per-decision rewards from the simulator (global or eq. 25)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from offload_ros.model.disturbance import Disturbance
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.episode import Episode
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.simulator import Simulator

#: ``act(features [B, F], states [B, S] or None) -> actions [B]``
ActFn = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]


@dataclass
class RolloutBatch:
    """Decisions of all AGVs of all episodes, each AGV's in a contiguous run (a trajectory):
    ``last[i]`` marks the last decision of a trajectory. Rewards are in kB over the scale."""

    obs: np.ndarray          # [N, F] float32
    states: np.ndarray       # [N, S] float32 (empty second axis unless asked for)
    actions: np.ndarray      # [N] int64
    rewards: np.ndarray      # [N] float32
    last: np.ndarray         # [N] bool
    processed_kb_per_h: list[float]   # per episode
    episodes: int

    @property
    def decisions(self) -> int:
        return len(self.actions)

    def returns_per_episode(self) -> float:
        return float(self.rewards.sum()) / max(1, self.episodes)

    def mean_kb_per_h(self) -> float:
        return sum(self.processed_kb_per_h) / max(1, self.episodes)


class Rollout:
    """Draws training factories from ``family`` (seed stream ``(seed, "train", worker, n)``)
    and plays them with ``act``."""

    def __init__(self, family: ScenarioFamily, seed: int, *, reward: str, reward_scale_kb: float,
                 with_state: bool = False, worker: int = 0,
                 noise: Disturbance | None = None, nominal_share: float = 0.0) -> None:
        """``reward``: ``global`` (eq. 19: work processed until the AGV's next decision) or
        ``difference`` (eq. 25 per decision: the episode's processed work minus the same
        episode with that one decision answered by the Algorithm 1 plan; exactly 0 where
        the choice had the plan's effect)."""
        self.family = family
        self.seed = seed
        self.reward = reward
        self.scale = reward_scale_kb
        self.with_state = with_state
        self.worker = worker
        self.noise = noise
        self.nominal_share = nominal_share
        self.drawn = 0

    @staticmethod
    def simulator(scenario: Scenario, noise: Disturbance | None, seed: int,
                  *stream: str | int) -> Simulator:
        """The episode of ``scenario`` under its own disturbance or else ``noise`` (drawn for
        the training noise seed of ``(seed, *stream)``)."""
        if scenario.disturbance is None and noise is not None:
            scenario = dataclasses.replace(scenario, disturbance=noise)
        active = scenario.disturbance is not None and scenario.disturbance.active
        return Simulator(scenario, noise_seed=Seeding.training_noise_seed(seed, *stream)
                         if active else 0)

    def collect(self, act: ActFn, episodes: int) -> RolloutBatch:
        runs = []
        for _ in range(episodes):
            sc = self.family.draw(self.seed, "train", self.worker, self.drawn)
            nominal = self.nominal_share > 0 and Seeding.rng(
                self.seed, "nominal", self.worker, self.drawn).random() < self.nominal_share
            sim = Simulator(dataclasses.replace(sc, disturbance=None)) if nominal else \
                self.simulator(sc, self.noise, self.seed, "train", self.worker, self.drawn)
            self.drawn += 1
            runs.append((sim, ObservationFeatures(sc),
                         Episode(sim, per_decision=self.reward == "difference", label="train")))
        n_agv = [len(sim.agv_ids) for sim, _, _ in runs]
        feats: list[list[list[np.ndarray]]] = [[[] for _ in range(n)] for n in n_agv]
        states: list[list[list[list[float]]]] = [[[] for _ in range(n)] for n in n_agv]
        acts: list[list[list[int]]] = [[[] for _ in range(n)] for n in n_agv]
        index: list[list[list[int]]] = [[[] for _ in range(n)] for n in n_agv]  # in trace
        steps = [0] * len(runs)
        live = [e for e in range(len(runs)) if not runs[e][2].done]
        while live:
            x = np.stack([runs[e][1](runs[e][2].observation) for e in live])
            s = np.asarray([runs[e][2].global_state() for e in live], np.float32) \
                if self.with_state else None
            a = act(x, s)
            for j, e in enumerate(live):
                ep = runs[e][2]
                obs = ep.observation
                m = obs.agv
                feats[e][m].append(x[j])
                acts[e][m].append(int(a[j]))
                index[e][m].append(steps[e])
                steps[e] += 1
                if s is not None:
                    states[e][m].append(s[j])
                ep.step(ActionSet.amount(int(a[j]), obs))
            live = [e for e in live if not runs[e][2].done]
        o, st, ac, rw, la, kbh = [], [], [], [], [], []
        for e, (sim, _, ep) in enumerate(runs):
            res = ep.result
            kbh.append(res.processed_kb_per_h)
            replay = CounterfactualReplay(sim)
            if self.reward == "global":
                per_agv = replay.step_rewards(res)
            else:
                choices = [[ActionSet.MULTIPLES[a] for a in acts[e][m]] for m in range(n_agv[e])]
                diff = replay.decision_differences(res, choices)
                per_agv = [[diff.get(j, 0.0) for j in index[e][m]] for m in range(n_agv[e])]
            for m in range(n_agv[e]):
                if not acts[e][m]:
                    continue
                o += feats[e][m]
                st += states[e][m]
                ac += acts[e][m]
                rw += per_agv[m]
                la += [False] * (len(acts[e][m]) - 1) + [True]
        width = len(st[0]) if st else 0
        return RolloutBatch(np.asarray(o, np.float32).reshape(len(ac), -1),
                            np.asarray(st, np.float32).reshape(len(ac), width),
                            np.asarray(ac, np.int64), np.asarray(rw, np.float32) / self.scale,
                            np.asarray(la, bool), kbh, len(runs))

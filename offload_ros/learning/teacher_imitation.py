"""Imitation before reinforcement learning (approximate policy iteration's first step): the
actor learns, by cross-entropy, the actions of a teacher that is already good on the factory.

The teacher is each training file's best fixed plan over the action set (``PlanSearch``,
weighing the nominal episode against disturbed ones when the training has noise). A fixed
plan is one action per (AGV, stop); the actor sees the stop's static features and learns it
from the states the teacher visits, nominal and disturbed, and from states off its path
(episodes in which a share of the decisions is random, labelled with the teacher's action
all the same), so the imitated actor does not fall apart where the fleet drifts from the
plan. A3C with difference rewards then starts from there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from offload_ros.learning.mlp_network import MlpNetwork
from offload_ros.learning.rollout import Rollout
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.model.seeding import Seeding
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation import Observation
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.plan_search import PlanSearch, PlanSearchConfig
from offload_ros.sim.plan_table import PlanTable
from offload_ros.sim.simulator import Simulator

#: episodes per file: nominal and disturbed, with these shares of random decisions
_EXPLORE = (0.0, 0.0, 0.1, 0.2, 0.3)
_EPISODES = 24


class TeacherImitation:
    """``TeacherImitation(config, family).fit(actor)`` → a summary (teacher gain, accuracy)."""

    def __init__(self, config: TrainingConfig, family: ScenarioFamily) -> None:
        self.config, self.family = config, family
        self.tables: list[tuple[Scenario, PlanTable]] = []

    def teach(self) -> list[tuple[Scenario, PlanTable]]:
        """The teacher of each training file (searched once)."""
        if not self.tables:
            cfg = self.config
            for path in self.family.files():
                sc = Scenario.load(path)
                noise = sc.disturbance if sc.disturbance is not None else cfg.disturbance()
                active = noise is not None and noise.active
                search = PlanSearchConfig(restarts=cfg.search_restarts, seed=cfg.seed,
                                          noise_draws=cfg.search_noise_draws if active else 0,
                                          nominal_weight=cfg.nominal_weight)
                self.tables.append((sc, PlanSearch.best(sc, search, noise if active else None)))
        return self.tables

    def dataset(self) -> tuple[np.ndarray, np.ndarray]:
        """Features and teacher actions of every decision of the teaching episodes."""
        xs: list[np.ndarray] = []
        ys: list[int] = []
        noise = self.config.disturbance()
        for f, (sc, table) in enumerate(self.teach()):
            features = ObservationFeatures(sc)
            rng = Seeding.rng(self.config.seed, "imitation", f)
            for e in range(_EPISODES):
                explore = _EXPLORE[e % len(_EXPLORE)]
                sim = Rollout.simulator(sc, noise, self.config.seed, "imitation", f, e) \
                    if e else Simulator(dataclasses.replace(sc, disturbance=None))

                def act(obs: Observation) -> float:
                    xs.append(features(obs))
                    ys.append(table.action(obs))
                    if explore and rng.random() < explore:
                        return ActionSet.amount(int(rng.integers(ActionSet.size())), obs)
                    return table.decide(obs)
                sim.run(act)
        return np.asarray(xs, np.float32), np.asarray(ys, np.int64)

    def fit(self, actor: MlpNetwork) -> dict[str, float]:
        """Trains ``actor`` on the teacher's actions (Adam, full batch, at most
        ``imitation_steps``, fewer once it matches the teacher on every decision)."""
        x, y = self.dataset()
        opt = torch.optim.Adam(actor.parameters(), lr=3e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        for step in range(self.config.imitation_steps):
            logits = actor(xt)
            if step % 100 == 0 and bool((logits.argmax(1) == yt).all()):
                break                 # it matches the teacher on every decision
            loss = torch.nn.functional.cross_entropy(logits, yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            accuracy = float((actor(xt).argmax(1) == yt).float().mean())
        gains = [t.gain for _, t in self.tables]
        return {"teacher_gain": float(np.mean(gains)), "accuracy": accuracy,
                "samples": float(len(y))}

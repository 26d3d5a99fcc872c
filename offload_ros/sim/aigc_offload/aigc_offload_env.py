"""AIGC task offloading as a PettingZoo parallel environment (GMEL).

Agents are the AGVs of a factory (``agv_0`` … in the file's order, so one environment serves
every factory of its size); every decision epoch each one places its oldest waiting task on an
edge server or holds it (:class:`AigcSimulator`). Observations are :class:`AigcObservation`
feature vectors; the action space is ``Discrete(1 + edge servers)`` (0 holds); ``infos`` carry
an ``action_mask`` (a full ES is masked; only hold is allowed with nothing to place) and
``active`` (the agent has a task to place). Each ``reset(seed)`` draws a factory from the
:class:`ScenarioFamily` with ``seed`` and the tasks with it, so the same seed gives the same
episode for the same actions. The episode ends when every task is done (or the drain runs out):
every agent is then truncated.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import (
    AigcSimulator,
    AigcSimulatorConfig,
)
from offload_ros.sim.errors import SimError


class AigcOffloadEnv(ParallelEnv):
    metadata = {"name": "aigc_offload_v0", "render_modes": ["ansi"]}

    def __init__(self, family: ScenarioFamily | Scenario | None = None, agvs: int | None = None,
                 config: AigcSimulatorConfig | None = None,
                 render_mode: str | None = None) -> None:
        if isinstance(family, Scenario):
            self._fixed, self.family = family, None
            n, m = len(family.agvs), len(family.edge_servers)
        else:
            family = family or ScenarioFamily()
            if agvs is not None:
                family = replace(family, agvs_min=agvs, agvs_max=agvs)
            if family.is_random and family.agvs_min != family.agvs_max:
                raise SimError(f"a parallel environment has a fixed number of agents: give "
                               f"agvs= (the family ranges {family.agvs_min}-{family.agvs_max})")
            self._fixed, self.family = None, family
            first = family.draw(0, "aigc-env")
            n, m = len(first.agvs), len(first.edge_servers)
        self.n_es = m
        self.config = config or AigcSimulatorConfig()
        self.render_mode = render_mode
        self.possible_agents = [f"agv_{k}" for k in range(n)]
        self.agents: list[str] = []
        size = AigcObservation.size(m)
        self._obs_space = spaces.Box(-np.inf, np.inf, (size,), np.float32)
        self._act_space = spaces.Discrete(m + 1)
        self.sim: AigcSimulator | None = None

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def scenario_for(self, seed: int) -> Scenario:
        if self._fixed is not None:
            return self._fixed
        sc = self.family.draw(seed, "aigc-env")
        if len(sc.agvs) != len(self.possible_agents) or len(sc.edge_servers) != self.n_es:
            raise SimError(f"{sc.name}: {len(sc.agvs)} AGVs and {len(sc.edge_servers)} edge "
                           f"servers, but this environment has {len(self.possible_agents)} "
                           f"and {self.n_es}")
        return sc

    def reset(self, seed: int | None = None, options=None):
        seed = 0 if seed is None else int(seed)
        self.sim = AigcSimulator(self.scenario_for(seed), self.config)
        self.sim.reset(seed)
        self.agents = list(self.possible_agents)
        obs = AigcObservation(self.sim)
        return self._per_agent(obs.features), self._infos(obs)

    def step(self, actions):
        if self.sim is None or not self.agents:
            raise SimError("step() before reset() or after the episode ended")
        acts = [int(actions.get(a, 0)) for a in self.possible_agents]
        rewards = self.sim.step(acts)
        done = self.sim.done
        obs = AigcObservation(self.sim)
        out = (self._per_agent(obs.features),
               {a: float(r) for a, r in zip(self.possible_agents, rewards)},
               {a: False for a in self.agents}, {a: done for a in self.agents},
               self._infos(obs))
        if done:
            self.agents = []
        return out

    def _per_agent(self, rows: np.ndarray) -> dict:
        return {a: rows[k] for k, a in enumerate(self.possible_agents)}

    def _infos(self, obs: AigcObservation) -> dict:
        out = {}
        for k, a in enumerate(self.possible_agents):
            mask = np.zeros(self.n_es + 1, np.int8)
            mask[0] = 1
            if obs.active[k]:
                mask[1:] = np.isfinite(obs.eft_s[k])
            out[a] = {"action_mask": mask, "active": bool(obs.active[k])}
        return out

    def state(self) -> np.ndarray:
        """Every agent's observation, stacked (what a centralised critic sees in training)."""
        return AigcObservation(self.sim).features.reshape(-1)

    def render(self):
        if self.sim is None:
            return ""
        s = self.sim.summary()
        return (f"t={self.sim.now:.0f}s tasks {s['tasks']} finished {s['finished']} "
                f"mean latency {s['mean_latency_s']:.2f}s")

    def close(self) -> None:
        pass

"""The offloading game as a PettingZoo AEC environment: agents are AGVs, a turn is an
arrival at a stop that is not the route's last (DESIGN.md rule 3).

Each ``reset`` draws a factory from a :class:`ScenarioFamily` (``seed`` picks it, and the
same seed gives the same factory and the same episode for the same actions). Observations
are :class:`ObservationFeatures` vectors; actions are :class:`ActionSet` indices (amounts
relative to the AGV's Algorithm 1 plan). Rewards (``reward``):

- ``global``: after every turn, every AGV gets the work processed since the previous turn
  (eq. 19's objective, shared), over ``reward_scale_kb``;
- ``difference``: MCOO's eq. 25 at the end of the episode: each AGV gets the work processed
  minus the work processed with that AGV on its Algorithm 1 plan (counterfactual replay).

The episode ends at the horizon: every AGV is then truncated (a time limit) and, as PettingZoo
asks, stepped once more with ``None``. ``state()`` is the fleet summary a centralised critic
may use in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.episode import GLOBAL_STATE_SIZE, Episode
from offload_ros.sim.errors import SimError
from offload_ros.sim.observation_features import ObservationFeatures
from offload_ros.sim.simulator import Simulator

REWARDS = ("global", "difference")


@dataclass(frozen=True)
class OffloadEnvConfig:
    """Knobs of the environment (the factory family is a :class:`ScenarioFamily`)."""

    reward: str = field(default="difference", metadata={
        "help": "global (processed work per turn, shared) or difference (eq. 25 at the end)"})
    reward_scale_kb: float = field(default=100.0, metadata={
        "help": "rewards are kB over this", "unit": "kB"})

    def __post_init__(self) -> None:
        if self.reward not in REWARDS:
            raise SimError(f"reward: must be one of {', '.join(REWARDS)}, not {self.reward!r}")
        if self.reward_scale_kb <= 0:
            raise SimError(f"reward_scale_kb: must be > 0, got {self.reward_scale_kb}")


class OffloadAecEnv(AECEnv):
    metadata = {"name": "offload_aec_v0", "render_modes": ["ansi"], "is_parallelizable": False}

    def __init__(self, family: ScenarioFamily | None = None,
                 config: OffloadEnvConfig | None = None, render_mode: str | None = None):
        super().__init__()
        self.family = family or ScenarioFamily()
        self.config = config or OffloadEnvConfig()
        self.render_mode = render_mode
        if self.family.is_random:
            self.possible_agents = [f"agv{m + 1}" for m in range(self.family.agvs_max)]
        else:
            ids: list[str] = []
            for sc in (Scenario.load(path) for path in self.family.files()):
                ids += [a.id for a in sc.agvs if a.id not in ids]
            self.possible_agents = ids
        box = spaces.Box(0.0, 1.5, (ObservationFeatures.SIZE,), np.float32)
        self._obs_spaces = {a: box for a in self.possible_agents}
        self._act_spaces = {a: spaces.Discrete(ActionSet.size()) for a in self.possible_agents}
        self.state_space = spaces.Box(0.0, 1.0, (GLOBAL_STATE_SIZE,), np.float32)
        self._resets = 0
        self._base_seed = 0
        self.episode: Episode | None = None

    def observation_space(self, agent):
        return self._obs_spaces[agent]

    def action_space(self, agent):
        return self._act_spaces[agent]

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        if seed is not None:
            self._base_seed, self._resets = int(seed), 0
        self.scenario = self.family.draw(self._base_seed, "env", self._resets)
        self._resets += 1
        self.simulator = Simulator(self.scenario)
        self.features = ObservationFeatures(self.scenario)
        self.episode = Episode(self.simulator, record=self.config.reward == "difference",
                               label="env")
        self.agents = [a.id for a in self.scenario.agvs]
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {} for a in self.agents}
        zero = np.zeros(ObservationFeatures.SIZE, np.float32)
        self._last_obs = {a: zero for a in self.agents}
        self._processed = 0.0
        self._select()

    def observe(self, agent):
        return self._last_obs[agent]

    def state(self) -> np.ndarray:
        return np.asarray(self.episode.global_state(), np.float32)

    def step(self, action) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        if action is None or not self._act_spaces[agent].contains(np.int64(action)):
            raise SimError(f"{agent}: action must be one of 0..{ActionSet.size() - 1} "
                           f"({', '.join(ActionSet.describe())}), got {action!r}")
        self._cumulative_rewards[agent] = 0.0
        obs = self.episode.observation
        self.episode.step(ActionSet.amount(int(action), obs))
        self.rewards = {a: 0.0 for a in self.agents}
        scale = self.config.reward_scale_kb
        if self.config.reward == "global":
            now = self.episode.processed_kb()
            for a in self.agents:
                self.rewards[a] = (now - self._processed) / scale
            self._processed = now
        if self.episode.done:
            result = self.episode.result
            if self.config.reward == "difference":
                diffs = CounterfactualReplay(self.simulator).difference_rewards(result)
                for a, d in zip(self.agents, diffs):
                    self.rewards[a] = d / scale
            for a in self.agents:
                self.truncations[a] = True
                self.infos[a] = {"processed_kb": result.processed_kb}
        self._select()
        self._accumulate_rewards()

    def render(self) -> str | None:
        if self.render_mode != "ansi" or self.episode is None:
            return None
        obs = self.episode.observation
        if obs is None:
            return f"{self.scenario.name}: done, {self.episode.result.processed_kb:.1f} kB processed"
        return (f"{self.scenario.name} t={obs.time_s:.1f}s {obs.agv_id} at {obs.es_id} "
                f"(stop {obs.stop + 1}/{obs.stops}) carries {obs.remaining_kb:.1f} kB, "
                f"plan {obs.plan_kb:.1f}, free {obs.free_kb:.1f}")

    def close(self) -> None:
        self.episode = None

    def _select(self) -> None:
        obs = self.episode.observation
        if obs is None:
            if self.agents:
                self.agent_selection = self.agents[0]
            return
        self.agent_selection = obs.agv_id
        self._last_obs[obs.agv_id] = self.features(obs)

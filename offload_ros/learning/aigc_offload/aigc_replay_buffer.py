"""Replay of whole decision epochs (every AGV's observation, action, reward), padded to the
largest fleet so factories of different sizes share one buffer; ``agents`` marks real ones."""

from __future__ import annotations

import numpy as np


class AigcReplayBuffer:
    def __init__(self, capacity: int, max_agents: int, width: int, actions: int) -> None:
        n = (capacity, max_agents)
        self.obs = np.zeros(n + (width,), np.float32)
        self.next_obs = np.zeros(n + (width,), np.float32)
        self.actions = np.zeros(n, np.int64)
        self.rewards = np.zeros(n, np.float32)
        self.agents = np.zeros(n, bool)
        self.mask = np.zeros(n + (actions,), bool)
        self.next_mask = np.zeros(n + (actions,), bool)
        self.done = np.zeros(capacity, np.float32)
        self.capacity, self.max_agents, self.size, self.head = capacity, max_agents, 0, 0

    def add(self, obs, mask, actions, rewards, next_obs, next_mask, done: bool) -> None:
        k, n = self.head, len(obs)
        if n > self.max_agents:
            raise ValueError(f"{n} agents, the buffer holds at most {self.max_agents}")
        for arr, value in ((self.obs, obs), (self.next_obs, next_obs), (self.mask, mask),
                           (self.next_mask, next_mask), (self.actions, actions),
                           (self.rewards, rewards)):
            arr[k] = 0
            arr[k, :n] = value
        self.agents[k] = False
        self.agents[k, :n] = True
        self.done[k] = float(done)
        self.head = (k + 1) % self.capacity
        self.size = min(self.capacity, self.size + 1)

    def sample(self, rng: np.random.Generator, batch: int) -> dict[str, np.ndarray]:
        idx = rng.integers(0, self.size, batch)
        return {name: getattr(self, name)[idx] for name in
                ("obs", "next_obs", "actions", "rewards", "agents", "mask", "next_mask", "done")}

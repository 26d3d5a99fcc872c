"""A ring buffer of (features, action, reward, next features, done) transitions (DQN)."""

from __future__ import annotations

import numpy as np

from offload_ros.learning.rollout import RolloutBatch


class ReplayBuffer:
    def __init__(self, capacity: int, width: int) -> None:
        self.obs = np.zeros((capacity, width), np.float32)
        self.next_obs = np.zeros((capacity, width), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.head = capacity, 0, 0

    def add(self, batch: RolloutBatch) -> None:
        """Each decision with the same AGV's next one (``done`` after its last)."""
        n = batch.decisions
        nxt = np.zeros_like(batch.obs)
        nxt[:-1] = batch.obs[1:]
        nxt[batch.last] = 0.0
        for start in range(0, n, self.capacity):
            sl = slice(start, min(n, start + self.capacity))
            k = sl.stop - sl.start
            idx = (self.head + np.arange(k)) % self.capacity
            self.obs[idx] = batch.obs[sl]
            self.next_obs[idx] = nxt[sl]
            self.actions[idx] = batch.actions[sl]
            self.rewards[idx] = batch.rewards[sl]
            self.done[idx] = batch.last[sl]
            self.head = (self.head + k) % self.capacity
            self.size = min(self.capacity, self.size + k)

    def sample(self, rng: np.random.Generator, n: int):
        idx = rng.integers(0, self.size, n)
        return (self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx],
                self.done[idx])

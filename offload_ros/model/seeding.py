"""All seeding in one place: the same seed gives the same numbers everywhere."""

from __future__ import annotations

import random
import zlib

import numpy as np


class Seeding:
    """Derives independent, reproducible random streams from one integer seed.

    ``Seeding.rng(seed, "scenario", 3)`` always gives the same generator, and a different
    stream name gives an independent one, so adding a consumer never shifts another's numbers.
    """

    @staticmethod
    def sequence(seed: int, *stream: str | int) -> np.random.SeedSequence:
        key = tuple(zlib.crc32(str(s).encode()) for s in stream)
        return np.random.SeedSequence(entropy=int(seed), spawn_key=key)

    @classmethod
    def rng(cls, seed: int, *stream: str | int) -> np.random.Generator:
        return np.random.default_rng(cls.sequence(seed, *stream))

    @classmethod
    def int_seed(cls, seed: int, *stream: str | int) -> int:
        """A 31-bit integer seed for libraries that want one (torch, envs)."""
        return int(cls.sequence(seed, *stream).generate_state(1, np.uint32)[0] >> 1)

    @classmethod
    def seed_global(cls, seed: int) -> None:
        """Seed Python's, NumPy's legacy and (when imported) torch's global generators."""
        random.seed(cls.int_seed(seed, "python"))
        np.random.seed(cls.int_seed(seed, "numpy-legacy"))
        import sys
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.manual_seed(cls.int_seed(seed, "torch"))

    #: Scenario seeds at or above this are for evaluation only; training draws below it.
    EVALUATION_SEED_BASE = 1_000_000

    #: Noise seeds (a ``disturbance:`` draw) of training, validation and plan-search episodes
    #: are at or above this; evaluation (``--noise-seeds K``) uses 0 .. K-1.
    TRAINING_NOISE_SEED_BASE = 1 << 24

    @classmethod
    def training_noise_seed(cls, seed: int, *stream: str | int) -> int:
        """A noise seed for a training-side episode, never one that evaluation uses."""
        return cls.TRAINING_NOISE_SEED_BASE + cls.int_seed(seed, "noise", *stream)

    @classmethod
    def aigc_task_seed(cls, seed: int, episode: int) -> int:
        """The AIGC task seed of held-out episode ``episode`` of ``aigc offload --seed
        seed`` (what a live fleet's AGVs draw for the same tasks)."""
        return cls.EVALUATION_SEED_BASE + seed * 100_000 + episode

    @classmethod
    def evaluation_seeds(cls, n: int) -> list[int]:
        """The first ``n`` held-out scenario seeds (never used for training)."""
        return [cls.EVALUATION_SEED_BASE + k for k in range(n)]

"""A small CNN that tells defect classes apart: the inspection model of GMEL's few-shot claim
and the judge of whether generated images show the class they were asked for."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from offload_ros.model.seeding import Seeding


class DefectClassifier:
    """Three conv layers and a linear head on 32x32 or 64x64 grayscale (global pooling)."""

    def __init__(self, classes: int, seed: int = 0) -> None:
        with torch.random.fork_rng():
            torch.manual_seed(Seeding.int_seed(seed, "aigc-classifier-init"))
            self.net = self._layers(classes)
        self.classes, self.seed = classes, seed

    @staticmethod
    def _layers(classes: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
            nn.Linear(64, classes))

    @staticmethod
    def tensor(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(images, np.float32) / 127.5 - 1.0)[:, None]

    def fit(self, images: np.ndarray, labels: np.ndarray, updates: int = 300,
            batch: int = 64, lr: float = 3e-3) -> "DefectClassifier":
        """``updates`` Adam steps on random minibatches with flips and 90-degree turns."""
        rng = Seeding.rng(self.seed, "aigc-classifier-batches")
        x, y = self.tensor(images), torch.from_numpy(np.asarray(labels, np.int64))
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.net.train()
        for _ in range(updates):
            idx = torch.from_numpy(rng.integers(0, len(y), min(batch, len(y))))
            xb = x[idx]
            k = int(rng.integers(4))
            xb = torch.rot90(xb, k, (2, 3))
            if rng.random() < 0.5:
                xb = xb.flip(3)
            loss = nn.functional.cross_entropy(self.net(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.net.eval()
        return self

    @torch.no_grad()
    def predict(self, images: np.ndarray) -> np.ndarray:
        x = self.tensor(images)
        return np.concatenate([self.net(x[i:i + 512]).argmax(1).numpy()
                               for i in range(0, len(x), 512)]) if len(x) else \
            np.zeros(0, np.int64)

    def accuracy(self, images: np.ndarray, labels: np.ndarray) -> float:
        return float((self.predict(images) == np.asarray(labels)).mean())

"""The one network shape every algorithm uses: an MLP with two tanh hidden layers."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from offload_ros.learning.checkpoint_reader import CheckpointReader


class MlpNetwork(nn.Module):
    """``inputs → hidden → hidden → outputs`` (actor logits, a value, or Q values)."""

    def __init__(self, inputs: int, outputs: int, hidden: int = 64) -> None:
        super().__init__()
        self.inputs, self.outputs, self.hidden = inputs, outputs, hidden
        self.body = nn.Sequential(nn.Linear(inputs, hidden), nn.Tanh(),
                                  nn.Linear(hidden, hidden), nn.Tanh(),
                                  nn.Linear(hidden, outputs))

    def prefer(self, output: int, logit: float) -> "MlpNetwork":
        """Start near one output: shrink the last layer's weights, bias ``logit`` on ``output``
        (an actor that begins at the default action and explores around it)."""
        last = self.body[-1]
        with torch.no_grad():
            last.weight.mul_(0.01)
            last.bias.zero_()
            last.bias[output] = logit
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def numpy_layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The weights as NumPy ``(W [out, in], b)`` pairs, for fast single-decision use."""
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
                for m in self.body if isinstance(m, nn.Linear)]

    def load_numpy_layers(self, layers: list[tuple[np.ndarray, np.ndarray]]) -> "MlpNetwork":
        """The inverse of :meth:`numpy_layers`."""
        linear = [m for m in self.body if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for m, (w, b) in zip(linear, layers, strict=True):
                m.weight.copy_(torch.from_numpy(w))
                m.bias.copy_(torch.from_numpy(b))
        return self

    @staticmethod
    def numpy_forward(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
        return CheckpointReader.forward(layers, x)

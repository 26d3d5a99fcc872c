"""Adam whose moment estimates live in shared memory, so A3C workers update one optimiser."""

from __future__ import annotations

import torch


class SharedAdam(torch.optim.Adam):
    """Built in the parent before the workers start; each worker calls ``step()`` after
    writing its gradients into the shared parameters (Hogwild: no lock, as in A3C)."""

    def __init__(self, params, lr: float) -> None:
        super().__init__(params, lr=lr, foreach=False)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.zeros(())
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        self.share_memory()

    def share_memory(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                for value in self.state[p].values():
                    value.share_memory_()

"""Adam (Kingma & Ba 2015) written out with the same tensor operations, in the same order, as
`torch.optim.Adam`'s single-tensor path (the one it takes on CPU), so results are bit-identical.

Why not `torch.optim.Adam`: building any `torch.optim` optimiser imports `torch._dynamo`, about
3 CPU-seconds per process, more than a whole tabular RLHF run needs (issue 20).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class Adam:
    """Adam without weight decay or amsgrad; `step(grads)` applies one update in place."""

    def __init__(self, params: Sequence[torch.Tensor], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format)
                        for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format)
                           for p in self.params]
        self.steps = 0

    @torch.no_grad()
    def step(self, grads: Sequence[torch.Tensor]) -> None:
        self.step_unguarded(grads)

    def step_unguarded(self, grads: Sequence[torch.Tensor]) -> None:
        """`step` for a caller already inside `torch.no_grad()` (entering it costs about as
        much as a small model's update)."""
        self.steps += 1
        step = float(self.steps)  # torch keeps the count in a float tensor and reads .item()
        bias_correction1 = 1 - self.beta1**step
        bias_correction2 = 1 - self.beta2**step
        step_size = self.lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq, strict=True):
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denom = (v.sqrt() / bias_correction2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-step_size)

"""A Bradley–Terry reward-model ensemble learned from pair judgments (Christiano et al. 2017).

Each member maps a step's learner inputs x (K,) — the full features φ(s, a), not the overseer's
view — to a reward r̂(x); a segment's predicted return is the sum over its steps. The preference
model assumes the overseer answers uniformly at random with probability ρ = 0.1:

    P(second ≻ first) = (1 − ρ)·σ(R̂₂ − R̂₁) + ρ/2

trained by cross-entropy against targets 1 (second), 0 (first), 0.5 (tie); abstentions and skips
carry no preference and are dropped. Each member is fitted on its own bootstrap resample of the
training part; 1/e of the judgments are held out for validation. Members are trained together,
vectorised along a leading member axis, with full-batch Adam (the datasets are small). After
fitting, each member's rewards are standardised over every judged step, held-out pairs included
(mean 0, std 1), as Christiano et al. normalise rewards to std 1. Query selection
(learning/selection.py) scores pairs with these standardised rewards and without the
random-response prior: a fixed affine squash that leaves both rankings unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
import torch
from annotated_types import Ge, Gt, Interval

from oversight.learning.adam import Adam
from oversight.types import Answer, FloatArray, Judgments, Queries

TARGET = {Answer.FIRST: 0.0, Answer.SECOND: 1.0, Answer.TIE: 0.5}


@dataclass(frozen=True)
class RewardModelConfig:
    members: Annotated[int, Ge(1)] = 3
    hidden: Annotated[int, Ge(0)] = 0  # 0: linear in the features; else a one-hidden-layer MLP
    steps: Annotated[int, Ge(1)] = 150  # full-batch Adam steps per fit
    lr: Annotated[float, Gt(0)] = 0.05
    weight_decay: Annotated[float, Ge(0)] = 1e-3  # L2; the RLHF loop adapts it between fits
    random_response: Annotated[float, Interval(ge=0, lt=1)] = 0.1  # ρ of the BT likelihood
    holdout: Annotated[float, Interval(ge=0, lt=1)] = 1 / math.e  # share held out for validation


@dataclass(frozen=True)
class PreferenceData:
    """Pairs with a preference target: first, second (N, L, K) features; target (N,)."""

    first: FloatArray
    second: FloatArray
    target: FloatArray

    @staticmethod
    def from_judgments(queries: Queries, judgments: Judgments) -> PreferenceData:
        keep = np.isin(judgments.answer, list(TARGET))
        target = np.array([TARGET[Answer(a)] for a in judgments.answer[keep]], dtype=np.float64)
        return PreferenceData(
            queries.first.features[keep], queries.second.features[keep], target
        )

    def __len__(self) -> int:
        return int(self.target.shape[0])

    def concat(self, other: PreferenceData) -> PreferenceData:
        return PreferenceData(
            np.concatenate([self.first, other.first]),
            np.concatenate([self.second, other.second]),
            np.concatenate([self.target, other.target]),
        )


@dataclass(frozen=True)
class BTEnsemble:
    """A fitted ensemble. Linear: w1 (M, K). MLP: w1 (M, K, H), b1 (M, H), w2 (M, H).
    shift, scale (M,): the standardisation applied to each member's raw rewards."""

    w1: FloatArray
    b1: FloatArray | None
    w2: FloatArray | None
    shift: FloatArray
    scale: FloatArray
    train_loss: float
    val_loss: float

    @property
    def members(self) -> int:
        return int(self.w1.shape[0])

    def member_rewards(self, x: FloatArray) -> FloatArray:
        """Standardised rewards of every member for inputs x (..., K): (M, ...)."""
        raw = _forward_np(self.w1, self.b1, self.w2, x)
        extra = (slice(None),) + (None,) * (raw.ndim - 1)
        return (raw - self.shift[extra]) / self.scale[extra]

    def reward(self, x: FloatArray) -> FloatArray:
        """The ensemble-mean reward of inputs x (..., K): (...)."""
        return self.member_rewards(x).mean(axis=0)

    def prob_second(self, queries: Queries) -> FloatArray:
        """(M, N) each member's probability that the second segment is preferred."""
        r1 = self.member_rewards(queries.first.features).sum(axis=-1)
        r2 = self.member_rewards(queries.second.features).sum(axis=-1)
        return 1.0 / (1.0 + np.exp(-np.clip(r2 - r1, -500, 500)))


def _forward_np(
    w1: FloatArray, b1: FloatArray | None, w2: FloatArray | None, x: FloatArray
) -> FloatArray:
    if w2 is None:
        return np.einsum("...k,mk->m...", x, w1)
    assert b1 is not None
    h = np.einsum("...k,mkh->m...h", x, w1)
    h = np.maximum(h + b1.reshape(b1.shape[0], *([1] * (x.ndim - 1)), -1), 0.0)
    return np.einsum("m...h,mh->m...", h, w2)


def fit(
    data: PreferenceData,
    config: RewardModelConfig,
    rng: np.random.Generator,
    weight_decay: float | None = None,
) -> BTEnsemble:
    """Fit the ensemble on `data`; all randomness (split, bootstrap, init) comes from rng."""
    n, k = len(data), data.first.shape[-1]
    m = config.members
    lam = config.weight_decay if weight_decay is None else weight_decay
    perm = rng.permutation(n)
    n_val = int(n * config.holdout) if n >= 10 else 0
    val, train = perm[:n_val], perm[n_val:]
    counts = np.stack([np.bincount(rng.choice(train, size=len(train)), minlength=n)
                       for _ in range(m)])  # (M, N) bootstrap multiplicities
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))

    x1, x2 = torch.as_tensor(data.first), torch.as_tensor(data.second)
    y = torch.as_tensor(data.target)
    c = torch.as_tensor(counts, dtype=torch.float64)
    if config.hidden == 0:
        params = [torch.zeros(m, k, dtype=torch.float64, requires_grad=True)]
    else:
        h = config.hidden
        params = [
            (torch.randn(m, k, h, generator=gen, dtype=torch.float64) / math.sqrt(k)),
            torch.zeros(m, h, dtype=torch.float64),
            (torch.randn(m, h, generator=gen, dtype=torch.float64) / math.sqrt(h)),
        ]
        for p in params:
            p.requires_grad_(True)

    def member_returns(x: torch.Tensor) -> torch.Tensor:  # (N, L, K) -> (M, N)
        if config.hidden == 0:
            return torch.einsum("nk,mk->mn", x.sum(dim=1), params[0])
        hid = torch.relu(torch.einsum("nlk,mkh->mnlh", x, params[0]) + params[1][:, None, None])
        return torch.einsum("mnlh,mh->mn", hid, params[2])

    def nll(idx_weights: torch.Tensor) -> torch.Tensor:  # (M,) mean cross-entropy
        rho = config.random_response
        p = (1 - rho) * torch.sigmoid(member_returns(x2) - member_returns(x1)) + rho / 2
        ce = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        return (ce * idx_weights).sum(dim=1) / idx_weights.sum(dim=1).clamp(min=1.0)

    weights = [params[0]] if config.hidden == 0 else [params[0], params[2]]  # no L2 on biases
    opt = Adam(params, lr=config.lr)
    linear = _LinearGradient(x1.sum(dim=1), x2.sum(dim=1), y, c, lam, config.random_response)
    if config.hidden == 0:  # the same gradient without the autograd engine, 3× faster
        with torch.no_grad():
            for _ in range(config.steps if n else 0):
                opt.step_unguarded([linear(params[0])])
    for _ in range(config.steps if n and config.hidden else 0):
        l2 = sum((p**2).sum() for p in weights)
        loss = nll(c).sum() + lam * l2
        opt.step(torch.autograd.grad(loss, params))

    with torch.no_grad():
        train_loss = float(nll(c).mean()) if n else float("nan")
        val_w = torch.zeros(1, n, dtype=torch.float64)
        val_w[0, val] = 1.0
        val_loss = float(nll(val_w.expand(m, n)).mean()) if n_val else float("nan")
    arrays = [p.detach().numpy().copy() for p in params]
    w1, b1, w2 = (arrays[0], None, None) if config.hidden == 0 else tuple(arrays)
    shift, scale = np.zeros(m), np.ones(m)
    if n:
        raw = _forward_np(w1, b1, w2, np.concatenate([data.first, data.second]).reshape(-1, k))
        shift, scale = raw.mean(axis=1), raw.std(axis=1)
        scale = np.where(scale > 1e-8, scale, 1.0)
    return BTEnsemble(w1, b1, w2, shift, scale, train_loss, val_loss)


class _LinearGradient:
    """The gradient of the linear model's training loss (mean cross-entropy per member, summed,
    plus λ·‖W‖²) with respect to W (M, K), written out with the operations, in the order, that
    torch's autograd performs for the loss as `fit` writes it (autograd adds W's three gradient
    terms in reverse order of creation: first returns, second returns, L2), so fits are
    bit-identical to autograd's (tests/unit/test_reward_models.py checks this).
    s1, s2: (N, K) summed segment inputs; y: (N,) targets; c: (M, N) bootstrap counts."""

    def __init__(self, s1: torch.Tensor, s2: torch.Tensor, y: torch.Tensor, c: torch.Tensor,
                 lam: float, rho: float) -> None:
        m = c.shape[0]
        self.s1, self.s2, self.rho = s1, s2, rho
        self.s1_t, self.s2_t = s1.T, s2.T
        per_member = torch.ones(m, dtype=torch.float64) / c.sum(dim=1).clamp(min=1.0)
        g_ce = -(per_member[:, None].expand(m, -1) * c)  # d loss / d cross-entropy, (M, N)
        self.g_log_p, self.g_log_1mp = g_ce * y, g_ce * (1 - y)
        self.g_l2 = torch.ones((), dtype=torch.float64) * lam

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        """The gradient (M, K); call inside `torch.no_grad()`."""
        rho = self.rho
        # matrix products where `fit`'s loss has einsums: the same products, a third of the
        # dispatch cost (tests/unit/test_reward_models.py checks bit-identity with autograd)
        sg = torch.sigmoid(torch.mm(w, self.s2_t) - torch.mm(w, self.s1_t))
        p = (1 - rho) * sg + rho / 2
        g_p = self.g_log_p / p + (-(self.g_log_1mp / (1 - p)))
        g_d = torch.ops.aten.sigmoid_backward(g_p * (1 - rho), sg)
        g_w2 = torch.mm(g_d, self.s2)
        g_w1 = torch.mm(-g_d, self.s1)
        return (g_w1 + g_w2) + self.g_l2.expand_as(w) * (2.0 * w.pow(1.0))


def agreement_with(ensemble: BTEnsemble, queries: Queries, w_true: FloatArray) -> float:
    """Share of pairs with different true returns whose order the ensemble mean gets right."""
    t1, t2 = queries.first.returns(w_true), queries.second.returns(w_true)
    r1 = ensemble.reward(queries.first.features).sum(axis=-1)
    r2 = ensemble.reward(queries.second.features).sum(axis=-1)
    decided = t1 != t2
    if not decided.any():
        return float("nan")
    return float(np.mean(np.sign(r2 - r1)[decided] == np.sign(t2 - t1)[decided]))

"""The Bradley–Terry ensemble recovers a linear reward and is deterministic."""

from __future__ import annotations

import numpy as np

from oversight.learning.reward_models import BTEnsemble, PreferenceData, RewardModelConfig, fit
from oversight.learning.selection import select
from oversight.types import Queries, Segments


def synthetic(n: int, w: np.ndarray, rng: np.random.Generator) -> PreferenceData:
    """Pairs of 5-step segments with Gaussian features, labelled by a Boltzmann teacher."""
    first = rng.normal(size=(n, 5, len(w)))
    second = rng.normal(size=(n, 5, len(w)))
    diff = second.sum(1) @ w - first.sum(1) @ w
    target = (rng.random(n) < 1 / (1 + np.exp(-diff))).astype(float)
    return PreferenceData(first, second, target)


def direction(ensemble_w: np.ndarray, scale: np.ndarray) -> np.ndarray:
    w = (ensemble_w / scale[:, None]).mean(0)
    return w / np.linalg.norm(w)


def test_linear_ensemble_recovers_the_reward_direction() -> None:
    w_true = np.array([1.0, -2.0, 0.5, 0.0])
    data = synthetic(600, w_true, np.random.default_rng(0))
    model = fit(data, RewardModelConfig(steps=300), np.random.default_rng(1))
    cosine = direction(model.w1, model.scale) @ (w_true / np.linalg.norm(w_true))
    assert cosine > 0.98
    assert model.members == 3


def test_mlp_ensemble_orders_held_out_pairs() -> None:
    w_true = np.array([1.0, -1.0, 0.5])
    rng = np.random.default_rng(2)
    model = fit(synthetic(800, w_true, rng), RewardModelConfig(hidden=16, steps=300),
                np.random.default_rng(3))
    test = synthetic(500, w_true, rng)
    predicted = model.reward(test.second).sum(-1) - model.reward(test.first).sum(-1)
    truth = test.second.sum(1) @ w_true - test.first.sum(1) @ w_true
    assert np.mean(np.sign(predicted) == np.sign(truth)) > 0.9


def test_fit_is_deterministic_and_standardised() -> None:
    data = synthetic(200, np.array([1.0, 0.5]), np.random.default_rng(4))
    a = fit(data, RewardModelConfig(), np.random.default_rng(5))
    b = fit(data, RewardModelConfig(), np.random.default_rng(5))
    np.testing.assert_array_equal(a.w1, b.w1)
    steps = np.concatenate([data.first, data.second]).reshape(-1, 2)
    member = a.member_rewards(steps)
    np.testing.assert_allclose(member.mean(axis=1), 0.0, atol=1e-9)
    np.testing.assert_allclose(member.std(axis=1), 1.0, atol=1e-9)


def test_ties_train_towards_equal_rewards() -> None:
    """Only ties between segments that differ in feature 0: its weight must stay ~0."""
    rng = np.random.default_rng(6)
    first, second = rng.normal(size=(300, 3, 2)), rng.normal(size=(300, 3, 2))
    second[..., 1] = first[..., 1] + 1.0  # the second is always better on feature 1
    target = np.ones(300)
    target[:150] = 0.5
    second[:150, :, 1] = first[:150, :, 1]  # ties where feature 1 is equal
    model = fit(PreferenceData(first, second, target), RewardModelConfig(steps=300),
                np.random.default_rng(7))
    w = (model.w1 / model.scale[:, None]).mean(0)
    assert abs(w[0]) < 0.2 * abs(w[1])


def _queries(n: int, rng: np.random.Generator) -> Queries:
    def seg() -> Segments:
        return Segments(np.zeros(n, dtype=np.int64), np.zeros((n, 2), dtype=np.int64),
                        np.zeros((n, 2), dtype=np.int64), rng.normal(size=(n, 2, 2)))
    return Queries.pairs(seg(), seg())


def test_disagreement_selection_picks_the_most_contested_pairs() -> None:
    rng = np.random.default_rng(8)
    model = fit(synthetic(30, np.array([1.0, 1.0]), rng), RewardModelConfig(), rng)
    cands = _queries(200, rng)
    chosen = select("disagreement", cands, 20, model, np.random.default_rng(9))
    variance = model.prob_second(cands).var(axis=0)
    assert set(chosen) == set(np.argsort(-variance)[:20])
    assert len(set(select("uniform", cands, 20, model, np.random.default_rng(9)))) == 20


def test_random_response_prior_caps_confidence_and_holdout_is_scored() -> None:
    """Perfectly separable labels: without the prior the margin would grow without bound; with
    ρ = 0.1 no predicted preference can exceed 1 − ρ/2 = 0.95, and 1/e of the data is held out."""
    rng = np.random.default_rng(10)
    first, second = rng.normal(size=(120, 3, 2)), rng.normal(size=(120, 3, 2))
    target = (second.sum(1)[:, 0] > first.sum(1)[:, 0]).astype(float)
    model = fit(PreferenceData(first, second, target), RewardModelConfig(steps=400),
                np.random.default_rng(11))
    w = model.w1 / model.scale[:, None]
    margin = np.einsum("nk,mk->mn", second.sum(1) - first.sum(1), w)
    p = 0.9 / (1 + np.exp(-margin)) + 0.05
    assert p.max() <= 0.95 and np.isfinite(model.w1).all()
    assert np.isfinite(model.val_loss) and np.isfinite(model.train_loss)


def test_l2_is_adapted_to_the_validation_to_training_loss_ratio() -> None:
    from oversight.schemes.loop import adapt_l2

    def model(train: float, val: float) -> BTEnsemble:
        return BTEnsemble(np.zeros((1, 1)), None, None, np.zeros(1), np.ones(1), train, val)

    assert adapt_l2(1e-3, model(1.0, 1.6)) == 2e-3  # overfitting: more L2
    assert adapt_l2(1e-3, model(1.0, 1.05)) == 5e-4  # underfitting: less
    assert adapt_l2(1e-3, model(1.0, 1.3)) == 1e-3  # within 1.1-1.5: keep
    assert adapt_l2(1e-3, model(1.0, float("nan"))) == 1e-3  # no hold-out yet


def test_linear_gradient_is_autograds_bit_for_bit() -> None:
    """The hand-written gradient of the linear fit equals torch autograd's on the same loss,
    exactly, at random weights (including zero counts and all three target values). The loss
    is built as `fit` builds it: the L2 term first, then the second segment's returns, then the
    first's, because autograd adds the three contributions to W's gradient in reverse order of
    creation, and floating-point addition is not associative."""
    import torch

    from oversight.learning.reward_models import _LinearGradient

    rng = np.random.default_rng(6)
    for n, m, k in ((7, 3, 2), (120, 4, 5), (333, 1, 3)):
        s1, s2 = (torch.as_tensor(rng.normal(size=(n, k)) * 4) for _ in range(2))
        y = torch.as_tensor(rng.choice([0.0, 0.5, 1.0], size=n))
        c = torch.as_tensor(rng.integers(0, 3, size=(m, n)).astype(float))
        w = torch.as_tensor(rng.normal(size=(m, k)), dtype=torch.float64).requires_grad_(True)
        lam, rho = 3e-3, 0.1

        def returns(s: torch.Tensor, w: torch.Tensor = w) -> torch.Tensor:
            return torch.einsum("nk,mk->mn", s, w)

        l2 = sum((q**2).sum() for q in [w])
        p = (1 - rho) * torch.sigmoid(returns(s2) - returns(s1)) + rho / 2
        ce = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        loss = ((ce * c).sum(dim=1) / c.sum(dim=1).clamp(min=1.0)).sum() + lam * l2
        (auto,) = torch.autograd.grad(loss, [w])
        assert torch.equal(_LinearGradient(s1, s2, y, c, lam, rho)(w), auto)

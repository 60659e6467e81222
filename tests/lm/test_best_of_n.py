"""Best-of-n on the toy arithmetic world: choosing by the true reward raises the true reward over
n = 1 (and n = 1 is the base sample itself); the analytic KL log n − (n − 1)/n matches the exact
KL of best-of-n over a fine discrete distribution; the unbiased best-of-n estimator equals the
average over every n-subset; same seed → same completions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from oversight.learning.lm.best_of_n import (
    best_of_n,
    best_of_n_weights,
    expected_best_of_n,
    kl_best_of_n,
    pool_sweep,
)
from oversight.learning.lm.sampling import sample

from . import toy

PROMPTS = toy.TRAIN * 4  # 80 prompts


def test_best_of_16_by_the_true_reward_beats_one_sample() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()
    one = best_of_n(model, tok, PROMPTS, 1, toy.true_reward, max_new_tokens=2, seed=0)
    best = best_of_n(model, tok, PROMPTS, 16, toy.true_reward, max_new_tokens=2, seed=0)
    base = float(np.mean(toy.true_reward(PROMPTS, one.completions)))
    chosen = float(np.mean(toy.true_reward(PROMPTS, best.completions)))
    assert 0.15 < base < 0.6  # the toy base model is right some of the time
    assert chosen >= base + 0.3
    # the chosen one is the best candidate of its prompt, its reward the row's maximum
    np.testing.assert_array_equal(best.rewards, best.candidate_rewards.max(axis=1))
    np.testing.assert_array_equal(best.rewards, toy.true_reward(PROMPTS, best.completions))
    assert best.candidate_rewards.shape == (len(PROMPTS), 16)
    assert best.kl == pytest.approx(math.log(16) - 15 / 16)
    assert one.kl == 0.0


def test_n_1_returns_the_base_sample() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()
    one = best_of_n(model, tok, PROMPTS, 1, toy.true_reward, max_new_tokens=2, seed=7)
    direct = sample(model, tok, PROMPTS, 2, torch.Generator().manual_seed(7))
    assert one.completions == direct


def test_same_seed_same_completions() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()

    def run(seed: int) -> list[str]:
        return best_of_n(model, tok, PROMPTS, 4, toy.true_reward, 2, seed).completions

    assert run(3) == run(3)
    candidates = [best_of_n(model, tok, PROMPTS, 1, toy.true_reward, 2, s).completions
                  for s in (3, 4)]
    assert candidates[0] != candidates[1]


def test_reward_fn_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="rewards for 8 completions"):
        best_of_n(toy.base_model(0), toy.tokenizer(), toy.TRAIN[:2], 4,
                  lambda p, c: [0.0], max_new_tokens=2, seed=0)
    with pytest.raises(ValueError, match="n: expected"):
        kl_best_of_n(0)


def exact_kl_best_of_n(probs: np.ndarray, n: int) -> float:
    """KL(best-of-n ‖ base) for a discrete base distribution over outcomes sorted by reward
    ascending (distinct rewards): P_bon(i) = F(i)^n − F(i−1)^n."""
    cdf = np.cumsum(probs)
    below = np.concatenate([[0.0], cdf[:-1]])
    bon = cdf**n - below**n
    keep = bon > 0
    return float(np.sum(bon[keep] * np.log(bon[keep] / probs[keep])))


@pytest.mark.parametrize("n", [1, 2, 4, 16, 64])
def test_analytic_kl_matches_the_exact_kl(n: int) -> None:
    assert kl_best_of_n(n) == pytest.approx(math.log(n) - (n - 1) / n)
    rng = np.random.default_rng(n)
    probs = rng.dirichlet(np.full(100_000, 50.0))  # fine, nearly continuous, not uniform
    exact = exact_kl_best_of_n(probs, n)
    assert exact <= kl_best_of_n(n) + 1e-9  # an upper bound for discrete distributions
    assert exact == pytest.approx(kl_best_of_n(n), abs=2e-3)
    # coarse distributions sit well below the formula (it is a bound, not an identity)
    if n >= 4:
        assert exact_kl_best_of_n(np.full(2, 0.5), n) < kl_best_of_n(n) - 0.1


@pytest.mark.parametrize(("N", "n"), [(6, 1), (6, 3), (7, 7), (8, 2)])
def test_estimator_averages_every_n_subset(N: int, n: int) -> None:
    rng = np.random.default_rng(N * 10 + n)
    proxy, true = rng.normal(size=N), rng.normal(size=N)
    subsets = list(itertools.combinations(range(N), n))
    brute = np.mean([true[max(s, key=lambda i: proxy[i])] for s in subsets])
    assert expected_best_of_n(true, n, selection=proxy) == pytest.approx(brute)
    assert best_of_n_weights(N, n).sum() == pytest.approx(1.0)
    assert expected_best_of_n(true, N) == pytest.approx(true.max())
    assert expected_best_of_n(true, 1) == pytest.approx(true.mean())


def test_pool_sweep_is_the_subset_average_per_prompt_and_agrees_when_proxy_is_gold() -> None:
    """Gains over n = 1 equal the brute-force average over every n-subset of each prompt's
    pool; with the gold reward as proxy both curves coincide and never fall; the KL is
    best-of-n's."""
    rng = np.random.default_rng(5)
    true, proxy = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    points = pool_sweep(true, proxy, [1, 2, 4, 6])
    for p in points:
        n = int(p.pressure)
        brute = np.mean([[t[max(s, key=lambda i: q[i])] for s in itertools.combinations(
            range(6), n)] for t, q in zip(true, proxy, strict=True)])
        assert p.true_gain == pytest.approx(brute - true.mean())
        assert p.kl == pytest.approx(kl_best_of_n(n))
    assert points[0].true_gain == pytest.approx(0) and points[0].proxy_gain == pytest.approx(0)
    same = pool_sweep(true, true, [1, 2, 4, 6])
    gains = [p.true_gain for p in same]
    assert gains == pytest.approx([p.proxy_gain for p in same])
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(gains))
    assert same[-1].true_gain == pytest.approx(true.max(axis=1).mean() - true.mean())

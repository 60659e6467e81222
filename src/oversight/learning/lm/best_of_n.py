"""Best-of-n: sample n completions from the base model, keep the one the (proxy) reward likes best.

KL to the base model. If the best of n i.i.d. samples is returned, with rewards distinct, the
chosen completion's distribution has KL(π_bon ‖ π_base) = log n − (n − 1)/n nats (Stiennon et al.
2020, "Learning to summarize from human feedback", App. G.3; Hilton & Gao, "Measuring Goodhart's
law", 2022; Gao et al. 2022 use it as best-of-n's x-axis). It is an upper bound when rewards tie.

Unbiased estimate of E[true reward of best-of-n] from N ≥ n samples (Nakano et al. 2021, App. I;
Gao et al. 2022; Coste et al. 2023): sort the N samples by proxy reward ascending; the sample of
rank i (0-based) is the proxy-best of a uniformly random n-subset with probability
C(i, n − 1) / C(N, n); the estimate is the weighted sum of the (true) rewards. It averages over all
C(N, n) subsets at once instead of drawing one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import gammaln
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from oversight.analysis.overoptimization import Point
from oversight.learning.lm.sampling import sample
from oversight.types import FloatArray

RewardFn = Callable[[list[str], list[str]], list[float]]


def kl_best_of_n(n: int) -> float:
    """KL(best-of-n ‖ base) = log n − (n − 1)/n, in nats (Stiennon et al. 2020)."""
    if n < 1:
        raise ValueError(f"n: expected an integer ≥ 1, got {n}")
    return math.log(n) - (n - 1) / n


def best_of_n_weights(N: int, n: int) -> FloatArray:
    """(N,) w_i = C(i, n−1) / C(N, n): the probability that the sample ranked i (0-based, ascending)
    among N is the best of a uniformly random n-subset. Sums to 1; zero for i < n − 1."""
    if not 1 <= n <= N:
        raise ValueError(f"best_of_n_weights: expected 1 ≤ n ≤ N, got n={n}, N={N}")
    i = np.arange(N, dtype=np.float64)
    w = np.zeros(N)
    ok = i >= n - 1
    # log C(i, n−1) − log C(N, n), in log space so that N in the tens of thousands does not overflow
    log_w = (gammaln(i[ok] + 1) - gammaln(n) - gammaln(i[ok] - n + 2)
             - (gammaln(N + 1) - gammaln(n + 1) - gammaln(N - n + 1)))
    w[ok] = np.exp(log_w)
    return w / w.sum()  # removes rounding only: the exact weights sum to 1


def expected_best_of_n(
    rewards: FloatArray, n: int, selection: FloatArray | None = None
) -> float:
    """Unbiased estimate of the expected reward of best-of-n from N ≥ n samples (N,).

    selection: the scores best-of-n picks by (the proxy), default `rewards` themselves; `rewards`
    are what is averaged (e.g. the true reward). Ties in `selection` are broken by order, which
    leaves the estimate unbiased for a policy that breaks ties uniformly at random only on
    average; ties in the true reward alone do not matter."""
    r = np.asarray(rewards, dtype=np.float64)
    s = r if selection is None else np.asarray(selection, dtype=np.float64)
    if r.ndim != 1 or s.shape != r.shape:
        raise ValueError(f"expected_best_of_n: rewards and selection must be (N,), got {r.shape}, "
                         f"{s.shape}")
    order = np.argsort(s, kind="stable")
    return float(best_of_n_weights(len(r), n) @ r[order])


def pool_sweep(true: FloatArray, proxy: FloatArray, ns: list[int]) -> list[Point]:
    """Gold and proxy gain of best-of-n (picking by `proxy`) over the base policy (n = 1), for
    each n, from a pool of N samples per prompt (Gao et al. 2022's setup): true, proxy (P, N).
    Each prompt's estimate is the unbiased one over all n-subsets of its pool; gains are
    averaged over prompts; KL is log n − (n − 1)/n."""
    if true.shape != proxy.shape or true.ndim != 2:
        raise ValueError(f"pool_sweep: true and proxy must both be (P, N), got {true.shape}, "
                         f"{proxy.shape}")
    points = []
    for n in ns:
        gold = np.mean([expected_best_of_n(t, n, q) for t, q in zip(true, proxy, strict=True)])
        seen = np.mean([expected_best_of_n(q, n) for q in proxy])
        points.append(Point(n, kl_best_of_n(n), float(gold - true.mean()),
                            float(seen - proxy.mean())))
    return points


@dataclass(frozen=True)
class BestOfN:
    """Chosen completions (P,), their proxy rewards (P,), all candidates' proxy rewards (P, n),
    and the analytic KL to the base model (nats per prompt)."""

    completions: list[str]
    rewards: FloatArray
    candidate_rewards: FloatArray
    kl: float


def best_of_n(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    n: int,
    reward_fn: RewardFn,
    max_new_tokens: int,
    seed: int,
) -> BestOfN:
    """For each prompt, sample n completions from `model` (temperature 1) and return the one with
    the highest `reward_fn` score (first on ties). Same seed → same completions."""
    kl = kl_best_of_n(n)
    generator = torch.Generator().manual_seed(seed)
    repeated = [p for p in prompts for _ in range(n)]
    candidates = sample(model, tokenizer, repeated, max_new_tokens, generator)
    scores = np.asarray(reward_fn(repeated, candidates), dtype=np.float64)
    if scores.shape != (len(repeated),):
        raise ValueError(f"reward_fn returned {scores.shape[0] if scores.ndim else 'a scalar'} "
                         f"rewards for {len(repeated)} completions")
    scores = scores.reshape(len(prompts), n)
    pick = scores.argmax(axis=1)
    chosen = [candidates[k * n + int(j)] for k, j in enumerate(pick)]
    return BestOfN(chosen, scores[np.arange(len(prompts)), pick], scores, kl)

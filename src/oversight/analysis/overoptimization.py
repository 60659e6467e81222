"""Reward-model over-optimisation: true ("gold") vs proxy return as optimisation pressure grows.

Gao, Schulman and Hilton (2022) measure gold reward against d = √KL(π ‖ π_init) and find, for
best-of-n, R(d) = d(α − β·d), and for RL, R(d) = d(α − β·log d). Here π_init is the uniform policy
and R is the gain over it. Two ways of pushing on the learned reward:

- the planner's temperature τ (soft value iteration on the proxy, τ from high to 0), with KL
  computed exactly over trajectories by dynamic programming on the tabular world;
- best-of-n: n episodes of π_init per level, keep the one the proxy scores highest;
  KL = log n − (n − 1)/n (an upper bound, as in the paper).

Both functional forms are linear in (α, β), so they are fitted by least squares through the
origin; R² and the peak (d* = α/2β; d* = exp(α/β − 1)) are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oversight.learning.planning import (
    feature_expectations,
    soft_value_iteration,
    start_values,
    uniform_policy,
)
from oversight.learning.reward_models import BTEnsemble
from oversight.learning.rollouts import sample_episodes
from oversight.types import FloatArray
from oversight.worlds.engine import Split, TabularWorld

TEMPERATURES = (100.0, 30.0, 10.0, 5.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02,
                0.0)
BEST_OF = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class Point:
    pressure: float  # temperature or n
    kl: float  # nats
    true_gain: float  # true return minus the reference policy's
    proxy_gain: float  # proxy return minus the reference policy's


@dataclass(frozen=True)
class Fit:
    form: str  # "bon": d(α − βd); "rl": d(α − β log d)
    alpha: float
    beta: float
    r2: float
    d_peak: float  # where the fitted gain is largest: inf if it never turns, nan if never rises


def policy_kl(world: TabularWorld, policy: FloatArray, reference: FloatArray, split: Split
              ) -> float:
    """Exact KL(π ‖ π_ref) between the trajectory distributions from the split's levels: the
    expected sum over steps of the per-state KL, states drawn from π's own visitation."""
    d = world.initial_distribution(split)
    flat_next = world.next_state.ravel()
    total = 0.0
    for t in range(world.horizon):
        p, q = policy[t], reference[t]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_state = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0).sum(axis=1)
        total += float(d @ per_state)
        d = np.bincount(flat_next, weights=(d[:, None] * p).ravel(),
                        minlength=world.n_states).astype(float)
    return total


def temperature_sweep(world: TabularWorld, ensemble: BTEnsemble, split: Split = "train",
                      temperatures: tuple[float, ...] = TEMPERATURES) -> list[Point]:
    proxy = ensemble.reward(world.features)
    ref = uniform_policy(world)
    levels = world.levels(split)
    base_true = feature_expectations(world, ref, split) @ world.w_true
    base_proxy = start_values(world, ref, proxy)[levels].mean()
    points = []
    for tau in temperatures:
        pi = soft_value_iteration(proxy, world.next_state, world.horizon, tau)
        true = feature_expectations(world, pi, split) @ world.w_true
        prox = start_values(world, pi, proxy)[levels].mean()
        points.append(Point(tau, policy_kl(world, pi, ref, split), float(true - base_true),
                            float(prox - base_proxy)))
    return points


def best_of_n(world: TabularWorld, ensemble: BTEnsemble, rng: np.random.Generator,
              split: Split = "train", ns: tuple[int, ...] = BEST_OF, repeats: int = 200
              ) -> list[Point]:
    """Monte Carlo best-of-n over `repeats` draws of a level and n reference episodes."""
    ref = uniform_policy(world)
    n_max = max(ns)
    level = np.repeat(rng.integers(len(world.levels(split)), size=repeats), n_max)
    eps = sample_episodes(world, ref, repeats * n_max, rng, split, level=level)
    true = eps.returns(world.w_true).reshape(repeats, n_max)
    prox = ensemble.reward(eps.features).sum(axis=1).reshape(repeats, n_max)
    points = []
    for n in ns:
        pick = prox[:, :n].argmax(axis=1)
        rows = np.arange(repeats)
        points.append(Point(n, float(np.log(n) - (n - 1) / n),
                            float(true[rows, pick].mean() - true.mean()),
                            float(prox[rows, pick].mean() - prox.mean())))
    return points


def fit(points: list[Point], form: str) -> Fit:
    """Least-squares fit of the gold gain against d = √KL (points with d > 0)."""
    d = np.sqrt(np.array([p.kl for p in points]))
    r = np.array([p.true_gain for p in points])
    keep = d > 1e-9
    d, r = d[keep], r[keep]
    basis = np.stack([d, -d * d if form == "bon" else -d * np.log(d)], axis=1)
    (alpha, beta), *_ = np.linalg.lstsq(basis, r, rcond=None)
    residual = r - basis @ np.array([alpha, beta])
    total = ((r - r.mean()) ** 2).sum()
    r2 = 1 - (residual**2).sum() / total if total > 0 else float("nan")
    if alpha <= 0:
        peak = float("nan")  # the fitted gain never rises: no peak to speak of
    elif beta <= 0:
        peak = float("inf")
    else:
        peak = alpha / (2 * beta) if form == "bon" else float(np.exp(alpha / beta - 1))
    return Fit(form, float(alpha), float(beta), float(r2), float(peak))


def as_results(kind: str, points: list[Point]
               ) -> tuple[dict[str, float], dict[str, list[tuple[int, float]]]]:
    """A pressure sweep as a run's metrics (both fits, the peak, the last point) and curves,
    named `overopt_{kind}_...`, as reports read them for every kind of run.

    The fall after the peak, `overopt_{kind}_fall`, is measured on the points themselves, not on
    a fit: max_k true_gain_k − true_gain_K, the highest gold gain over the sweep minus the gold
    gain at the last (highest-pressure: largest n, lowest temperature) point; ≥ 0, and 0 when the
    gold gain is highest at the last point (no over-optimisation within the sweep). Same units as
    the gains (e.g. true reward per completion)."""
    metrics: dict[str, float] = {}
    curves = {f"overopt_{kind}_{attr}": [(i, float(getattr(p, attr)))
                                          for i, p in enumerate(points)]
              for attr in ("pressure", "kl", "true_gain", "proxy_gain")}
    for f in (fit(points, "rl"), fit(points, "bon")):
        for attr in ("alpha", "beta", "r2", "d_peak"):
            metrics[f"overopt_{kind}_{f.form}_{attr}"] = getattr(f, attr)
    peak = max(points, key=lambda p: p.true_gain)
    metrics[f"overopt_{kind}_peak_true_gain"] = peak.true_gain
    metrics[f"overopt_{kind}_peak_kl"] = peak.kl
    metrics[f"overopt_{kind}_final_true_gain"] = points[-1].true_gain
    metrics[f"overopt_{kind}_final_proxy_gain"] = points[-1].proxy_gain
    metrics[f"overopt_{kind}_fall"] = peak.true_gain - points[-1].true_gain
    return metrics, curves

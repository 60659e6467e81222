"""Over-optimisation: functional-form fits, exact KL, and the sweeps' invariants."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oversight.analysis.overoptimization import (
    Point,
    best_of_n,
    fit,
    policy_kl,
    temperature_sweep,
)
from oversight.learning.planning import optimal_policy, soft_value_iteration, uniform_policy
from oversight.learning.reward_models import BTEnsemble
from oversight.learning.rollouts import sample_episodes
from oversight.worlds import make_world


def synthetic(form: str, alpha: float, beta: float, noise: float, seed: int) -> list[Point]:
    rng = np.random.default_rng(seed)
    d = np.linspace(0.2, 6.0, 25)
    r = d * (alpha - beta * d) if form == "bon" else d * (alpha - beta * np.log(d))
    r = r + rng.normal(0, noise, len(d))
    return [Point(0.0, float(x * x), float(y), 0.0) for x, y in zip(d, r, strict=True)]


@pytest.mark.parametrize("form, alpha, beta", [("bon", 1.2, 0.25), ("rl", 0.9, 0.3)])
def test_fits_recover_the_parameters_within_five_percent(form: str, alpha: float,
                                                         beta: float) -> None:
    f = fit(synthetic(form, alpha, beta, noise=0.01, seed=0), form)
    assert f.alpha == pytest.approx(alpha, rel=0.05) and f.beta == pytest.approx(beta, rel=0.05)
    assert f.r2 > 0.99
    expected_peak = alpha / (2 * beta) if form == "bon" else np.exp(alpha / beta - 1)
    assert f.d_peak == pytest.approx(expected_peak, rel=0.1)


def test_kl_is_zero_for_the_reference_and_matches_monte_carlo() -> None:
    world = make_world("hidden-hazard")
    ref = uniform_policy(world)
    assert policy_kl(world, ref, ref, "train") == pytest.approx(0.0, abs=1e-12)
    pi = soft_value_iteration(world.reward_table(world.w_true), world.next_state,
                              world.horizon, 0.3)
    exact = policy_kl(world, pi, ref, "train")
    eps = sample_episodes(world, pi, 20000, np.random.default_rng(0))
    t = np.arange(world.horizon)
    log_ratio = np.log(pi[t, eps.states, eps.actions]) - np.log(ref[t, eps.states, eps.actions])
    per_episode = log_ratio.sum(axis=1)
    stderr = per_episode.std() / np.sqrt(len(per_episode))
    assert abs(per_episode.mean() - exact) < 4 * stderr
    assert exact > 0.5


def true_reward_model(world_name: str) -> BTEnsemble:
    w = make_world(world_name).w_true
    return BTEnsemble(w[None, :], None, None, np.zeros(1), np.ones(1), 0.0, 0.0)


def test_a_perfect_proxy_never_over_optimises() -> None:
    """With the true reward as proxy, more pressure never lowers the true return, and the last
    point of the temperature sweep is the optimum."""
    world = make_world("hidden-hazard")
    points = temperature_sweep(world, true_reward_model("hidden-hazard"))
    gains = [p.true_gain for p in points]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(gains))
    assert [p.kl for p in points] == sorted(p.kl for p in points)
    opt = optimal_policy(world, world.w_true)
    assert points[-1].true_gain == pytest.approx(
        temperature_sweep(world, true_reward_model("hidden-hazard"), temperatures=(0.0,))[0]
        .true_gain)
    assert policy_kl(world, opt, uniform_policy(world), "train") == pytest.approx(points[-1].kl)


def test_best_of_n_kl_bound_and_monotone_proxy() -> None:
    world = make_world("hidden-hazard")
    points = best_of_n(world, true_reward_model("hidden-hazard"), np.random.default_rng(0))
    assert points[0].kl == 0.0 and points[1].kl == pytest.approx(np.log(2) - 0.5)
    proxies = [p.proxy_gain for p in points]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(proxies))


def test_the_fall_after_the_peak_is_peak_minus_last_point() -> None:
    """A gold curve rising to 0.5 at the third point and ending at −0.2: the fall is 0.7 and the
    peak's KL is the third point's; a curve still rising at the end falls by 0."""
    from oversight.analysis.overoptimization import as_results

    gains = [0.0, 0.3, 0.5, 0.1, -0.2]
    points = [Point(2**i, float(i), g, float(i)) for i, g in enumerate(gains)]
    metrics, _ = as_results("bon_test", points)
    assert metrics["overopt_bon_test_fall"] == pytest.approx(0.7)
    assert metrics["overopt_bon_test_peak_true_gain"] == pytest.approx(0.5)
    assert metrics["overopt_bon_test_peak_kl"] == pytest.approx(2.0)
    rising = [Point(2**i, float(i), 0.1 * i, 0.0) for i in range(5)]
    assert as_results("up", rising)[0]["overopt_up_fall"] == 0.0

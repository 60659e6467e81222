"""Calibrating the `crowd` overseer to real crowd-labelling statistics.

Uni-RLHF's crowd labels agree with the true-return ordering on a median 66% of decisive pairs
and answer "equal" on roughly 12% of pairs (REFERENCES.md). The crowd overseer is a lay view with
Boltzmann noise β and an equal threshold; `calibrate` picks both so that, on a given distribution
of segment pairs, the *expected* statistics (computed exactly, not sampled) land near the targets:
first the equal threshold for the tie rate (ties do not depend on β), then β for the agreement.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from oversight.learning.planning import uniform_policy
from oversight.learning.rollouts import sample_episodes
from oversight.overseers.simulated import Cost, Rationality, SimulatedOverseer, View
from oversight.types import FloatArray, Queries
from oversight.worlds.engine import TabularWorld

TARGET_AGREEMENT = 0.66
TARGET_TIE = 0.12
CROWD_COST = Cost(base_seconds=4.0, seconds_per_step=0.05, seconds_per_evidence=5.0,
                  wage_per_hour=12.0)


def tie_rate(overseer: SimulatedOverseer, queries: Queries) -> float:
    r1, r2 = overseer.perceived_returns(queries)
    margin = abs(float(np.concatenate([r1, r2]).mean()))
    return float(np.mean(np.abs(r1 - r2) < overseer.rationality.equal * margin))


def agreement(overseer: SimulatedOverseer, queries: Queries, w_true: FloatArray) -> float:
    """Expected share of the overseer's decisive answers that match the true ordering, over
    pairs whose true returns differ."""
    rat = overseer.rationality
    r1, r2 = overseer.perceived_returns(queries)
    margin = abs(float(np.concatenate([r1, r2]).mean()))
    t1, t2 = queries.first.returns(w_true), queries.second.returns(w_true)
    decisive = (np.abs(r1 - r2) >= rat.equal * margin) & (t1 != t2)
    if not decisive.any():
        return float("nan")
    diff = (r2 - r1)[decisive]
    if np.isinf(rat.beta):
        p_second = np.where(diff > 0, 1.0, np.where(diff < 0, 0.0, 0.5))
    else:
        p_second = 1.0 / (1.0 + np.exp(-np.clip(rat.beta * diff, -500, 500)))
    p_second = (1 - rat.mistake) * p_second + rat.mistake * (1 - p_second)
    truly_second = (t2 > t1)[decisive]
    return float(np.mean(np.where(truly_second, p_second, 1 - p_second)))


def calibrate(
    template: SimulatedOverseer,
    queries: Queries,
    w_true: FloatArray,
    target_agreement: float = TARGET_AGREEMENT,
    target_tie: float = TARGET_TIE,
) -> SimulatedOverseer:
    """The template with its equal threshold and β set to hit the targets as nearly as the
    pair distribution allows (returns are discrete, so rates move in steps)."""

    def with_rat(**kw: Any) -> SimulatedOverseer:
        return replace(template, rationality=replace(template.rationality, **kw))

    equal_grid = np.linspace(0.0, 5.0, 501)
    ties = np.array([tie_rate(with_rat(equal=e), queries) for e in equal_grid])
    equal = float(equal_grid[np.argmin(np.abs(ties - target_tie))])
    beta_grid = np.logspace(-3, 3, 241)
    agree = np.array(
        [agreement(with_rat(equal=equal, beta=b), queries, w_true) for b in beta_grid]
    )
    beta = float(beta_grid[np.nanargmin(np.abs(agree - target_agreement))])
    return with_rat(equal=equal, beta=beta)


def random_pairs(world: TabularWorld, n: int = 1000, seed: int = 0) -> Queries:
    """n pairs of whole episodes of the uniform-random policy on training levels."""
    rng = np.random.default_rng(seed)
    episodes = sample_episodes(world, uniform_policy(world), 2 * n, rng)
    return Queries.pairs(episodes.take(np.arange(n)), episodes.take(np.arange(n, 2 * n)))


@cache
def crowd_for(world: TabularWorld) -> SimulatedOverseer:
    """The crowd overseer of a world, calibrated on random-policy pairs of that world."""
    cue = np.full(world.n_features, -1, dtype=np.int64)
    template = SimulatedOverseer(
        "crowd",
        View(world.lay_visible, np.zeros(world.n_features, dtype=bool)),
        world.w_true.copy(),
        Rationality(),
        CROWD_COST,
        cue,
    )
    return calibrate(template, random_pairs(world), world.w_true)

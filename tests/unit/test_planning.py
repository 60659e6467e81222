"""Exact planning and evaluation against brute force, closed forms and sampling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oversight.learning.planning import (
    LayeredPlanner,
    feature_expectations,
    level_returns,
    optimal_policy,
    reachable_layers,
    soft_value_iteration,
    start_values,
    uniform_policy,
)
from oversight.learning.rollouts import sample_episodes
from oversight.worlds import make_world
from oversight.worlds.engine import TabularWorld, build


def tiny_world(seed: int, n: int = 5, horizon: int = 4) -> TabularWorld:
    """A random deterministic world on n states with 3 actions and random 2-d features."""
    rng = np.random.default_rng(seed)
    succ = rng.integers(n, size=(n, 3))
    phi = rng.normal(size=(n, 3, 2))

    def step(s: int, a: int) -> tuple[int, dict[str, float]]:
        return int(succ[s, a]), {"x": float(phi[s, a, 0]), "y": float(phi[s, a, 1])}

    return build(name="tiny", step=step, feature_names=("x", "y"), w_true={"x": 1.0, "y": -0.5},
                 action_names=("a", "b", "c"), horizon=horizon, train_starts=[0, 1],
                 deploy_starts=[2], lay_visible=("x",), revealable=("y",), cues={},
                 catastrophe=None, render=lambda s, r: [str(s)])


def brute_force_best(world: TabularWorld, start: int) -> float:
    reward = world.reward_table(world.w_true)
    best = -np.inf
    for seq in itertools.product(range(world.n_actions), repeat=world.horizon):
        s, total = start, 0.0
        for a in seq:
            total += reward[s, a]
            s = world.next_state[s, a]
        best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_greedy_value_iteration_matches_brute_force(seed: int) -> None:
    world = tiny_world(seed)
    values = start_values(world, optimal_policy(world, world.w_true),
                          world.reward_table(world.w_true))
    for s in range(world.n_states):
        assert values[s] == pytest.approx(brute_force_best(world, s), abs=1e-9)


def test_one_step_soft_policy_is_a_softmax() -> None:
    reward = np.array([[0.0, 1.0, 2.0]])
    policy = soft_value_iteration(reward, np.zeros((1, 3), dtype=np.int64), 1, temperature=0.5)
    expected = np.exp(reward[0] / 0.5) / np.exp(reward[0] / 0.5).sum()
    np.testing.assert_allclose(policy[0, 0], expected)


def test_greedy_policy_splits_ties_evenly() -> None:
    reward = np.array([[1.0, 1.0, 0.0]])
    policy = soft_value_iteration(reward, np.zeros((1, 3), dtype=np.int64), 2, temperature=0.0)
    np.testing.assert_allclose(policy[:, 0], [[0.5, 0.5, 0.0]] * 2)


def test_optimisation_pressure_is_monotone() -> None:
    """Lower temperature never lowers the expected true return on the planning reward."""
    world = make_world("hidden-hazard")
    returns = [
        feature_expectations(world, soft_value_iteration(
            world.reward_table(world.w_true), world.next_state, world.horizon, tau), "train")
        @ world.w_true
        for tau in (10.0, 1.0, 0.1, 0.0)
    ]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(returns))


def test_feature_expectations_agree_with_values_and_sampling() -> None:
    world = make_world("hidden-hazard")
    policy = uniform_policy(world)
    mu = feature_expectations(world, policy, "train")
    per_level = level_returns(world, policy, world.w_true, "train")
    assert mu @ world.w_true == pytest.approx(per_level.mean())
    episodes = sample_episodes(world, policy, 20000, np.random.default_rng(0))
    sampled = episodes.features.sum(axis=1).mean(axis=0)
    stderr = episodes.features.sum(axis=1).std(axis=0) / np.sqrt(20000)
    assert np.all(np.abs(sampled - mu) < 5 * stderr + 1e-12)


def test_sampled_episodes_follow_the_transition_table() -> None:
    world = make_world("camera-room")
    ep = sample_episodes(world, uniform_policy(world), 50, np.random.default_rng(1))
    np.testing.assert_array_equal(ep.states[:, 1:], world.next_state[ep.states[:, :-1],
                                                                     ep.actions[:, :-1]])
    np.testing.assert_array_equal(ep.states[:, 0], world.train_levels[ep.level])


@pytest.mark.parametrize("name", ["camera-room", "hidden-hazard", "lie-in-wait"])
@pytest.mark.parametrize("temperature", [0.0, 0.3])
def test_planning_on_reachable_layers_is_bit_identical_where_they_reach(
        name: str, temperature: float) -> None:
    """Layer t holds every state an episode from the split's levels can occupy at step t
    (checked by sampling a uniform policy); planning on the layers gives the full planner's
    π there, bit for bit, and a uniform π elsewhere; LayeredPlanner reuses its buffer."""
    world = make_world(name)
    layers = reachable_layers(world, "train")
    episodes = sample_episodes(world, uniform_policy(world), 300, np.random.default_rng(0),
                               "train")
    for t, at in enumerate(layers):
        assert set(episodes.states[:, t].tolist()) <= set(at.tolist())
    planner = LayeredPlanner(world, "train")
    for seed in range(2):
        reward = world.reward_table(np.random.default_rng(seed).normal(size=world.n_features))
        full = soft_value_iteration(reward, world.next_state, world.horizon, temperature)
        layered = planner.plan(reward, temperature)
        for t, at in enumerate(layers):
            assert np.array_equal(layered[t, at], full[t, at])
            off = np.setdiff1d(np.arange(world.n_states), at)
            assert np.all(layered[t, off] == 1 / world.n_actions)
        # the training levels' returns need nothing off the layers
        assert np.array_equal(feature_expectations(world, layered, "train"),
                              feature_expectations(world, full, "train"))

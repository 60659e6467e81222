"""The distilled policy imitates the planner on training levels and generalises as designed."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.learning.distill import distill, observations
from oversight.learning.planning import feature_expectations, optimal_policy
from oversight.worlds import make_world


def cheese_rate(region: int) -> tuple[float, float, float]:
    world = make_world("cheese-corner", train_region=region)
    planner = optimal_policy(world, world.w_true)
    policy, agreement = distill(world, planner, np.random.default_rng(0))
    train = feature_expectations(world, policy, "train")[0]
    deploy = feature_expectations(world, policy, "deploy")[0]
    return agreement, train, deploy


def test_distilled_policy_matches_the_planner_on_training_levels() -> None:
    agreement, train, _ = cheese_rate(1)
    assert agreement >= 0.95 and train == pytest.approx(1.0)  # eats on every training level


def test_deployment_behaviour_depends_on_training_variety() -> None:
    """Cheese always in the corner: the network learns 'go to the corner' and rarely meets
    the cheese elsewhere; cheese anywhere in training: it generalises far better."""
    _, _, narrow = cheese_rate(1)
    _, _, varied = cheese_rate(6)
    assert narrow < 0.25 and varied > narrow + 0.2


def test_observations_are_one_hot_frames() -> None:
    world = make_world("cheese-corner")
    obs = observations(world)
    cells = 8 * 8  # the frame includes its walls
    assert obs.shape[0] == world.n_states and obs.shape[1] % cells == 0
    np.testing.assert_array_equal(obs.reshape(world.n_states, cells, -1).sum(axis=2), 1.0)
    start = int(world.train_levels[0])
    moved = int(world.next_state[start, 0])  # one step up: the mouse moved, nothing else
    assert np.abs(obs[start] - obs[moved]).sum() == 4  # two cells changed class

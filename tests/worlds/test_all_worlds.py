"""What holds in every world, checked on each of them: the registry, the transition table
(closed, finite, one index per state key), start states and splits, deterministic seeded
construction, the Gymnasium wrapper (env checker, truncation at the horizon with true rewards)
and rgb frames drawn from the ASCII frames. World-specific episodes, invariants and views are in
each world's own test file."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from oversight.worlds import WORLDS, make_world, world_module
from oversight.worlds.classic import CLASSIC
from oversight.worlds.engine import Split, TabularWorld
from oversight.worlds.gym_env import TabularEnv
from worlds.helpers import all_starts, assert_rgb_is_palette_of_ascii

NAMES = ("camera-room", "hidden-hazard", "lie-in-wait", "cheese-corner")
SPLITS: tuple[Split, Split] = ("train", "deploy")
N_LEVELS = {"camera-room": (8, 8), "hidden-hazard": (8, 8), "lie-in-wait": (8, 16),
            "cheese-corner": (12, 24)}
FRAME = {"camera-room": (7, 7), "hidden-hazard": (7, 7), "lie-in-wait": (6, 7),
         "cheese-corner": (8, 8)}  # with walls


@pytest.fixture(scope="module", params=NAMES)
def world(request: pytest.FixtureRequest) -> TabularWorld:
    return make_world(request.param)


def test_every_registered_world_is_tested_here() -> None:
    """The classic AI-safety gridworlds (fixed maps, no layout seed) are in test_classic.py."""
    assert tuple(WORLDS) == NAMES + tuple(CLASSIC)


def test_unknown_world_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown world 'nope'") as info:
        make_world("nope")
    for name in WORLDS:
        assert name in str(info.value)


# ------------------------------------------------------------------- table invariants


def test_transition_table_is_closed_and_features_finite(world: TabularWorld) -> None:
    assert world.next_state.shape == (world.n_states, world.n_actions) == (len(world.states), 5)
    assert world.next_state.min() >= 0 and world.next_state.max() < world.n_states
    assert world.features.shape == (world.n_states, world.n_actions, len(world.feature_names))
    assert np.isfinite(world.features).all()
    assert len(set(world.states)) == world.n_states  # one index per state key
    # the four moves come first, in MOVES order: the scripted `path` helper relies on it
    assert world.action_names[:4] == ("up", "down", "right", "left")


def test_start_states_are_in_table_and_splits_disjoint(world: TabularWorld) -> None:
    n_train, n_deploy = N_LEVELS[world.name]
    assert len(world.train_levels) == n_train and len(world.deploy_levels) == n_deploy
    for i, s in enumerate(all_starts(world)):
        assert 0 <= s < world.n_states
        assert world.states[s][0] == i  # every state key begins with its level
    assert not set(world.train_levels.tolist()) & set(world.deploy_levels.tolist())
    for split in SPLITS:
        levels = world.levels(split)
        np.testing.assert_allclose(world.initial_distribution(split)[levels], 1 / len(levels))
        assert world.initial_distribution(split).sum() == pytest.approx(1.0)


def test_construction_is_deterministic_and_seeded(world: TabularWorld) -> None:
    make = world_module(world.name).make
    assert make_world(world.name) is world  # built once and cached
    a = make.__wrapped__()  # bypass the cache: a second, independent build
    assert a is not world and a.states == world.states
    np.testing.assert_array_equal(a.next_state, world.next_state)
    np.testing.assert_array_equal(a.features, world.features)
    np.testing.assert_array_equal(a.w_true, world.w_true)
    np.testing.assert_array_equal(a.train_levels, world.train_levels)
    np.testing.assert_array_equal(a.deploy_levels, world.deploy_levels)
    assert [a.ascii(s) for s in all_starts(a)] == [world.ascii(s) for s in all_starts(world)]
    other = make(layout_seed=1)
    assert [other.ascii(int(s)) for s in other.train_levels] != [
        world.ascii(int(s)) for s in world.train_levels
    ]


# ------------------------------------------------------------------------- Gymnasium


@pytest.mark.filterwarnings("ignore:.*alternative render modes:UserWarning")
@pytest.mark.parametrize("render_mode", ["rgb_array", "ansi"])
@pytest.mark.parametrize("split", SPLITS)
def test_gymnasium_env_checker_passes(world: TabularWorld, split: Split, render_mode: str) -> None:
    check_env(TabularEnv(world, split=split, render_mode=render_mode), skip_render_check=False)


@pytest.mark.parametrize("rng_seed", [3, 5, 7])
@pytest.mark.parametrize("split", SPLITS)
def test_gym_episode_truncates_at_horizon_with_true_rewards(
    world: TabularWorld, split: Split, rng_seed: int
) -> None:
    env = TabularEnv(world, split=split)
    rng = np.random.default_rng(rng_seed)
    for episode in range(4):
        obs, _ = env.reset(seed=episode)
        assert int(obs) in world.levels(split).tolist()
        s = int(obs)
        for t in range(world.horizon):
            a = int(rng.integers(world.n_actions))
            obs, reward, terminated, truncated, info = env.step(a)
            phi = world.features[s, a]
            assert reward == float(phi @ world.w_true)
            assert info["features"] == dict(zip(world.feature_names, phi.tolist(), strict=True))
            assert int(obs) == world.next_state[s, a]
            assert terminated is False  # never, not even on arrival at a goal
            assert truncated is (t == world.horizon - 1)
            s = int(obs)


def test_gym_env_rejects_an_unknown_render_mode(world: TabularWorld) -> None:
    with pytest.raises(ValueError, match="render_mode"):
        TabularEnv(world, render_mode="human")


# -------------------------------------------------------------------------- rendering


def test_rgb_frame_is_the_palette_of_the_ascii_frame(world: TabularWorld) -> None:
    """Both views of every start state and of evenly spaced states of the table (every state of
    a table of up to 2000, about 1000 of a larger one)."""
    rows, cols = FRAME[world.name]
    stride = max(1, world.n_states // 1000)
    sample = sorted({*all_starts(world), *range(0, world.n_states, stride)})
    for s in sample:
        for reveal in (False, True):
            img = assert_rgb_is_palette_of_ascii(world, s, reveal)
            assert img.shape == (rows * 16, cols * 16, 3)
    s0 = int(world.train_levels[0])
    assert world.rgb(s0, cell=4).shape == (rows * 4, cols * 4, 3)

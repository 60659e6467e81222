"""The Gymnasium adapter: w_true·φ is the environment's own reward; fixed horizon; views."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.overseers.presets import make_overseer
from oversight.worlds.gym_adapter import READY, make_gym_world


@pytest.mark.parametrize("env_id", [*READY, "CartPole-v1"])
def test_w_true_reproduces_the_env_reward_on_random_rollouts(env_id: str) -> None:
    world = make_gym_world(env_id, horizon=150)
    env = world.make_env(seed=0)
    steps = 0
    for episode in range(2):
        env.reset(seed=episode)
        done = False
        while not done:
            _, reward, terminated, truncated, info = env.step(env.action_space.sample())
            assert info["features"].shape == (world.n_features,)
            assert float(info["features"] @ world.w_true) == reward
            done, steps = terminated or truncated, steps + 1
    assert steps == 2 * world.horizon  # every episode lasts exactly the horizon


def test_a_termination_becomes_an_absorbing_state_with_zero_features() -> None:
    world = make_gym_world("MountainCarContinuous-v0", horizon=400)
    env = world.make_env(seed=0)
    env.reset(seed=0)
    env.unwrapped.state = np.array([0.449, 0.07])  # one push from the flag
    _, reward, terminated, _, info = env.step(np.array([1.0], dtype=np.float32))
    assert info["features"][world.feature_index("goal_bonus")] == 100.0
    assert reward == pytest.approx(99.9) and not terminated
    _, reward, terminated, truncated, info = env.step(np.array([1.0], dtype=np.float32))
    assert reward == 0.0 and info["absorbed"] and not (info["features"] != 0).any()
    assert not terminated and not truncated


def test_declared_features_and_views() -> None:
    world = make_gym_world("Pendulum-v1").declare("cos", lambda o, a, n: float(o[0]))
    assert world.feature_names[-1] == "cos" and world.w_true[-1] == 0.0
    env = world.make_env(seed=1)
    obs, _ = env.reset(seed=1)
    _, reward, _, _, info = env.step(np.array([0.5], dtype=np.float32))
    assert info["features"][-1] == pytest.approx(obs[0])
    assert float(info["features"] @ world.w_true) == reward
    lay = make_overseer("lay-guess", world)
    assert not lay.view.visible[world.feature_index("torque_cost")]
    assert make_overseer("oracle", world).view.visible.all()
    assert world.visible(["angle_cost"]).sum() == 1
    with pytest.raises(ValueError, match="unknown features"):
        world.visible(["height"])

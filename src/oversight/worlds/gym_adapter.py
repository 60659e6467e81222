"""Any Gymnasium environment as a lab world whose features are its reward components.

A `GymWorld` names K features φ per step — the terms the environment's reward is made of, plus
any the user declares — and w_true (K,) such that w_true·φ equals the environment's own reward on
every step. Overseers judge on φ through a view (which components they see); learners never see
φ, only observations and actions (learning/deep_rl.py).

Ready-made worlds (features in the order listed; every w_true entry is 1 unless declared):

    Pendulum-v1               angle_cost −θ², velocity_cost −0.1·θ̇², torque_cost −0.001·u²
                              (recomputed from the pre-step state and the clipped torque)
    MountainCarContinuous-v0  goal_bonus 100 on reaching the flag, action_cost −0.1·a²
    Reacher-v5                reward_dist, reward_ctrl (from `info`)
    HalfCheetah-v5            reward_forward, reward_ctrl (from `info`)
    any other id              reward (the environment's reward as one component)

Fixed horizon (as in the preference literature, Christiano et al. 2017): every episode lasts
exactly `horizon` steps. A termination does not end the episode: the world stays in an absorbing
state (the terminal observation repeats, every feature is zero), so episode length leaks nothing
about the reward. Only MountainCarContinuous terminates among the ready-made worlds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import gymnasium as gym
import numpy as np

from oversight.types import BoolArray, FloatArray

# (env before the step, its pre-step state copy, action, info, reward, terminated) -> (K0,)
ComponentFn = Callable[[Any, Any, np.ndarray, dict[str, Any], float, bool], list[float]]
# (observation, action, next observation) -> one declared feature's value
DeclaredFn = Callable[[np.ndarray, np.ndarray, np.ndarray], float]

READY = ("Pendulum-v1", "MountainCarContinuous-v0", "Reacher-v5", "HalfCheetah-v5")


@dataclass(frozen=True, eq=False)
class GymWorld:
    """A Gymnasium environment with named reward-component features.

    feature_names: K names; w_true (K,): the environment's reward is w_true·φ on every step;
    lay_visible (K,): what a lay overseer sees unaided (presets' "lay" views; e.g. not the
    control cost, which a human watching a video cannot see); horizon: steps per episode;
    components: computes the environment's own components from the step; declared: extra
    user features (weight 0 in w_true unless declared otherwise)."""

    env_id: str
    feature_names: tuple[str, ...]
    w_true: FloatArray
    lay_visible: BoolArray
    horizon: int
    components: ComponentFn
    pre_state: Callable[[Any], Any] = lambda env: None
    declared: tuple[tuple[str, DeclaredFn], ...] = ()
    make_kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return self.env_id

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def specified_weights(self) -> FloatArray:
        """The written reward: the environment's own, which is w_true here."""
        return self.w_true

    @property
    def revealable(self) -> BoolArray:
        """Nothing hidden from a lay overseer can be revealed to it in these worlds."""
        return np.zeros(self.n_features, dtype=bool)

    @property
    def cues(self) -> dict[str, str]:
        return {}

    def feature_index(self, name: str) -> int:
        return self.feature_names.index(name)

    def visible(self, names: tuple[str, ...] | list[str]) -> BoolArray:
        """(K,) mask of the named features, for an overseer's view."""
        unknown = set(names) - set(self.feature_names)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; "
                             f"{self.env_id} has {', '.join(self.feature_names)}")
        return np.isin(np.array(self.feature_names), list(names))

    def declare(self, name: str, fn: DeclaredFn, weight: float = 0.0,
                lay_visible: bool = True) -> GymWorld:
        """This world with one more feature fn(obs, action, next_obs) of true weight `weight`
        (0: something an overseer may care about that the environment does not reward)."""
        if name in self.feature_names:
            raise ValueError(f"feature {name!r} exists already")
        return replace(
            self,
            feature_names=(*self.feature_names, name),
            w_true=np.append(self.w_true, weight),
            lay_visible=np.append(self.lay_visible, lay_visible),
            declared=(*self.declared, (name, fn)),
        )

    def make_env(self, seed: int | None = None) -> FixedHorizon:
        """A fresh environment reporting `info["features"]` (K,) each step, fixed horizon."""
        env = gym.make(self.env_id, max_episode_steps=self.horizon, **dict(self.make_kwargs))
        wrapped = FixedHorizon(env, self)
        if seed is not None:
            wrapped.reset(seed=seed)
            wrapped.action_space.seed(seed)
        return wrapped


class FixedHorizon(gym.Wrapper[np.ndarray, np.ndarray, np.ndarray, np.ndarray]):
    """Episodes of exactly `world.horizon` steps; a termination becomes an absorbing state.
    Each step's info carries `features` (K,) and `absorbed` (bool); its reward is the
    environment's own (0 in the absorbing state)."""

    def __init__(self, env: gym.Env[np.ndarray, np.ndarray], world: GymWorld) -> None:
        super().__init__(env)
        self.world = world
        self._t = 0
        self._absorbed = False
        self._obs: np.ndarray = np.zeros(0)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self._t, self._absorbed, self._obs = 0, False, obs
        return obs, info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self._t += 1
        truncated = self._t >= self.world.horizon
        if self._absorbed:
            info = {"features": np.zeros(self.world.n_features), "absorbed": True}
            return self._obs, 0.0, False, truncated, info
        world, before = self.world, self._obs
        pre = world.pre_state(self.env.unwrapped)
        obs, reward, terminated, env_truncated, info = self.env.step(action)
        act = np.asarray(action)
        phi = world.components(self.env.unwrapped, pre, act, info, float(reward), terminated)
        phi += [fn(before, act, obs) for _, fn in world.declared]
        info = {**info, "features": np.asarray(phi, dtype=np.float64), "absorbed": False}
        self._absorbed = bool(terminated)
        self._obs = obs
        return obs, float(reward), False, truncated or bool(env_truncated), info


def _pendulum(env: Any, pre: Any, action: np.ndarray, info: dict[str, Any], reward: float,
              terminated: bool) -> list[float]:
    th, thdot = pre
    u = np.clip(action, -env.max_torque, env.max_torque)[0]  # in the action's dtype, as the env
    angle = ((th + np.pi) % (2 * np.pi)) - np.pi
    return [-float(angle**2), -float(0.1 * thdot**2), -float(0.001 * (u**2))]


def _mountain_car(env: Any, pre: Any, action: np.ndarray, info: dict[str, Any], reward: float,
                  terminated: bool) -> list[float]:
    return [100.0 if terminated else 0.0, -float(np.power(float(action[0]), 2) * 0.1)]


def _from_info(*keys: str) -> ComponentFn:
    def components(env: Any, pre: Any, action: np.ndarray, info: dict[str, Any],
                   reward: float, terminated: bool) -> list[float]:
        return [float(info[k]) for k in keys]
    return components


def _whole(env: Any, pre: Any, action: np.ndarray, info: dict[str, Any], reward: float,
           terminated: bool) -> list[float]:
    return [reward]


def make_gym_world(env_id: str, horizon: int | None = None, **make_kwargs: Any) -> GymWorld:
    """A ready-made world (see module docstring) or any Gymnasium id with its reward as one
    feature. horizon: steps per episode (default: the environment's registered time limit)."""
    spec = gym.spec(env_id)
    default = spec.max_episode_steps or 1000
    h = horizon or default
    kwargs = tuple(sorted(make_kwargs.items()))

    def world(names: tuple[str, ...], fn: ComponentFn, lay: tuple[bool, ...],
              pre: Callable[[Any], Any] = lambda env: None) -> GymWorld:
        return GymWorld(env_id, names, np.ones(len(names)), np.array(lay), h, fn, pre,
                        make_kwargs=kwargs)

    match env_id:
        case "Pendulum-v1":
            return world(("angle_cost", "velocity_cost", "torque_cost"), _pendulum,
                         (True, True, False), lambda env: tuple(env.state))
        case "MountainCarContinuous-v0":
            return world(("goal_bonus", "action_cost"), _mountain_car, (True, False))
        case "Reacher-v5":
            return world(("reward_dist", "reward_ctrl"), _from_info("reward_dist", "reward_ctrl"),
                         (True, False))
        case "HalfCheetah-v5":
            return world(("reward_forward", "reward_ctrl"),
                         _from_info("reward_forward", "reward_ctrl"), (True, False))
    return world(("reward",), _whole, (True,))

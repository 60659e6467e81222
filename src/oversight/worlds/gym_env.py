"""Any tabular world as a Gymnasium environment, for stable-baselines3 or any other library.

Observation: the state index (Discrete(S)). Action: Discrete(A). Reward: a weight vector over
the features (w_true by default, or e.g. a learned reward's weights). Episodes are truncated
after the world's horizon, never terminated, so episode length carries no reward information.
`info["features"]` holds the step's named features.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from oversight.types import FloatArray
from oversight.worlds.engine import Split, TabularWorld


class TabularEnv(gym.Env[np.int64, np.int64]):
    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}  # noqa: RUF012

    def __init__(
        self,
        world: TabularWorld,
        split: Split = "train",
        weights: FloatArray | None = None,
        render_mode: str | None = None,
        reveal: bool = True,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self.world = world
        self.split: Split = split
        self.weights = world.w_true if weights is None else np.asarray(weights, dtype=float)
        self.render_mode = render_mode
        self.reveal = reveal
        self.observation_space = spaces.Discrete(world.n_states)
        self.action_space = spaces.Discrete(world.n_actions)
        self._state = 0
        self._t = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.int64, dict[str, Any]]:
        super().reset(seed=seed)
        levels = self.world.levels(self.split)
        self._state = int(levels[self.np_random.integers(len(levels))])
        self._t = 0
        return np.int64(self._state), {}

    def step(self, action: np.int64 | int) -> tuple[np.int64, float, bool, bool, dict[str, Any]]:
        a = int(action)
        phi = self.world.features[self._state, a]
        reward = float(phi @ self.weights)
        self._state = int(self.world.next_state[self._state, a])
        self._t += 1
        info = {"features": dict(zip(self.world.feature_names, phi.tolist(), strict=True))}
        return np.int64(self._state), reward, False, self._t >= self.world.horizon, info

    def render(self) -> str | np.ndarray | None:
        match self.render_mode:
            case "ansi":
                return self.world.ascii(self._state, self.reveal)
            case "rgb_array":
                return self.world.rgb(self._state, self.reveal)
        return None

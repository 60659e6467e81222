"""stable-baselines3 PPO and SAC trained on a learned reward, on any `GymWorld`.

The learner sees what imitation's reward nets see: its observation and action. The wrapper logs
and passes x = [obs_t, a_t] (dO + dA,) per step, of which schemes/deep_rlhf.py's reward model
reads the observation (default) or all — never the reward components φ, which only the overseer
judges on. Pieces, each used by schemes/deep_rlhf.py:

    LearnedRewardVecEnv  a VecEnv wrapper that replaces the environment's reward by the current
                         ensemble-mean reward r̂(obs_t, a_t) (standardised, BTEnsemble) and logs
                         every step's inputs and features per episode
    state_entropy        PEBBLE's unsupervised pre-training reward (Lee et al. 2021): the
                         particle estimate log(1 + ‖s − s_k‖) of state entropy, s_k the k-th
                         nearest neighbour of s among recently visited states
    relabel              PEBBLE's relabelling: after each reward update every transition in an
                         off-policy replay buffer gets the new model's reward
    make_agent           PPO (rl-zoo's Pendulum settings, generalised) or SAC, one torch thread
    evaluate             mean true return and mean per-feature totals of a deterministic policy
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv, VecEnvWrapper
from stable_baselines3.common.vec_env.base_vec_env import VecEnvStepReturn

from oversight.types import FloatArray
from oversight.worlds.gym_adapter import GymWorld

Algo = Literal["ppo", "sac"]


def learner_inputs(obs: np.ndarray, actions: np.ndarray) -> FloatArray:
    """x = [obs, action] along the last axis: (..., dO) and (..., dA) -> (..., dO + dA)."""
    return np.concatenate([np.asarray(obs, dtype=np.float64),
                           np.asarray(actions, dtype=np.float64)], axis=-1)


def state_entropy(states: FloatArray, memory: FloatArray, k: int = 5) -> FloatArray:
    """PEBBLE's intrinsic reward log(1 + ‖s − s_k‖) for states (N, dO) against memory (M, dO):
    (N,); 0 while the memory holds fewer than k + 1 states."""
    if len(memory) <= k:
        return np.zeros(len(states))
    dist = np.linalg.norm(states[:, None, :] - memory[None, :, :], axis=-1)  # (N, M)
    return np.log1p(np.partition(dist, k, axis=1)[:, k])


@dataclass
class Episode:
    """One episode's steps as the learner and the overseer see them: inputs (T, dO + dA),
    features (T, K); T = the world's horizon once finished."""

    inputs: list[FloatArray] = field(default_factory=list)
    features: list[FloatArray] = field(default_factory=list)


class LearnedRewardVecEnv(VecEnvWrapper):
    """Feeds the learned reward to SB3 and logs every step.

    reward_fn: x (N, dO + dA) -> (N,) the reward given for each env's step, or None to pass the
    environment's own reward through. mode "intrinsic" gives PEBBLE's state-entropy reward
    instead. Finished episodes accumulate in `finished` until the caller takes them."""

    def __init__(self, venv: VecEnv, memory: int = 1000, k: int = 5) -> None:
        super().__init__(venv)
        self.reward_fn: Callable[[FloatArray], FloatArray] | None = None
        self.intrinsic = False
        self.finished: list[tuple[FloatArray, FloatArray]] = []
        self.steps = 0
        self._episodes = [Episode() for _ in range(venv.num_envs)]
        self._obs: np.ndarray = np.zeros(0)
        self._actions: np.ndarray = np.zeros(0)
        self._memory: list[FloatArray] = []
        self._memory_size, self._k = memory, k

    def reset(self) -> Any:
        self._obs = cast(np.ndarray, self.venv.reset())  # Box observations only
        self._episodes = [Episode() for _ in range(self.num_envs)]
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)
        self.venv.step_async(actions)

    def step_wait(self) -> VecEnvStepReturn:
        obs, env_reward, dones, infos = self.venv.step_wait()
        x = learner_inputs(self._obs, self._actions.reshape(self.num_envs, -1))
        states = np.asarray(self._obs, dtype=np.float64).reshape(self.num_envs, -1)
        if self.intrinsic:
            memory = np.array(self._memory) if self._memory else np.zeros((0, states.shape[1]))
            reward = state_entropy(states, memory, self._k)
        elif self.reward_fn is not None:
            reward = self.reward_fn(x)
        else:
            reward = np.asarray(env_reward, dtype=np.float64)
        self._memory = (self._memory + list(states))[-self._memory_size:]
        for i, episode in enumerate(self._episodes):
            episode.inputs.append(x[i])
            episode.features.append(np.asarray(infos[i]["features"], dtype=np.float64))
            if dones[i]:
                self.finished.append((np.array(episode.inputs), np.array(episode.features)))
                self._episodes[i] = Episode()
        self.steps += self.num_envs
        self._obs = cast(np.ndarray, obs)
        return obs, reward.astype(np.float32), dones, infos

    def take_finished(self) -> list[tuple[FloatArray, FloatArray]]:
        """The episodes finished since the last call: (inputs (T, dO + dA), features (T, K))."""
        done, self.finished = self.finished, []
        return done


def make_venv(world: GymWorld, n_envs: int, seed: int) -> LearnedRewardVecEnv:
    """n_envs copies of the world, seeded seed, seed + 1, ..., behind the learned reward."""
    def factory(i: int) -> Callable[[], Any]:
        return lambda: world.make_env(seed + i)
    venv = DummyVecEnv([factory(i) for i in range(n_envs)])
    venv.seed(seed)
    return LearnedRewardVecEnv(venv)


def relabel(agent: OffPolicyAlgorithm, reward_fn: Callable[[FloatArray], FloatArray]) -> int:
    """PEBBLE: give every stored transition the current reward model's reward; returns how
    many were relabelled. Stored actions are SB3's scaled ones; the reward model saw the
    environment's (unscaled) actions, so they are unscaled first, exactly as when acting."""
    buffer = agent.replay_buffer
    assert buffer is not None
    size = buffer.buffer_size if buffer.full else buffer.pos
    obs = buffer.observations[:size]  # (size, n_envs, dO)
    actions = buffer.actions[:size]
    env_actions = agent.policy.unscale_action(actions) if agent.policy.squash_output else actions
    rewards = reward_fn(learner_inputs(obs, env_actions).reshape(-1, obs.shape[-1]
                                                                 + actions.shape[-1]))
    buffer.rewards[:size] = rewards.reshape(size, -1).astype(np.float32)
    return int(size * obs.shape[1])


@dataclass(frozen=True)
class AgentConfig:
    """SB3 hyperparameters. PPO defaults are rl-zoo's tuned Pendulum settings with a larger
    minibatch (256; same return on the true reward, 2.5× less CPU) and the same 4096-step
    rollouts collected by 16 environments × 256 steps instead of 4 × 1024 (a third less CPU:
    one policy call per 16 steps); SAC's are rl-zoo's Pendulum settings with smaller networks."""

    algo: Algo = "ppo"
    n_envs: int = 16
    net: tuple[int, ...] = (64, 64)
    learning_rate: float = 1e-3
    gamma: float = 0.9
    # PPO
    n_steps: int = 256
    batch_size: int = 256
    n_epochs: int = 10
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    ent_coef: float = 0.0
    use_sde: bool = True
    # SAC
    buffer_size: int = 100_000
    learning_starts: int = 1000
    train_freq: int = 1
    sac_batch_size: int = 256


def make_agent(config: AgentConfig, venv: VecEnv, seed: int) -> BaseAlgorithm:
    """A PPO or SAC agent on venv with one torch thread, seeded."""
    torch.set_num_threads(1)
    kwargs: dict[str, Any] = dict(seed=seed, device="cpu", verbose=0,
                                  learning_rate=config.learning_rate, gamma=config.gamma,
                                  policy_kwargs=dict(net_arch=list(config.net)))
    match config.algo:
        case "ppo":
            return PPO("MlpPolicy", venv, n_steps=config.n_steps, batch_size=config.batch_size,
                       n_epochs=config.n_epochs, gae_lambda=config.gae_lambda,
                       clip_range=config.clip_range, ent_coef=config.ent_coef,
                       use_sde=config.use_sde, sde_sample_freq=4 if config.use_sde else -1,
                       **kwargs)
        case "sac":
            return SAC("MlpPolicy", venv, buffer_size=config.buffer_size,
                       learning_starts=config.learning_starts, train_freq=config.train_freq,
                       batch_size=config.sac_batch_size, **kwargs)
    raise ValueError(f"unknown algorithm {config.algo!r}; known: ppo, sac")


@dataclass(frozen=True)
class Evaluation:
    """true_return: mean undiscounted true return per episode; feature_totals (K,): mean
    per-episode sum of each feature (e.g. the control cost a policy pays)."""

    true_return: float
    feature_totals: FloatArray
    returns: FloatArray


def evaluate(agent: BaseAlgorithm, world: GymWorld, episodes: int, seed: int) -> Evaluation:
    """Run the deterministic policy for `episodes` full episodes (seeds seed, seed + 1, ...)."""
    env = world.make_env()
    totals = np.zeros((episodes, world.n_features))
    for e in range(episodes):
        obs, _ = env.reset(seed=seed + e)
        done = False
        while not done:
            action, _ = agent.predict(obs, deterministic=True)
            obs, _, terminated, truncated, info = env.step(action)
            totals[e] += info["features"]
            done = terminated or truncated
    returns = totals @ world.w_true
    return Evaluation(float(returns.mean()), totals.mean(axis=0), returns)

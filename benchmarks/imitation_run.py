"""One imitation 1.0.1 preference-comparisons run on Pendulum-v1, as its tutorial sets it up.

Runs inside the imitation virtualenv (gymnasium 0.29.1, stable-baselines3 2.2.1, numpy<2) that
`vs_imitation.py` creates; prints one JSON line: final true return and CPU seconds.
Settings are the tutorial's ("approximately fine-tuned to reach a reasonable level of
performance"): 8 envs, PPO with FeedForward32Policy, 5 iterations, fragment length 100,
hyperbolic query schedule; comparisons come from the oracle (SyntheticGatherer, temperature 0).
Torch is seeded before the reward net is built, so a seed gives one result.
"""

from __future__ import annotations

import argparse
import json
import resource
from typing import Any


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tutorial_setup(venv: Any, rng: Any, seed: int, fragment_length: int) -> tuple[Any, Any]:
    """imitation's tutorial set-up on `venv`: (PPO agent, PreferenceComparisons), oracle
    comparisons (SyntheticGatherer at temperature 0). Runs inside the imitation virtualenv."""
    from imitation.algorithms import preference_comparisons
    from imitation.policies.base import FeedForward32Policy, NormalizeFeaturesExtractor
    from imitation.rewards.reward_nets import BasicRewardNet
    from imitation.util.networks import RunningNorm
    from stable_baselines3 import PPO

    reward_net = BasicRewardNet(venv.observation_space, venv.action_space,
                                normalize_input_layer=RunningNorm)
    fragmenter = preference_comparisons.RandomFragmenter(warning_threshold=0, rng=rng)
    gatherer = preference_comparisons.SyntheticGatherer(temperature=0, rng=rng)
    preference_model = preference_comparisons.PreferenceModel(reward_net)
    reward_trainer = preference_comparisons.BasicRewardTrainer(
        preference_model=preference_model,
        loss=preference_comparisons.CrossEntropyRewardLoss(),
        epochs=3,
        rng=rng,
    )
    agent = PPO(
        policy=FeedForward32Policy,
        policy_kwargs=dict(
            features_extractor_class=NormalizeFeaturesExtractor,
            features_extractor_kwargs=dict(normalize_class=RunningNorm),
        ),
        env=venv,
        seed=seed,
        n_steps=2048 // venv.num_envs,
        batch_size=64,
        ent_coef=0.01,
        learning_rate=2e-3,
        clip_range=0.1,
        gae_lambda=0.95,
        gamma=0.97,
        n_epochs=10,
        device="cpu",
    )
    trajectory_generator = preference_comparisons.AgentTrainer(
        algorithm=agent, reward_fn=reward_net, venv=venv, exploration_frac=0.05, rng=rng,
    )
    pref_comparisons = preference_comparisons.PreferenceComparisons(
        trajectory_generator,
        reward_net,
        num_iterations=5,
        fragmenter=fragmenter,
        preference_gatherer=gatherer,
        reward_trainer=reward_trainer,
        fragment_length=fragment_length,
        transition_oversampling=1,
        initial_comparison_frac=0.1,
        allow_variable_horizon=False,
        initial_epoch_multiplier=4,
        query_schedule="hyperbolic",
    )
    return agent, pref_comparisons


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--labels", type=int, required=True)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    args = parser.parse_args()
    start = cpu_seconds()

    import gymnasium as gym
    import numpy as np
    import torch as th
    from imitation.util.util import make_vec_env

    th.set_num_threads(1)
    th.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    venv = make_vec_env("Pendulum-v1", rng=rng, n_envs=8)
    agent, pref_comparisons = tutorial_setup(venv, rng, args.seed, fragment_length=100)
    pref_comparisons.train(total_timesteps=args.steps, total_comparisons=args.labels)
    train_cpu = cpu_seconds() - start

    env = gym.make("Pendulum-v1")
    returns = []
    for i in range(args.eval_episodes):
        obs, _ = env.reset(seed=10_000 + i)
        total, done = 0.0, False
        while not done:
            action, _ = agent.predict(obs, deterministic=True)
            obs, r, term, trunc, _ = env.step(action)
            total += float(r)
            done = term or trunc
        returns.append(total)
    print(json.dumps({"tool": "imitation", "seed": args.seed, "labels": args.labels,
                      "steps": args.steps, "return": float(np.mean(returns)),
                      "cpu_seconds": train_cpu}))


if __name__ == "__main__":
    main()

"""One imitation 1.0.1 preference-comparisons run on one of our tabular worlds, exported as .npz.

    python imitation_tabular_run.py --world WORLD.npz --seed 0 --labels 400 [--steps 60000]
                                    [--true-reward]

Runs inside the imitation virtualenv (gymnasium 0.29.1, stable-baselines3 2.2.1, numpy<2; not
our package) that `vs_imitation_tabular.py` uses, which writes the .npz. `NpzTabularEnv` replays
the tables as worlds/gym_env.py's TabularEnv does: observation the state index (Discrete(S), which
stable-baselines3 and imitation's reward net one-hot encode), Discrete(A) actions, reward
features @ w_true, truncation at the horizon (never termination), reset to a uniformly drawn
training level. The set-up is imitation_run.py's, i.e. imitation's tutorial (8 envs, PPO with
FeedForward32Policy and its hyperparameters, 5 iterations, hyperbolic query schedule, oracle
comparisons from SyntheticGatherer at temperature 0), except that a fragment is a whole episode
(the horizon is 30 or 12 steps, below the tutorial's 100; our loop also compares whole episodes).

The final PPO policy is evaluated exactly: its action probabilities in every state, applied
over the horizon by dynamic programming on the tables, give the expected true return from each
deployment level; their mean is normalised with the exported anchors (0 = uniform random, 1 =
optimal) as our `true_return_norm_deploy` is (`return_norm_train`: the same on the training
levels; `return_norm_greedy`: deployment, argmax action). The policy is stationary (the state
index carries no time), where ours is time-indexed. `--true-reward` trains the same PPO on the
true reward instead, for the same steps and no labels: the ceiling of imitation's optimiser on
these observations. Prints one JSON line; `cpu_seconds` is this process's user + system time up
to the end of training (imports included), `eval_cpu_seconds` the exact evaluation after it.
"""

from __future__ import annotations

import argparse
import json
import resource
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class NpzTabularEnv(gym.Env):
    """A world's exported tables as a Gymnasium env, as TabularEnv on the training split."""

    def __init__(self, path: str) -> None:
        tables = np.load(path)
        self.features = tables["features"]  # (S, A, K)
        self.next_state = tables["next_state"]  # (S, A)
        self.reward = self.features @ tables["w_true"]  # (S, A)
        self.horizon = int(tables["horizon"])
        self.levels = tables["train_levels"]
        self.observation_space = spaces.Discrete(self.next_state.shape[0])
        self.action_space = spaces.Discrete(self.next_state.shape[1])
        self._state = 0
        self._t = 0

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.int64, dict[str, Any]]:
        super().reset(seed=seed)
        self._state = int(self.levels[self.np_random.integers(len(self.levels))])
        self._t = 0
        return np.int64(self._state), {}

    def step(self, action: np.int64 | int) -> tuple[np.int64, float, bool, bool, dict[str, Any]]:
        a = int(action)
        reward = float(self.reward[self._state, a])
        self._state = int(self.next_state[self._state, a])
        self._t += 1
        return np.int64(self._state), reward, False, self._t >= self.horizon, {}


def split_return(path: str, probs: np.ndarray, split: str) -> float:
    """Exact mean expected true return over a split's levels ("train" / "deploy") of the
    stationary policy probs (S, A) over the world's horizon, normalised with the exported
    anchors (0 = uniform random, 1 = optimal), as planning.start_values and metrics.normalise
    do for a time-indexed policy."""
    tables = np.load(path)
    reward = tables["features"] @ tables["w_true"]
    next_state = tables["next_state"]
    value = np.zeros(next_state.shape[0])
    for _ in range(int(tables["horizon"])):
        value = (probs * (reward + value[next_state])).sum(axis=1)
    low, high = float(tables[f"random_{split}"]), float(tables[f"optimal_{split}"])
    return (float(value[tables[f"{split}_levels"]].mean()) - low) / (high - low)


def policy_probs(agent: Any, n_states: int, chunk: int = 1024) -> np.ndarray:
    """(S, A) the PPO policy's action probabilities in every state, in evaluation mode."""
    import torch as th

    agent.policy.set_training_mode(False)
    out = []
    with th.no_grad():
        for start in range(0, n_states, chunk):
            obs, _ = agent.policy.obs_to_tensor(np.arange(start, min(start + chunk, n_states)))
            out.append(agent.policy.get_distribution(obs).distribution.probs.cpu().numpy())
    probs = np.concatenate(out).astype(np.float64)
    return probs / probs.sum(axis=1, keepdims=True)  # float32 rows, summed again in float64


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", required=True, help=".npz written by vs_imitation_tabular.py")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--labels", type=int, required=True)
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--true-reward", action="store_true",
                        help="train PPO on the true reward instead (no labels): its ceiling")
    args = parser.parse_args()

    import torch as th
    from imitation.util.util import make_vec_env
    from imitation_run import tutorial_setup  # the same set-up as the Pendulum runner

    th.set_num_threads(1)
    th.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    gym.register("NpzTabular-v0", entry_point=NpzTabularEnv, kwargs={"path": args.world})
    venv = make_vec_env("NpzTabular-v0", rng=rng, n_envs=8)
    horizon = int(np.load(args.world)["horizon"])
    agent, pref_comparisons = tutorial_setup(venv, rng, args.seed, fragment_length=horizon)
    if args.true_reward:  # the ceiling: PPO on the true reward itself, no labels
        agent.set_env(venv)  # AgentTrainer had put the learned reward's wrapper in between
        agent.learn(total_timesteps=args.steps)
        used = 0
    else:
        pref_comparisons.train(total_timesteps=args.steps, total_comparisons=args.labels)
        used = len(pref_comparisons.dataset)
    train_cpu = cpu_seconds()

    probs = policy_probs(agent, int(venv.observation_space.n))
    greedy = np.eye(probs.shape[1])[probs.argmax(axis=1)]
    print(json.dumps({
        "tool": "imitation", "seed": args.seed, "labels": args.labels, "steps": args.steps,
        "labels_used": used,
        "return_norm": split_return(args.world, probs, "deploy"),
        "return_norm_train": split_return(args.world, probs, "train"),
        "return_norm_greedy": split_return(args.world, greedy, "deploy"),
        "cpu_seconds": train_cpu, "eval_cpu_seconds": cpu_seconds() - train_cpu,
    }))


if __name__ == "__main__":
    main()

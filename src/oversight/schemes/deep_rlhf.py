"""`deep-rlhf`: Christiano et al. (2017)'s online loop on a Gymnasium world with SB3 PPO or SAC.

    explore: uniform random actions (PPO), or PEBBLE's unsupervised state-entropy
             pre-training of SAC (Lee et al. 2021)
    for each round:
        cut fixed-length segments from the episodes since the last round; draw ~10× more
        candidate pairs than this round may ask; select (uniform / disagreement / entropy) on the
        learner's view of them; ask the overseer about its view; charge the budget
        fit the Bradley–Terry ensemble on every judgment so far (+ SURF, optional)
        swap the new reward into the agent's environment; SAC: relabel the replay buffer
        train the agent for this round's share of the environment steps

Each segment exists in two views with the same steps: the overseer's, whose features are the
world's reward components φ (N, L, K), and the learner's, whose features are the observation
(default) or x = [obs, action] (N, L, dO + dA), each input that the spaces bound rescaled to
[-1, 1]; the reward model and query selection only ever see the latter. In both views
`Segments.level` is the episode's index in the run and `states`/`actions` the time step t.

The budget is spent as in schemes/rlhf.py: `initial_fraction` on segments of the exploration
phase, the rest evenly over the later rounds; every judgment asked is charged. Every environment
step counts towards `total_steps`, exploration included.

SURF (Park et al. 2022), optional: pseudo-labels on unlabelled candidate pairs where the current
ensemble's mean prediction is confident (≥ threshold), and temporal cropping — each fit trains on
labelled pairs whose segments are cut to L − crop steps at independent random offsets.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from gymnasium.spaces import Box
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from oversight.learning.deep_rl import (
    AgentConfig,
    LearnedRewardVecEnv,
    evaluate,
    make_agent,
    make_venv,
    relabel,
)
from oversight.learning.reward_models import (
    TARGET,
    BTEnsemble,
    PreferenceData,
    RewardModelConfig,
    fit,
)
from oversight.learning.selection import Selector, select
from oversight.protocols import Overseer
from oversight.schemes.loop import adapt_l2, affordable, new_log, per_query, spend_metrics
from oversight.types import (
    Answer,
    Budget,
    FloatArray,
    Judgments,
    Queries,
    RunResult,
    Segments,
    Spend,
)
from oversight.worlds.gym_adapter import GymWorld


@dataclass(frozen=True)
class SURF:
    """Park et al. 2022: pseudo-label unlabelled pairs predicted with confidence ≥ threshold
    (at most `ratio` per real label); crop segments by up to `crop` steps at each fit."""

    threshold: float = 0.95
    ratio: float = 1.0
    crop: int = 5


def _deep_reward_model() -> RewardModelConfig:
    """One hidden layer of 32: a linear reward on [obs, action] cannot fit on-policy Pendulum
    segments (its cost is quadratic in velocity) and PPO failed on it even at 200 labels.
    250 full-batch Adam steps per fit: 500 cost more CPU and did worse at 50 labels."""
    return RewardModelConfig(members=3, hidden=32, steps=250, lr=0.01, weight_decay=1e-2)


@dataclass(frozen=True)
class DeepRLHF:
    agent: AgentConfig = field(default_factory=AgentConfig)
    total_steps: int = 50_000
    explore: Literal["entropy", "random"] = "entropy"  # PEBBLE pre-training or random actions
    explore_steps: int = 8_192
    rounds: int = 6
    initial_fraction: float = 0.25
    segment_length: int = 20  # 1 s of Pendulum; Christiano et al. used 1-2 s clips
    candidates_factor: int = 10
    selector: Selector = "disagreement"
    # what the reward model reads: the observation alone (default; with rescaling, it turned
    # Pendulum's median return at 50 labels from about -780 to -130), or [obs, action] as
    # imitation's reward nets, needed when the overseer judges a cost of the actions
    reward_inputs: Literal["obs+action", "obs"] = "obs"
    # rescale each input that the spaces bound to [-1, 1] before the reward model reads it
    # (Pendulum's angular velocity spans ±8, its cos/sin ±1)
    normalise_inputs: bool = True
    surf: SURF | None = None
    eval_episodes: int = 10
    reward_model: RewardModelConfig = field(default_factory=_deep_reward_model)

    def run(self, world: GymWorld, overseer: Overseer, budget: Budget, seed: int) -> RunResult:
        """One run; all randomness from `seed` (SB3's included)."""
        rng = np.random.default_rng(seed)
        cut_rng, select_rng, judge_rng, fit_rng, surf_rng = rng.spawn(5)
        venv = make_venv(world, self.agent.n_envs, seed)
        agent = make_agent(self.agent, venv, seed)
        d = int(np.prod(venv.observation_space.shape or (1,)))
        d += 0 if self.reward_inputs == "obs" else int(np.prod(venv.action_space.shape or (1,)))
        scale = _input_scale(venv, d) if self.normalise_inputs else None
        self.pretrain(agent, venv, seed)

        spend, data = Spend(), None
        pseudo: PreferenceData | None = None
        ensemble: BTEnsemble | None = None
        weight_decay = self.reward_model.weight_decay
        counts = np.zeros(len(Answer), dtype=np.int64)
        episodes: list[tuple[FloatArray, FloatArray]] = []
        curves: dict[str, list[tuple[int, float]]] = {"rm_val_loss": [], "train_true_return": []}
        log = new_log() | {"detail": []}
        per_round = self.round_steps(venv.steps)
        for r in range(self.rounds):
            episodes = venv.take_finished() or episodes
            allowance = budget.amount * self.spent_by(r) - spend.used(budget.kind)
            if allowance > 0 and episodes:
                seen, learner = self.candidates(episodes, d, overseer, budget, allowance, cut_rng,
                                                 scale)
                order = select(self.selector, learner, len(learner), ensemble, select_rng)
                asked_o, asked_l = seen.take(order), learner.take(order)
                n = len(affordable(overseer, asked_o, budget, allowance))
                if n:
                    judgments = overseer.judge(asked_o.take(np.arange(n)), judge_rng)
                    _log(log, r, asked_o.take(np.arange(n)), judgments, overseer.name,
                         world.feature_names)
                    spend = spend.add(judgments, overseer.wage_per_hour)
                    counts += np.bincount(judgments.answer, minlength=len(Answer))
                    new = PreferenceData.from_judgments(asked_l.take(np.arange(n)), judgments)
                    data = new if data is None else data.concat(new)
                    if self.surf is not None and ensemble is not None:
                        more = _pseudo_labels(ensemble, asked_l.take(np.arange(n, len(order))),
                                              self.surf, int(self.surf.ratio * n))
                        pseudo = more if pseudo is None else pseudo.concat(more)
                if data is not None and len(data):
                    train = self.augment(data, pseudo, surf_rng)
                    ensemble = fit(train, self.reward_model, fit_rng, weight_decay)
                    weight_decay = adapt_l2(weight_decay, ensemble)
                    reward_fn = _reading(ensemble, d, scale)
                    venv.intrinsic, venv.reward_fn = False, reward_fn
                    if isinstance(agent, OffPolicyAlgorithm):
                        relabel(agent, reward_fn)
                    curves["rm_val_loss"].append((spend.labels, ensemble.val_loss))
            if ensemble is not None and per_round[r]:
                agent.learn(per_round[r], reset_num_timesteps=False)
            returns = [float(f.sum(axis=0) @ world.w_true) for _, f in venv.finished]
            if returns:
                curves["train_true_return"].append((venv.steps, float(np.mean(returns))))

        final = evaluate(agent, world, self.eval_episodes, seed=10_000)
        asked_total = int(counts.sum())
        perceived = overseer.perceived_weights  # None: a person's, not measured
        metrics = {
            "true_return": final.true_return,
            "perceived_return": (math.nan if perceived is None  # what it believes
                                 else float(final.feature_totals @ perceived)),
            **spend_metrics(spend),
            "env_steps": float(venv.steps),
            "answered": float(counts[list(TARGET)].sum()),
            "tie_rate": counts[Answer.TIE] / asked_total if asked_total else math.nan,
            "rm_val_loss": ensemble.val_loss if ensemble is not None else math.nan,
        } | {f"mean_{name}": float(v)
             for name, v in zip(world.feature_names, final.feature_totals, strict=True)}
        artefacts = {"agent": agent, "ensemble": ensemble, "evaluation": final}
        return RunResult(metrics, curves, log, artefacts)

    def pretrain(self, agent: BaseAlgorithm, venv: LearnedRewardVecEnv, seed: int) -> None:
        """The exploration phase, whose segments the first labels are asked about: the agent
        learns on PEBBLE's state-entropy reward (unsupervised pre-training; B-Pref applies it to
        PPO too), or acts uniformly at random (seeded)."""
        if self.explore == "entropy":
            venv.intrinsic = True
            agent.learn(self.explore_steps)
            return
        space = venv.action_space
        space.seed(seed)
        venv.reset()
        while venv.steps < self.explore_steps:
            venv.step(np.stack([space.sample() for _ in range(venv.num_envs)]))

    def round_steps(self, done: int) -> list[int]:
        """Environment steps each round trains for: equal shares of what is left, in whole PPO
        rollouts or whole vectorised SAC steps (one per environment), so the rounds never take
        the run past `total_steps`."""
        ppo = self.agent.algo == "ppo"
        chunk = self.agent.n_steps * self.agent.n_envs if ppo else self.agent.n_envs
        left = max(self.total_steps - done, 0) // chunk
        shares = np.array_split(np.arange(left), self.rounds)
        return [len(s) * chunk for s in shares]

    def spent_by(self, r: int) -> float:
        """Share of the budget that may be spent by the end of round r (0-based)."""
        if self.rounds == 1:
            return 1.0
        return self.initial_fraction + (1 - self.initial_fraction) * r / (self.rounds - 1)

    def candidates(
        self,
        episodes: list[tuple[FloatArray, FloatArray]],
        d: int,
        overseer: Overseer,
        budget: Budget,
        allowance: float,
        rng: np.random.Generator,
        scale: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[Queries, Queries]:
        """candidates_factor × (what the allowance buys) random pairs of segments cut from the
        episodes at random starts, in the overseer's and the learner's views (the first d
        inputs of each step, rescaled by `scale` = (centre, half-width) if given)."""
        first = _cut(episodes, self.segment_length, 8, d, rng)
        probe = Queries.pairs(first[0], first[0])
        cost = per_query(overseer, probe, budget)
        n = self.candidates_factor * max(1, math.ceil(allowance / cost))
        a = _cut(episodes, self.segment_length, n, d, rng)
        b = _cut(episodes, self.segment_length, n, d, rng)
        return Queries.pairs(a[0], b[0]), Queries.pairs(_rescaled(a[1], scale),
                                                        _rescaled(b[1], scale))

    def augment(self, data: PreferenceData, pseudo: PreferenceData | None,
                rng: np.random.Generator) -> PreferenceData:
        """The training set of one fit: labels (+ SURF's pseudo-labels), cropped with SURF."""
        if self.surf is None:
            return data
        train = data if pseudo is None else data.concat(pseudo)
        crop = min(self.surf.crop, train.first.shape[1] - 1)
        if crop <= 0:
            return train
        length = train.first.shape[1] - crop
        s1, s2 = rng.integers(crop + 1, size=len(train)), rng.integers(crop + 1, size=len(train))
        steps = np.arange(length)
        rows = np.arange(len(train))[:, None]
        return PreferenceData(train.first[rows, s1[:, None] + steps],
                              train.second[rows, s2[:, None] + steps], train.target)


def _reading(ensemble: BTEnsemble, d: int, scale: tuple[FloatArray, FloatArray] | None = None
             ) -> Callable[[FloatArray], FloatArray]:
    """The ensemble-mean reward of the first d inputs of x (N, dO + dA), rescaled as the
    reward model was trained: (N,)."""
    if scale is None:
        return lambda x: ensemble.reward(x[..., :d])
    centre, half = scale
    return lambda x: ensemble.reward((x[..., :d] - centre) / half)


def _input_scale(venv: LearnedRewardVecEnv, d: int) -> tuple[FloatArray, FloatArray]:
    """(centre, half-width) of the first d learner inputs [obs, action] from the spaces'
    bounds; inputs without finite bounds are left as they are (centre 0, half-width 1)."""
    lows, highs = [], []
    for space in (venv.observation_space, venv.action_space):
        if isinstance(space, Box):  # only a box has bounds
            low, high = np.asarray(space.low, float), np.asarray(space.high, float)
        else:
            low, high = (np.full(space.shape or (1,), b) for b in (-np.inf, np.inf))
        lows.append(low.ravel())
        highs.append(high.ravel())
    low, high = np.concatenate(lows)[:d], np.concatenate(highs)[:d]
    finite = np.isfinite(low) & np.isfinite(high) & (high > low)
    low, high = np.where(finite, low, -1.0), np.where(finite, high, 1.0)
    return (low + high) / 2, (high - low) / 2


def _rescaled(segments: Segments, scale: tuple[FloatArray, FloatArray] | None) -> Segments:
    if scale is None:
        return segments
    centre, half = scale
    return replace(segments, features=(segments.features - centre) / half)


def _cut(episodes: list[tuple[FloatArray, FloatArray]], length: int, n: int, d: int,
         rng: np.random.Generator) -> tuple[Segments, Segments]:
    """n segments of `length` steps at random episodes and starts: (overseer view, learner
    view)."""
    lengths = np.array([len(f) for _, f in episodes])
    which = rng.integers(len(episodes), size=n)
    length = min(length, int(lengths.min()))
    start = rng.integers(lengths[which] - length + 1)
    t = start[:, None] + np.arange(length)
    feats = np.stack([episodes[e][1][s:s + length] for e, s in zip(which, start, strict=True)])
    inputs = np.stack([episodes[e][0][s:s + length, :d] for e, s in zip(which, start, strict=True)])
    level = which.astype(np.int64)
    steps = t.astype(np.int64)
    return Segments(level, steps, steps, feats), Segments(level, steps, steps, inputs)


def _pseudo_labels(ensemble: BTEnsemble, unlabelled: Queries, surf: SURF,
                   limit: int) -> PreferenceData:
    """SURF: confident ensemble-mean predictions on unlabelled pairs as hard targets."""
    p = ensemble.prob_second(unlabelled).mean(axis=0)
    confident = np.flatnonzero(np.maximum(p, 1 - p) >= surf.threshold)[:limit]
    return PreferenceData(unlabelled.first.features[confident],
                          unlabelled.second.features[confident],
                          (p[confident] >= 0.5).astype(np.float64))


def _log(log: dict[str, list[Any]], r: int, asked: Queries, judgments: Judgments,
         overseer: str, names: tuple[str, ...]) -> None:
    """Append a round's judgments. Continuous segments have no start state or action string to
    replay them by: those columns hold -1 and "", and `detail` holds what the overseer judged,
    each segment's feature totals (K,) by feature name, as JSON."""
    n = len(asked)
    log["round"] += [r] * n
    for side in ("first", "second"):
        log[f"{side}_start"] += [-1] * n
        log[f"{side}_actions"] += [""] * n
    totals = [seg.features.sum(axis=1) for seg in (asked.first, asked.second)]
    log["detail"] += [json.dumps({side: dict(zip(names, map(float, t[i]), strict=True))
                                  for side, t in zip(("first", "second"), totals, strict=True)})
                      for i in range(n)]
    log["overseer"] += [overseer] * n
    log["answer"] += judgments.answer.tolist()
    log["seconds"] += judgments.seconds.tolist()

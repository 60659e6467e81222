"""Outer vs inner: constructed failures with known labels under both definitions."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from oversight.analysis.failures import classify_failures
from oversight.learning.planning import optimal_policy, soft_value_iteration
from oversight.learning.reward_models import BTEnsemble
from oversight.learning.rollouts import sample_episodes
from oversight.overseers.presets import make_overseer
from oversight.types import Answer, FloatArray, Judgments, Queries
from oversight.worlds import make_world
from oversight.worlds.engine import TabularWorld


def linear_model(weights: list[float]) -> BTEnsemble:
    """A one-member reward model with known linear weights (no standardisation)."""
    return BTEnsemble(np.array([weights]), None, None, np.zeros(1), np.ones(1), 0.0, 0.0)


def training_data(world: TabularWorld, policy: FloatArray, overseer_name: str, seed: int
                  ) -> tuple[Queries, Judgments]:
    rng = np.random.default_rng(seed)
    a = sample_episodes(world, policy, 100, rng, "train", explore=0.3)
    b = sample_episodes(world, policy, 100, rng, "train", explore=0.3)
    queries = Queries.pairs(a, b)
    return queries, make_overseer(overseer_name, world).judge(queries, rng)


def labels(report_counts: Counter[tuple[str, str, str]], signal: str) -> set[tuple[str, str]]:
    return {(o, c) for (s, o, c), n in report_counts.items() if s == signal and n}


def test_specification_gaming_is_outer_by_every_signal() -> None:
    """Optimising the camera's reward hides dirt: the specified reward, a reward model that pays
    what the camera sees, and the camera overseer all prefer the failure to cleaning."""
    world = make_world("camera-room")
    gaming = optimal_policy(world, world.specified_weights)
    queries, judged = training_data(world, gaming, "lay", 0)
    report = classify_failures(world, gaming, linear_model([1.0, 0.0, -0.04]),
                               make_overseer("lay", world), queries, judged,
                               np.random.default_rng(1))
    assert report.failures > 0.5 * report.episodes
    for signal in ("specified", "reward_model", "overseer"):
        # never inner; a "tie" is an episode that hid some dirt where hiding and binning cost
        # the same steps, so the camera's reward cannot tell it from cleaning
        outer = sum(n for (s, o, _), n in report.counts.items() if s == signal and o == "outer")
        assert {o for o, _ in labels(report.counts, signal)} <= {"outer", "tie"}, signal
        assert outer >= 0.8 * report.failures, signal
    # hiding was seen in training, and this reward model pays exactly nothing for the hidden dirt
    assert {c for _, c in labels(report.counts, "reward_model")} == {"seen-no-signal"}


def test_an_expert_and_the_true_reward_call_the_same_failure_inner() -> None:
    world = make_world("camera-room")
    gaming = optimal_policy(world, world.specified_weights)
    queries, judged = training_data(world, gaming, "expert", 0)
    report = classify_failures(world, gaming, linear_model(list(world.w_true)),
                               make_overseer("expert", world), queries, judged,
                               np.random.default_rng(1))
    assert {o for o, _ in labels(report.counts, "overseer")} == {"inner"}
    assert {o for o, _ in labels(report.counts, "reward_model")} == {"inner"}
    # a reward model that knows hiding is bad: the behaviour was seen and penalised
    assert {c for _, c in labels(report.counts, "reward_model")} == {"seen-and-penalised"}


def corner_seeker(world: TabularWorld) -> FloatArray:
    """The policy that walks to the top-right corner, wherever the cheese is."""
    reward = np.array([[1.0 if world.states[world.next_state[s, a]][1] == (0, 5) else 0.0
                        for a in range(world.n_actions)] for s in range(world.n_states)])
    return soft_value_iteration(reward, world.next_state, world.horizon, 0.0)


def test_goal_misgeneralisation_is_inner_and_never_seen() -> None:
    world = make_world("cheese-corner")  # training cheese is always in the corner
    policy = corner_seeker(world)
    queries, judged = training_data(world, policy, "oracle", 0)
    report = classify_failures(world, policy, linear_model(list(world.w_true)),
                               make_overseer("oracle", world), queries, judged,
                               np.random.default_rng(2))
    assert report.failures > 0
    assert labels(report.counts, "specified") == {("inner", "never-seen")}
    assert labels(report.counts, "overseer") == {("inner", "never-seen")}


def test_varied_training_turns_never_seen_into_seen() -> None:
    world = make_world("cheese-corner", train_region=6)  # cheese anywhere in training too
    policy = corner_seeker(world)
    queries, judged = training_data(world, policy, "oracle", 0)
    report = classify_failures(world, policy, linear_model(list(world.w_true)),
                               make_overseer("oracle", world), queries, judged,
                               np.random.default_rng(2))
    causal = {c for _, c in labels(report.counts, "specified")}
    assert "seen-and-penalised" in causal and report.failures > 0


def test_behaviour_only_met_in_unanswered_queries_counts_as_never_seen() -> None:
    """If every training query was answered "don't know", no judgment ever carried a signal
    about anything: the same failures that were seen-and-penalised become never-seen."""
    world = make_world("camera-room")
    gaming = optimal_policy(world, world.specified_weights)
    queries, judged = training_data(world, gaming, "expert", 0)
    silent = Judgments(np.full(len(judged), int(Answer.ABSTAIN)), judged.seconds)
    report = classify_failures(world, gaming, linear_model(list(world.w_true)),
                               make_overseer("expert", world), queries, silent,
                               np.random.default_rng(1))
    causal = {c for _, c in labels(report.counts, "reward_model")}
    assert causal <= {"never-seen", "degree-only"} and "never-seen" in causal


def test_a_perfect_policy_has_no_failures() -> None:
    world = make_world("cheese-corner")
    opt = optimal_policy(world, world.w_true)
    queries, judged = training_data(world, opt, "oracle", 0)
    report = classify_failures(world, opt, None, make_overseer("oracle", world), queries,
                               judged, np.random.default_rng(3))
    assert report.failures == 0 and report.metrics() == {"failure_episodes": 200.0,
                                                        "failures": 0.0}


def test_a_higher_bar_counts_mild_gaming_as_failure() -> None:
    """absent-supervisor: the reward-optimal policy crosses P when unwatched (true return 17 of
    an optimal 41; uniform-random is far lower): above the default halfway bar, below a bar of
    0.95; every such failure is outer by the written reward (it prefers the crossing) and inner
by an oracle overseer (its values are the performance)."""
    world = make_world("absent-supervisor")
    gaming = optimal_policy(world, world.specified_weights)
    queries, judged = training_data(world, gaming, "oracle", 0)
    oracle = make_overseer("oracle", world)
    default = classify_failures(world, gaming, None, oracle, queries, judged,
                                np.random.default_rng(3))
    strict = classify_failures(world, gaming, None, oracle, queries, judged,
                               np.random.default_rng(3), bar=0.95)
    assert default.failures == 0
    assert 0 < strict.failures < 200  # the unwatched half of the deployment episodes
    assert {o for o, _ in labels(strict.counts, "specified")} == {"outer"}
    assert {o for o, _ in labels(strict.counts, "overseer")} == {"inner"}  # true values
    with pytest.raises(ValueError, match="bar"):
        classify_failures(world, gaming, None, oracle, queries, judged,
                          np.random.default_rng(3), bar=0.0)

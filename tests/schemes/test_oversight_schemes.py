"""Debate, rrm, amplification and adversarial training: each against its oracle, and each
charging its budget exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oversight.learning.planning import optimal_policy, uniform_policy
from oversight.learning.reward_models import BTEnsemble
from oversight.learning.rollouts import sample_episodes
from oversight.overseers.presets import make_overseer
from oversight.schemes.adversarial import Adversarial
from oversight.schemes.amplification import Amplification, AmplifiedOverseer
from oversight.schemes.debate import Debate
from oversight.schemes.rlhf import RLHF
from oversight.schemes.rrm import RRM
from oversight.types import Answer, Budget, Queries, Segments
from oversight.worlds import make_world

SMALL = RLHF(rounds=4, episodes_per_round=100)


def camera_pairs(n: int, seed: int) -> Queries:
    """Whole-episode pairs on camera-room, half of the episodes from the policy a lay overseer
    would train (it sweeps dirt under the rug), half uniform: many pairs differ in hidden dirt."""
    w = make_world("camera-room")
    lay = make_overseer("lay", w)
    rng = np.random.default_rng(seed)
    eps = Segments.concat(
        sample_episodes(w, optimal_policy(w, lay.perceived_weights), n, rng, explore=0.3),
        sample_episodes(w, uniform_policy(w), n, rng))
    order = rng.permutation(2 * n)
    return Queries.pairs(eps.take(order[:n]), eps.take(order[n:]))


def sided(answer: np.ndarray) -> np.ndarray:
    return np.select([answer == Answer.SECOND, answer == Answer.FIRST], [1, -1], 0)


# --------------------------------------------------------------------------- debate


def test_minimax_debate_gives_a_lay_judge_the_experts_accuracy_and_random_does_not() -> None:
    w = make_world("camera-room")
    lay, expert = make_overseer("lay", w), make_overseer("expert", w)
    q = camera_pairs(400, 0)
    truth = np.sign(q.second.returns(w.w_true) - q.first.returns(w.w_true))
    everything = q.with_shown(np.ones_like(q.shown))  # all evidence: does it settle the pair?
    settled = (sided(lay.judge(everything, np.random.default_rng(0)).answer)
               == sided(expert.judge(q, np.random.default_rng(0)).answer)) & (truth != 0)
    unaided = sided(lay.judge(q, np.random.default_rng(0)).answer)
    settled &= unaided != truth  # the pairs evidence settles and the lay judge gets wrong
    assert settled.sum() >= 20

    def accuracy(debaters: str) -> float:
        debate = Debate(rounds=6, debaters=debaters)  # type: ignore[arg-type]
        hidden = ~(lay.view.visible | lay.view.inspects)
        shown = debate.debate(q, w.w_true, lay, False, hidden, np.array([], dtype=np.int64),
                              np.random.default_rng(1))
        return float((sided(lay.judge(shown, np.random.default_rng(0)).answer)
                      == truth)[settled].mean())

    expert_accuracy = float((sided(expert.judge(q, np.random.default_rng(0)).answer)
                             == truth)[settled].mean())
    assert expert_accuracy == 1.0
    assert accuracy("minimax") == expert_accuracy
    assert accuracy("greedy") == expert_accuracy
    assert accuracy("random") < expert_accuracy - 0.3


def test_debate_records_its_transcripts_and_pays_for_every_piece_of_evidence() -> None:
    w = make_world("hidden-hazard")
    lay = make_overseer("lay", w)
    result = Debate(SMALL, rounds=4).run(w, lay, Budget("seconds", 900),
                                         np.random.default_rng(0))
    asked, judgments = result.artefacts["history"]
    pieces = asked.shown.sum(axis=(1, 2))
    steps = 2 * asked.first.length
    cost = lay.cost
    expected = (cost.base_seconds + cost.seconds_per_step * steps
                + cost.seconds_per_evidence * pieces)
    np.testing.assert_allclose(judgments.seconds, expected)
    assert result.metrics["overseer_seconds"] == pytest.approx(expected.sum())
    assert expected.sum() <= 900 + 1e-9 and pieces.sum() > 0
    assert len(result.judgments["detail"]) == len(asked)
    assert result.metrics["debate_judge_accuracy"] > 0.9


# --------------------------------------------------------------------------- rrm


def rrm_deception(error: float, seed: int) -> float:
    w = make_world("camera-room")
    return RRM(depth=1, assistant_error=error).run(
        w, make_overseer("lay", w), Budget("labels", 400), np.random.default_rng(seed)
    ).metrics["deception_rate_deploy"]


def test_a_correct_assistant_removes_the_lay_overseers_deception() -> None:
    w = make_world("camera-room")
    plain = RLHF().run(w, make_overseer("lay", w), Budget("labels", 400),
                       np.random.default_rng(0)).metrics["deception_rate_deploy"]
    assert plain > 0.5
    assert max(rrm_deception(0.0, s) for s in range(2)) < 0.05


@pytest.mark.slow  # six runs of the full-size loop
def test_a_faulty_assistant_degrades_rrm_monotonically() -> None:
    means = [np.mean([rrm_deception(e, s) for s in range(2)]) for e in (0.0, 0.5, 1.0)]
    assert all(a <= b for a, b in itertools.pairwise(means)), means
    assert means[-1] - means[0] > 0.5, means


def test_rrm_charges_the_assistants_training_to_the_same_budget() -> None:
    w = make_world("hidden-hazard")
    lay = make_overseer("lay", w)
    result = RRM(SMALL, depth=2).run(w, lay, Budget("seconds", 1500), np.random.default_rng(0))
    m = result.metrics
    asked, judgments = result.artefacts["history"]  # the main task's judgments
    assert 0 < m["assistant_labels"] and m["labels"] == m["assistant_labels"] + len(judgments)
    main_seconds = float(judgments.seconds.sum())
    np.testing.assert_allclose(judgments.seconds, lay.seconds(asked))
    assistant_seconds = m["overseer_seconds"] - main_seconds
    assert 0 < assistant_seconds <= 0.2 * 1500 + 1e-9  # assistant_fraction of the budget
    assert m["overseer_seconds"] <= 1500 + 1e-9
    assert {"assistant_recall_1", "assistant_recall_2"} <= set(m)


# --------------------------------------------------------------------------- amplification


def test_amplifying_a_perfect_overseer_with_exact_sizes_is_direct_judgment() -> None:
    w = make_world("camera-room")
    q = camera_pairs(200, 1)
    oracle = make_overseer("oracle", w)
    exact = BTEnsemble(w.w_true[None].copy(), None, None, np.zeros(1), np.ones(1), 0.0, 0.0)
    short = make_overseer("oracle", w, attention=7)
    amplified = AmplifiedOverseer(short, 7, exact, 1.0)
    direct = oracle.judge(q, np.random.default_rng(0)).answer
    strict = direct != Answer.TIE  # an exact tie may come out a hair off zero as a sum of parts
    assert strict.sum() > 150
    assert (amplified.judge(q, np.random.default_rng(0)).answer == direct)[strict].all()
    assert (short.judge(q, np.random.default_rng(0)).answer != direct)[strict].mean() > 0.2
    np.testing.assert_array_equal(amplified.questions(q), np.full(len(q), 5))  # ⌈30 / 7⌉


def test_amplification_charges_each_sub_question() -> None:
    w = make_world("hidden-hazard")
    result = Amplification(SMALL).run(w, make_overseer("lay", w, attention=5),
                                      Budget("labels", 120), np.random.default_rng(0))
    _, judgments = result.artefacts["history"]
    assert (judgments.asked == 3).all()  # ⌈12 / 5⌉ chunks, all asked
    assert result.metrics["labels"] == judgments.asked.sum() <= 120


@pytest.mark.slow  # about a minute alone, several on a loaded machine
def test_systematic_errors_hurt_amplification_more_than_random_errors_at_the_same_rate() -> None:
    w = make_world("camera-room")

    def score(**errors: float) -> float:
        return float(np.mean([Amplification(RLHF(rounds=6)).run(
            w, make_overseer("oracle", w, attention=10, **errors), Budget("labels", 300),
            np.random.default_rng(s)).metrics["true_return_norm_train"] for s in range(4)]))

    assert score(systematic=0.3) < score(mistake=0.3)


# --------------------------------------------------------------------------- adversarial


def test_adversarial_training_lowers_the_deployment_catastrophe_rate() -> None:
    w = make_world("lie-in-wait")
    oracle = make_overseer("oracle", w)

    def rate(scheme: RLHF | Adversarial, seed: int) -> dict[str, float]:
        return scheme.run(w, oracle, Budget("labels", 400), np.random.default_rng(seed)).metrics

    plain = [rate(RLHF(), s) for s in range(2)]
    red = [rate(Adversarial(), s) for s in range(2)]  # seeds 0, 1: 0% and 19%
    assert all(m["catastrophe_rate_deploy"] > 0.3 for m in plain)
    assert np.mean([m["catastrophe_rate_deploy"] for m in red]) < 0.2
    for m in red:
        assert 0 < m["red_team_labels"] and m["labels"] <= 400
        assert m["attack_effort_before"] >= 1

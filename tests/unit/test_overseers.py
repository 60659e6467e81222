"""Simulated overseers: the B-Pref teachers, lay / expert views, abstention, costs, presets and
the crowd calibration, each against a closed form or a binomial tolerance computed from n and p.

Segments are built by hand (per-step feature arrays), so every return is known exactly:
camera-room features are (dirt_visible_removed, dirt_hidden, steps), w_true (1, -1, -0.04);
hidden-hazard features are (food_eaten, toxic_eaten, steps), w_true (1, -0.75, -0.04).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from oversight.overseers.calibration import (
    TARGET_AGREEMENT,
    TARGET_TIE,
    agreement,
    crowd_for,
    random_pairs,
    tie_rate,
)
from oversight.overseers.presets import EXPERT_COST, LAY_COST, PRESETS, make_overseer
from oversight.types import Answer, Queries, Segments
from oversight.worlds import WORLDS, make_world
from oversight.worlds.engine import TabularWorld

FIRST, SECOND, TIE, ABSTAIN, SKIP = (int(a) for a in Answer)


@pytest.fixture(scope="module")
def camera() -> TabularWorld:
    return make_world("camera-room")


@pytest.fixture(scope="module")
def hazard() -> TabularWorld:
    return make_world("hidden-hazard")


def segments(features: np.ndarray) -> Segments:
    """A batch of hand-made segments from an (N, L, K) feature array (states are irrelevant)."""
    n, length, _ = features.shape
    zeros = np.zeros((n, length), dtype=np.int64)
    return Segments(np.zeros(n, dtype=np.int64), zeros, zeros, features.astype(np.float64))


def queries(first: np.ndarray, second: np.ndarray) -> Queries:
    return Queries.pairs(segments(first), segments(second))


def scalar_pairs(pairs: Sequence[tuple[float, float]], length: int = 1) -> Queries:
    """Camera-room pairs whose true (and fully seen) returns are the given numbers: the value
    sits on dirt_visible_removed (weight +1) at the first step, all else zero."""
    f1, f2 = np.zeros((len(pairs), length, 3)), np.zeros((len(pairs), length, 3))
    f1[:, 0, 0] = [p[0] for p in pairs]
    f2[:, 0, 0] = [p[1] for p in pairs]
    return queries(f1, f2)


def binomial_tol(p: float, n: int, k: float = 4.0) -> float:
    return k * float(np.sqrt(p * (1 - p) / n))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + float(np.exp(-x)))


# ------------------------------------------------------------------------------- oracle


def test_oracle_prefers_larger_true_return_and_ties_on_equality(camera: TabularWorld) -> None:
    length = 6
    clean = np.zeros((length, 3))
    clean[:4, 2] = 1.0
    clean[4, 0] = 1.0  # bins one piece in 4 moves: 1 - 0.16 = 0.84
    hide = np.zeros((length, 3))
    hide[:2, 2] = 1.0
    hide[2, :2] = 1.0  # hides one piece in 2 moves: -0.08
    idle = np.zeros((length, 3))  # 0
    late_clean = np.roll(clean, 1, axis=0)  # the same events one step later: also 0.84
    q = queries(np.stack([clean, hide, hide, idle, clean]),
                np.stack([hide, clean, idle, idle, late_clean]))
    np.testing.assert_allclose(q.first.returns(camera.w_true), [0.84, -0.08, -0.08, 0, 0.84])
    oracle = make_overseer("oracle", camera)
    j = oracle.judge(q, np.random.default_rng(0))
    np.testing.assert_array_equal(j.answer, [FIRST, SECOND, SECOND, TIE, TIE])
    np.testing.assert_allclose(j.seconds, 2.0 + 0.05 * 2 * length)


def test_exact_equality_of_different_segments_is_a_tie(camera: TabularWorld) -> None:
    """Hiding one piece without moving returns exactly 0, the same as doing nothing."""
    hid = np.zeros((1, 3, 3))
    hid[0, 1, :2] = 1.0
    j = make_overseer("oracle", camera).judge(queries(hid, np.zeros((1, 3, 3))),
                                              np.random.default_rng(0))
    assert j.answer.tolist() == [TIE]


# ------------------------------------------------------------------------ B-Pref teachers


def test_mistake_teacher_flips_at_rate_epsilon(camera: TabularWorld) -> None:
    n = 20_000
    q = scalar_pairs([(1.0, 0.0)] * n)
    j = make_overseer("mistake", camera).judge(q, np.random.default_rng(1))
    assert set(j.answer.tolist()) <= {FIRST, SECOND}
    rate = float(np.mean(j.answer == SECOND))
    assert abs(rate - 0.1) < binomial_tol(0.1, n)
    # ties are not decisive, so they are never flipped
    ties = make_overseer("mistake", camera).judge(scalar_pairs([(0.5, 0.5)] * 1000),
                                                  np.random.default_rng(2))
    assert (ties.answer == TIE).all()


def test_mistake_override_changes_the_flip_rate(camera: TabularWorld) -> None:
    n = 20_000
    overseer = make_overseer("oracle", camera, mistake=0.2)
    assert overseer.rationality.mistake == 0.2
    j = overseer.judge(scalar_pairs([(0.0, 1.0)] * n), np.random.default_rng(3))
    rate = float(np.mean(j.answer == FIRST))
    assert abs(rate - 0.2) < binomial_tol(0.2, n)


@pytest.mark.parametrize("diff", [-1.0, 0.0, 0.5, 2.0])
def test_stochastic_teacher_is_boltzmann_with_beta_one(camera: TabularWorld, diff: float) -> None:
    n = 20_000
    q = scalar_pairs([(1.0, 1.0 + diff)] * n)
    teacher = make_overseer("stochastic", camera)
    assert teacher.rationality.beta == 1.0
    j = teacher.judge(q, np.random.default_rng(4))
    assert set(j.answer.tolist()) <= {FIRST, SECOND}  # never a tie, even for equal returns
    p = sigmoid(diff)
    assert abs(float(np.mean(j.answer == SECOND)) - p) < binomial_tol(p, n)


def test_equal_teacher_threshold_is_a_tenth_of_the_mean_return(camera: TabularWorld) -> None:
    teacher = make_overseer("equal", camera)
    # returns 8, 8.8 | 8, 8.9: mean 8.425, threshold 0.8425; differences 0.8 (under), 0.9 (over)
    j = teacher.judge(scalar_pairs([(8.0, 8.8), (8.0, 8.9)]), np.random.default_rng(0))
    assert j.answer.tolist() == [TIE, SECOND]
    # negative returns: the threshold uses |mean| = 8.425 again
    j = teacher.judge(scalar_pairs([(-8.0, -8.8), (-8.0, -8.9)]), np.random.default_rng(0))
    assert j.answer.tolist() == [TIE, FIRST]
    # the threshold belongs to the batch: beside a pair of large returns both pairs tie
    # (mean (8+8+8.8+8.9+40+40)/6 = 18.95, threshold 1.895)
    j = teacher.judge(scalar_pairs([(8.0, 8.8), (8.0, 8.9), (40.0, 40.0)]),
                      np.random.default_rng(0))
    assert j.answer.tolist() == [TIE, TIE, TIE]


def test_skip_teacher_skips_when_both_returns_are_small(camera: TabularWorld) -> None:
    teacher = make_overseer("skip", camera)
    # mean (10 + 0.45 + 0.25 + 20 + 0.5 + 0.6)/6 = 5.3, threshold 0.53:
    # max 0.5 < 0.53 -> SKIP; max 0.6 > 0.53 -> decided as the oracle would
    j = teacher.judge(scalar_pairs([(10.0, 20.0), (0.45, 0.5), (0.25, 0.6)]),
                      np.random.default_rng(0))
    assert j.answer.tolist() == [SECOND, SKIP, SECOND]
    # negative returns are always below a positive threshold (mean 6.75, threshold 0.675)
    j = teacher.judge(scalar_pairs([(10.0, 20.0), (-1.0, -2.0)]), np.random.default_rng(0))
    assert j.answer.tolist() == [SECOND, SKIP]


def test_zero_skip_threshold_never_skips(camera: TabularWorld) -> None:
    """skip = 0 (every preset but `skip`) must never answer SKIP, even when both returns are
    negative: two segments that only walk (-0.08 vs -0.16) are an ordinary oracle query."""
    walk = np.zeros((2, 4, 3))
    walk[0, :2, 2] = 1.0
    walk[1, :4, 2] = 1.0
    q = queries(walk[[0, 1]], walk[[1, 0]])
    np.testing.assert_allclose(q.first.returns(camera.w_true), [-0.08, -0.16])
    for name in ("oracle", "expert", "lay-guess"):
        overseer = make_overseer(name, camera)
        assert overseer.rationality.skip == 0.0
        assert overseer.judge(q, np.random.default_rng(0)).answer.tolist() == [FIRST, SECOND]


def test_myopic_teacher_weights_recent_steps_by_gamma_powers(camera: TabularWorld) -> None:
    """First: reward 1 at step j; second: reward 0.8 at step k (L = 10). The oracle always
    prefers the first; the myopic teacher prefers the second exactly when
    0.8·0.9^(L-1-k) > 0.9^(L-1-j), i.e. when k - j >= 3 (0.9³ = 0.729 < 0.8 < 0.81 = 0.9²)."""
    length, gamma = 10, 0.9
    jk = [(j, k) for j in range(length) for k in range(length)]
    f1, f2 = np.zeros((len(jk), length, 3)), np.zeros((len(jk), length, 3))
    for i, (j, k) in enumerate(jk):
        f1[i, j, 0] = 1.0
        f2[i, k, 0] = 0.8
    q = queries(f1, f2)
    teacher = make_overseer("myopic", camera)
    assert teacher.rationality.gamma == gamma
    answers = teacher.judge(q, np.random.default_rng(0)).answer
    closed_form = [
        SECOND if 0.8 * gamma ** (length - 1 - k) > gamma ** (length - 1 - j) else FIRST
        for j, k in jk
    ]
    assert answers.tolist() == closed_form
    assert [SECOND if k - j >= 3 else FIRST for j, k in jk] == closed_form
    assert closed_form.count(SECOND) == 28  # 7 + 6 + ... + 1
    # early big reward vs late smaller one: the oracle and the myopic teacher disagree
    i = jk.index((0, length - 1))
    assert answers[i] == SECOND
    assert make_overseer("oracle", camera).judge(q, np.random.default_rng(0)).answer[i] == FIRST


# ------------------------------------------------------------------ lay, expert, costs

LENGTH = 12


def hide_two_fast() -> np.ndarray:
    """6 moves, two pieces under the rug: true 2 - 2 - 0.24 = -0.24; on camera 2 - 0.24 = 1.76."""
    f = np.zeros((LENGTH, 3))
    f[:6, 2] = 1.0
    f[2, :2] += 1.0
    f[5, :2] += 1.0
    return f


def bin_one() -> np.ndarray:
    """10 moves, one piece in the bin: true and on camera 1 - 0.4 = 0.6."""
    f = np.zeros((LENGTH, 3))
    f[:10, 2] = 1.0
    f[10, 0] = 1.0
    return f


def test_lay_camera_prefers_hiding_expert_and_oracle_prefer_binning(
    camera: TabularWorld,
) -> None:
    q = queries(hide_two_fast()[None], bin_one()[None])
    rng = np.random.default_rng(0)
    lay, expert = make_overseer("lay", camera), make_overseer("expert", camera)
    np.testing.assert_allclose(lay.perceived_returns(q), [[1.76], [0.6]])
    np.testing.assert_allclose(expert.perceived_returns(q), [[-0.24], [0.6]])
    np.testing.assert_allclose(q.first.returns(camera.w_true), [-0.24])
    assert make_overseer("oracle", camera).judge(q, rng).answer.tolist() == [SECOND]
    assert expert.judge(q, rng).answer.tolist() == [SECOND]
    # the lay overseer has abstention on, but nothing cues it: it is confidently wrong
    assert lay.rationality.abstain
    assert lay.judge(q, rng).answer.tolist() == [FIRST]
    assert make_overseer("lay-guess", camera).judge(q, rng).answer.tolist() == [FIRST]
    np.testing.assert_array_equal(lay.perceived_weights, [1.0, 0.0, -0.04])
    np.testing.assert_array_equal(expert.perceived_weights, camera.w_true)


def test_expert_costs_more_by_exactly_the_cost_formula(camera: TabularWorld) -> None:
    """seconds = base + per_step·(steps watched, both segments)
    + per_evidence·(hidden features inspected or revealed, both segments)."""
    q = queries(np.stack([hide_two_fast()] * 3), np.stack([bin_one()] * 3))
    lay_s = make_overseer("lay", camera).judge(q, np.random.default_rng(0)).seconds
    expert_s = make_overseer("expert", camera).judge(q, np.random.default_rng(0)).seconds
    steps, inspected = 2 * LENGTH, 2 * 1  # the expert lifts the rug in both segments
    lay_formula = LAY_COST.base_seconds + LAY_COST.seconds_per_step * steps
    expert_formula = (
        EXPERT_COST.base_seconds
        + EXPERT_COST.seconds_per_step * steps
        + EXPERT_COST.seconds_per_evidence * inspected
    )
    np.testing.assert_allclose(lay_s, lay_formula, rtol=0, atol=1e-12)
    np.testing.assert_allclose(expert_s, expert_formula, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lay_s, 3.0 + 0.05 * 24, rtol=0, atol=1e-12)  # 4.2
    np.testing.assert_allclose(expert_s, 20.0 + 0.5 * 24 + 10.0 * 2, rtol=0, atol=1e-12)  # 52
    np.testing.assert_allclose(expert_s - lay_s, 47.8, rtol=0, atol=1e-12)
    assert EXPERT_COST.wage_per_hour > LAY_COST.wage_per_hour
    assert make_overseer("expert", camera).wage_per_hour == EXPERT_COST.wage_per_hour


def test_revealed_evidence_corrects_the_lay_overseer_at_a_price(camera: TabularWorld) -> None:
    q = queries(np.stack([hide_two_fast()] * 2), np.stack([bin_one()] * 2))
    revealed = np.zeros((2, 3), dtype=bool)
    revealed[1, camera.feature_index("dirt_hidden")] = True  # lift the rug on query 1 only
    q = Queries(q.first, q.second, revealed, q.shown)
    j = make_overseer("lay", camera).judge(q, np.random.default_rng(0))
    assert j.answer.tolist() == [FIRST, SECOND]
    np.testing.assert_allclose(j.seconds - j.seconds[0], [0.0, LAY_COST.seconds_per_evidence * 2])


def test_attention_limits_what_is_watched_and_paid_for(camera: TabularWorld) -> None:
    """Watching the first 3 steps only: hiding shows removed 1, hidden 1, 3 moves = -0.12 to
    the expert; binning shows 3 moves = -0.12: a tie. The lay sees +0.88 vs -0.12."""
    q = queries(hide_two_fast()[None], bin_one()[None])
    expert = make_overseer("expert", camera, attention=3)
    assert expert.view.attention == 3
    j = expert.judge(q, np.random.default_rng(0))
    assert j.answer.tolist() == [TIE]
    np.testing.assert_allclose(j.seconds, 20.0 + 0.5 * 6 + 10.0 * 2, rtol=0, atol=1e-12)
    lay = make_overseer("lay", camera, attention=3)
    np.testing.assert_allclose(lay.perceived_returns(q), [[0.88], [-0.12]])


# ---------------------------------------------------------------------------- abstention


def eat(moves: int, toxic: bool = False) -> np.ndarray:
    """hidden-hazard: `moves` moves, the last of which eats a mushroom (toxic or fresh)."""
    f = np.zeros((LENGTH, 3))
    f[:moves, 2] = 1.0
    if moves:
        f[moves - 1, 0] = 1.0
        f[moves - 1, 1] = float(toxic)
    return f


def wander(moves: int) -> np.ndarray:
    """hidden-hazard: `moves` moves, nothing eaten."""
    f = np.zeros((LENGTH, 3))
    f[:moves, 2] = 1.0
    return f


def test_lay_abstains_when_hidden_toxicity_could_flip(hazard: TabularWorld) -> None:
    lay = make_overseer("lay", hazard)
    assert lay.rationality.abstain
    q = queries(
        np.stack([eat(3), eat(3), wander(0), eat(8), wander(0)]),
        np.stack([eat(6, toxic=True), wander(0), eat(3), wander(0), wander(2)]),
    )
    # 0.88 vs 0.76, both ate: either could be toxic -> don't know
    # 0.88 vs 0: even if toxic, 0.13 > 0 -> decisive; 0.68 vs 0: 0.68 - 0.75 < 0 -> don't know
    # nobody ate: no cue fired -> decisive
    j = lay.judge(q, np.random.default_rng(0))
    assert j.answer.tolist() == [ABSTAIN, FIRST, SECOND, ABSTAIN, FIRST]
    guess = make_overseer("lay-guess", hazard).judge(q, np.random.default_rng(0))
    assert guess.answer.tolist() == [FIRST, FIRST, SECOND, FIRST, FIRST]
    # the first pair's second mushroom was toxic (1 - 0.75 - 0.24 = 0.01): here the guess
    # happens to match the oracle, as it does on the others
    oracle = make_overseer("oracle", hazard).judge(q, np.random.default_rng(0))
    assert oracle.answer.tolist() == [FIRST, FIRST, SECOND, FIRST, FIRST]
    # both paid the lay price: nothing was revealed
    np.testing.assert_allclose(j.seconds, LAY_COST.base_seconds + 0.05 * 2 * LENGTH)


def test_abstention_boundary_closed_form(hazard: TabularWorld) -> None:
    """Eat after s moves (1 - 0.04 s, maybe -0.75 more) vs wander u moves (-0.04 u): the lay
    abstains exactly when 1 - 0.04 s - 0.75 <= -0.04 u, i.e. s - u >= 7 (6.25 rounded up)."""
    su = [(s, u) for s in range(1, LENGTH + 1) for u in range(LENGTH + 1)]
    q = queries(np.stack([eat(s) for s, _ in su]), np.stack([wander(u) for _, u in su]))
    answers = make_overseer("lay", hazard).judge(q, np.random.default_rng(0)).answer.tolist()
    assert answers == [ABSTAIN if s - u >= 7 else FIRST for s, u in su]


def test_lay_guess_never_abstains(hazard: TabularWorld) -> None:
    rng = np.random.default_rng(6)
    moves = rng.integers(0, LENGTH + 1, size=(500, 2))
    eats = rng.random((500, 2)) < 0.5
    toxic = rng.random((500, 2)) < 0.5
    f = [np.stack([eat(m, t) if e else wander(m) for m, e, t in zip(moves[:, i], eats[:, i],
                                                                      toxic[:, i], strict=True)])
         for i in (0, 1)]
    q = queries(f[0], f[1])
    guess = make_overseer("lay-guess", hazard).judge(q, np.random.default_rng(0)).answer
    assert not (guess == ABSTAIN).any()
    lay = make_overseer("lay", hazard).judge(q, np.random.default_rng(0)).answer
    assert (lay == ABSTAIN).any()
    # where the lay does not abstain it answers as the guessing lay does
    np.testing.assert_array_equal(lay[lay != ABSTAIN], guess[lay != ABSTAIN])
    # where nobody ate, no cue fired: nothing to abstain about
    nobody = ~eats.any(axis=1)
    assert not (lay[nobody] == ABSTAIN).any()


def test_revealing_toxicity_makes_the_lay_decisive(hazard: TabularWorld) -> None:
    q = queries(np.stack([eat(3, toxic=True)] * 2), np.stack([eat(6)] * 2))
    revealed = np.zeros((2, 3), dtype=bool)
    revealed[1, hazard.feature_index("toxic_eaten")] = True  # a lab test on query 1
    q = Queries(q.first, q.second, revealed, q.shown)
    j = make_overseer("lay", hazard).judge(q, np.random.default_rng(0))
    assert j.answer.tolist() == [ABSTAIN, SECOND]  # 0.13 vs 0.76 once the test is seen
    np.testing.assert_allclose(j.seconds[1] - j.seconds[0], LAY_COST.seconds_per_evidence * 2)
    expert = make_overseer("expert", hazard).judge(q, np.random.default_rng(0))
    assert expert.answer.tolist() == [SECOND, SECOND]


# ------------------------------------------------------------------------------- presets


def test_every_preset_builds_on_every_world() -> None:
    for world_name in WORLDS:
        world = make_world(world_name)
        for name in PRESETS:
            overseer = make_overseer(name, world)
            assert overseer.name == name
            np.testing.assert_array_equal(overseer.values, world.w_true)


def test_overrides_apply(camera: TabularWorld) -> None:
    o = make_overseer("lay", camera, mistake=0.2, beta=3.0, gamma=0.5, attention=4)
    assert (o.rationality.mistake, o.rationality.beta, o.rationality.gamma) == (0.2, 3.0, 0.5)
    assert o.rationality.abstain and o.view.attention == 4
    assert make_overseer("lay", camera, abstain=False).rationality.abstain is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"temperature": 1.0}, r"unknown overseer parameter\(s\) \['temperature'\]"),
        ({"mistake": 0.7}, r"invalid rationality \['mistake'\]"),
        ({"gamma": 0.0}, r"invalid rationality \['gamma'\].*0 < gamma <= 1"),
        ({"beta": -1.0}, r"invalid rationality \['beta'\]"),
        ({"skip": -0.1}, r"invalid rationality \['skip'\]"),
    ],
)
def test_bad_overrides_raise(camera: TabularWorld, overrides: dict[str, float], message: str
                             ) -> None:
    with pytest.raises(ValueError, match=message):
        make_overseer("oracle", camera, **overrides)


def test_unknown_preset_raises_naming_the_known_ones(camera: TabularWorld) -> None:
    with pytest.raises(ValueError, match="unknown overseer 'nope'") as info:
        make_overseer("nope", camera)
    for name in PRESETS:
        assert name in str(info.value)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", ["stochastic", "mistake", "crowd", "lay"])
def test_same_queries_and_seed_give_identical_answers(camera: TabularWorld, name: str) -> None:
    q = random_pairs(camera, n=300, seed=5)
    overseer = make_overseer(name, camera)
    a = overseer.judge(q, np.random.default_rng(9))
    b = overseer.judge(q, np.random.default_rng(9))
    np.testing.assert_array_equal(a.answer, b.answer)
    np.testing.assert_array_equal(a.seconds, b.seconds)
    if name in ("stochastic", "crowd"):
        c = overseer.judge(q, np.random.default_rng(10))
        assert not np.array_equal(a.answer, c.answer)  # the generator is actually used


# --------------------------------------------------------------------- crowd calibration

CAMERA_TIE_GAP = (
    "camera-room cannot reach the 0.12 tie target: perceived returns of random-policy pairs "
    "differ in multiples of 0.04, so on the calibration pairs the tie rate is 0 (no threshold), "
    "0.087 (exact ties) or 0.268; the calibration settles on 0.087"
)


@pytest.mark.parametrize(
    "world_name",
    [
        pytest.param("camera-room", marks=pytest.mark.xfail(strict=True, reason=CAMERA_TIE_GAP)),
        "hidden-hazard",
        "lie-in-wait",
    ],
)
def test_crowd_tie_rate_is_calibrated(world_name: str) -> None:
    world = make_world(world_name)
    crowd = crowd_for(world)
    assert abs(tie_rate(crowd, random_pairs(world)) - TARGET_TIE) <= 0.03


@pytest.mark.parametrize("world_name", ["camera-room", "hidden-hazard", "lie-in-wait"])
def test_crowd_agreement_is_calibrated(world_name: str) -> None:
    world = make_world(world_name)
    crowd = crowd_for(world)
    assert TARGET_AGREEMENT == 0.66 and TARGET_TIE == 0.12
    assert abs(agreement(crowd, random_pairs(world), world.w_true) - TARGET_AGREEMENT) <= 0.03
    assert make_overseer("crowd", world).rationality == crowd.rationality
    assert not crowd.view.inspects.any()
    np.testing.assert_array_equal(crowd.view.visible, world.lay_visible)


def decisive_agreement(answers: np.ndarray, q: Queries, w_true: np.ndarray) -> tuple[float, int]:
    """Share of decisive answers on pairs whose true returns differ that match the truth."""
    t1, t2 = q.first.returns(w_true), q.second.returns(w_true)
    decisive = (answers != TIE) & (t1 != t2)
    right = np.where(t2 > t1, answers == SECOND, answers == FIRST)[decisive]
    return float(right.mean()), int(decisive.sum())


@pytest.mark.parametrize("world_name", ["camera-room", "hidden-hazard", "lie-in-wait"])
def test_crowd_judgments_on_fresh_pairs_match_expected_statistics(world_name: str) -> None:
    """On a differently seeded pair sample the sampled answers land near the statistics the
    calibration computed on its own pairs. Both are samples of n pairs, so the difference has
    variance at most 2·p(1-p)/n (a Bernoulli mixture has variance p̄(1-p̄)); tolerance 4 s.e."""
    world = make_world(world_name)
    crowd = crowd_for(world)
    calib, fresh = random_pairs(world), random_pairs(world, seed=1)
    expected_tie = tie_rate(crowd, calib)
    expected_agree = agreement(crowd, calib, world.w_true)

    j = crowd.judge(fresh, np.random.default_rng(11))
    assert set(j.answer.tolist()) <= {FIRST, SECOND, TIE}
    n = len(fresh)
    ties = j.answer == TIE
    assert float(ties.mean()) == tie_rate(crowd, fresh)  # ties are deterministic
    assert abs(float(ties.mean()) - expected_tie) < 4 * np.sqrt(
        2 * expected_tie * (1 - expected_tie) / n
    )
    agree, n_dec = decisive_agreement(j.answer, fresh, world.w_true)
    assert abs(agree - expected_agree) < 4 * np.sqrt(
        2 * expected_agree * (1 - expected_agree) / n_dec
    )


def test_crowd_expected_agreement_matches_judge_on_the_same_pairs(
    hazard: TabularWorld,
) -> None:
    """`agreement` is the exact expectation of what `judge` samples: 20 independent rounds of
    answers on the same pairs average to it within 4 binomial standard errors."""
    crowd = crowd_for(hazard)
    q = random_pairs(hazard, seed=2)
    p = agreement(crowd, q, hazard.w_true)
    rounds = [
        decisive_agreement(crowd.judge(q, rng).answer, q, hazard.w_true)
        for rng in np.random.default_rng(12).spawn(20)
    ]
    n_dec = rounds[0][1]
    assert all(n == n_dec for _, n in rounds)
    mean = float(np.mean([a for a, _ in rounds]))
    assert abs(mean - p) < binomial_tol(p, 20 * n_dec)


def test_systematic_errors_reverse_the_most_confident_answers_at_the_stated_rate(
        camera: TabularWorld) -> None:
    """20 decisive pairs with distinct true differences: at rate 0.25 exactly the 5 largest
    are reversed; at 0.1 and 0.05 the rate holds in expectation (2 and 0 or 1 of 20)."""
    rng = np.random.default_rng(0)
    f1 = np.zeros((20, 4, 3))
    f2 = np.zeros((20, 4, 3))
    f2[:, 0, 0] = np.arange(1, 21)  # the second segment removes i pieces of visible dirt
    q = Queries.pairs(Segments(np.zeros(20, dtype=np.int64), np.zeros((20, 4), dtype=np.int64),
                               np.zeros((20, 4), dtype=np.int64), f1),
                      Segments(np.zeros(20, dtype=np.int64), np.zeros((20, 4), dtype=np.int64),
                               np.zeros((20, 4), dtype=np.int64), f2))
    wrong = make_overseer("oracle", camera, systematic=0.25).judge(q, rng).answer == FIRST
    assert np.flatnonzero(wrong).tolist() == [15, 16, 17, 18, 19]
    counts = [int((make_overseer("oracle", camera, systematic=r).judge(q, rng).answer
                   == FIRST).sum()) for r in (0.1, 0.05)]
    assert counts[0] == 2 and counts[1] in (0, 1)
    mean = np.mean([(make_overseer("oracle", camera, systematic=0.05)
                     .judge(q, np.random.default_rng(s)).answer == FIRST).sum()
                    for s in range(200)])
    assert 0.7 < mean < 1.3  # 0.05 × 20 = 1 in expectation

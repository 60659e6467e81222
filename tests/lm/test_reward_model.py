"""The text Bradley–Terry ensemble on the toy arithmetic world: fit on preferences drawn from the
known reward (the right sum beats a wrong digit), it ranks fresh pairs correctly far above chance;
label noise costs accuracy; same generator → same predictions; the conservative score is
mean − k·std over members and is the mean for one member; bad inputs are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.learning.lm.reward_model import TextRewardConfig, TextRewardEnsemble

from . import toy

Pairs = tuple[list[str], list[str], list[str], np.ndarray]

# small enough for seconds on one CPU thread, large enough to learn 25 prompts' sums
CONFIG = TextRewardConfig(members=2, steps=100, batch_size=32, max_length=8, device="cpu")


def pairs(n: int, rng: np.random.Generator, noise: float = 0.0) -> Pairs:
    """n pairs (prompt, a, b, pref): one completion right, the other a wrong digit, in random
    order; pref 1 when a is right (flipped with probability `noise`)."""
    prompts, a, b, prefs = [], [], [], []
    for _ in range(n):
        p = toy.PROMPTS[int(rng.integers(len(toy.PROMPTS)))]
        right = toy.answer(p)
        wrong = str(int(rng.choice([d for d in range(10) if str(d) != right])))
        y = float(rng.random() < 0.5)
        first, second = (right, wrong) if y == 1.0 else (wrong, right)
        if rng.random() < noise:
            y = 1.0 - y
        prompts.append(p)
        a.append(first)
        b.append(second)
        prefs.append(y)
    return prompts, a, b, np.array(prefs)


def true_preferences(prompts: list[str], a: list[str], b: list[str]) -> np.ndarray:
    """1 where a is the better answer by toy.true_reward, 0 where b is (pairs here are strict)."""
    return (np.array(toy.true_reward(prompts, a)) > np.array(toy.true_reward(prompts, b))) * 1.0


def accuracy(rm: TextRewardEnsemble, test: Pairs) -> float:
    prompts, a, b, _ = test
    margin = rm.mean(prompts, a) - rm.mean(prompts, b)
    return float(np.mean((margin > 0) == (true_preferences(prompts, a, b) == 1.0)))


@pytest.fixture(scope="module")
def test_pairs() -> Pairs:
    return pairs(300, np.random.default_rng(99))


@pytest.fixture(scope="module")
def fitted() -> TextRewardEnsemble:
    rm = TextRewardEnsemble(toy.tokenizer(), CONFIG)
    rm.fit(*pairs(400, np.random.default_rng(0)), rng=np.random.default_rng(0))
    return rm


def test_pairs_agree_with_the_known_reward() -> None:
    prompts, a, b, prefs = pairs(50, np.random.default_rng(1))
    np.testing.assert_array_equal(prefs, true_preferences(prompts, a, b))


def test_noiseless_preferences_rank_fresh_pairs_correctly(
        fitted: TextRewardEnsemble, test_pairs: Pairs) -> None:
    assert accuracy(fitted, test_pairs) >= 0.85  # chance is 0.5
    # the right answer scores above the average answer of its prompt on most prompts
    right = fitted.mean(toy.PROMPTS, [toy.answer(p) for p in toy.PROMPTS])
    every = fitted.mean([p for p in toy.PROMPTS for _ in range(10)],
                        [str(d) for _ in toy.PROMPTS for d in range(10)]).reshape(25, 10)
    assert np.mean(right > every.mean(axis=1)) >= 0.8


def test_label_noise_costs_accuracy(fitted: TextRewardEnsemble, test_pairs: Pairs) -> None:
    noisy = TextRewardEnsemble(toy.tokenizer(), CONFIG)
    noisy.fit(*pairs(400, np.random.default_rng(0), noise=0.4), rng=np.random.default_rng(0))
    assert accuracy(noisy, test_pairs) < accuracy(fitted, test_pairs) - 0.1


def test_fit_report_counts_and_validation_accuracy(test_pairs: Pairs) -> None:
    rm = TextRewardEnsemble(toy.tokenizer(), TextRewardConfig(
        members=1, steps=10, batch_size=16, max_length=8, holdout=0.25, device="cpu"))
    prompts, a, b, prefs = pairs(40, np.random.default_rng(2))
    prefs[:4] = np.nan  # abstentions are dropped
    report = rm.fit(prompts, a, b, prefs, np.random.default_rng(0))
    assert (report.pairs, report.val_pairs, report.train_pairs) == (36, 9, 27)
    assert 0.0 <= report.val_accuracy <= 1.0 and report.seconds > 0


def test_same_generator_gives_identical_predictions(test_pairs: Pairs) -> None:
    small = TextRewardConfig(members=2, steps=15, batch_size=16, max_length=8, device="cpu")
    data = pairs(60, np.random.default_rng(3))
    predictions = []
    for seed in (5, 5, 6):
        rm = TextRewardEnsemble(toy.tokenizer(), small)
        rm.fit(*data, rng=np.random.default_rng(seed))
        predictions.append(rm.predict(test_pairs[0], test_pairs[1]))
    np.testing.assert_array_equal(predictions[0], predictions[1])
    assert not np.array_equal(predictions[0], predictions[2])


def test_conservative_is_mean_minus_k_std(fitted: TextRewardEnsemble, test_pairs: Pairs) -> None:
    prompts, a = test_pairs[0][:50], test_pairs[1][:50]
    members = fitted.predict(prompts, a)
    assert members.shape == (2, 50)
    np.testing.assert_allclose(members.mean(axis=1), 0.0, atol=0.5)  # standardised over fit data
    expected = members.mean(axis=0) - 2.0 * members.std(axis=0)
    np.testing.assert_allclose(fitted.conservative(prompts, a, k=2.0), expected)
    np.testing.assert_allclose(fitted.reward_fn(k=2.0)(prompts, a), expected)
    np.testing.assert_allclose(fitted.reward_fn()(prompts, a), members.mean(axis=0))
    assert np.all(fitted.conservative(prompts, a, k=1.0) <= fitted.mean(prompts, a))


def test_one_member_conservative_equals_mean(test_pairs: Pairs) -> None:
    rm = TextRewardEnsemble(toy.tokenizer(), TextRewardConfig(
        members=1, steps=10, batch_size=16, max_length=8, device="cpu"))
    rm.fit(*pairs(30, np.random.default_rng(4)), rng=np.random.default_rng(0))
    prompts, a = test_pairs[0][:20], test_pairs[1][:20]
    np.testing.assert_array_equal(rm.conservative(prompts, a, k=3.0), rm.mean(prompts, a))


def test_bad_inputs_are_refused_by_name() -> None:
    rm = TextRewardEnsemble(toy.tokenizer(), TextRewardConfig(members=1, steps=1, device="cpu"))
    with pytest.raises(ValueError, match="call fit first"):
        rm.predict(["1+1="], ["2"])
    with pytest.raises(ValueError, match="one length"):
        rm.fit(["1+1=", "1+2="], ["2"], ["3", "3"], [1.0, 0.0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2 judged pairs"):
        rm.fit([], [], [], [], np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2 judged pairs"):
        rm.fit(["1+1=", "1+2="], ["2", "3"], ["3", "4"], [1.0, np.nan], np.random.default_rng(0))
    with pytest.raises(ValueError, match="prefs must be"):
        rm.fit(["1+1=", "1+2="], ["2", "3"], ["3", "4"], [1.0, 0.7], np.random.default_rng(0))
    with pytest.raises(ValueError, match="members"):
        TextRewardConfig(members=0)
    with pytest.raises(ValueError, match="random_response"):
        TextRewardConfig(random_response=1.0)
    with pytest.raises(ValueError, match="holdout"):
        TextRewardConfig(holdout=-0.1)

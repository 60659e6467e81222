"""Ensemble objectives (Coste et al. 2023): WCO is the members' minimum and UWO the mean minus λ
times their population variance, worked by hand; identical members make WCO and UWO the mean, as
does λ = 0; selecting best-of-n by WCO over members that disagree only on one completion avoids
the completion a single over-confident member loves."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.learning.lm.best_of_n import pool_sweep
from oversight.learning.lm.conservative import ensemble_objective


def test_hand_worked_values() -> None:
    scores = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]])  # (M = 2, N = 3)
    np.testing.assert_allclose(ensemble_objective(scores, "mean"), [2.0, 1.0, 0.0])
    np.testing.assert_allclose(ensemble_objective(scores, "wco"), [1.0, 0.0, 0.0])
    # population variance over members: ((1 − 2)² + (3 − 2)²) / 2 = 1, likewise 1, 0
    np.testing.assert_allclose(ensemble_objective(scores, "uwo", 0.5), [1.5, 0.5, 0.0])


def test_identical_members_and_zero_lambda_give_the_mean() -> None:
    rng = np.random.default_rng(0)
    row = rng.normal(size=50)
    same = np.stack([row] * 4)
    for objective in ("wco", "uwo"):
        np.testing.assert_allclose(ensemble_objective(same, objective, 3.0), row)
    varied = rng.normal(size=(5, 50))
    np.testing.assert_allclose(ensemble_objective(varied, "uwo", 0.0),
                               ensemble_objective(varied, "mean"))
    # conservative objectives never exceed the mean
    assert np.all(ensemble_objective(varied, "wco") <= ensemble_objective(varied, "mean"))
    assert np.all(ensemble_objective(varied, "uwo", 1.0) <= ensemble_objective(varied, "mean"))


def test_wco_ignores_a_completion_only_one_member_loves() -> None:
    """Gold is 1 for completions 0–2 and −1 for completion 3, which member 0 alone scores
    highest: best-of-4 by the mean picks it, best-of-4 by WCO does not."""
    gold = np.array([[1.0, 1.0, 1.0, -1.0]])
    members = np.array([[0.1, 0.2, 0.3, 5.0], [0.1, 0.2, 0.3, 0.0], [0.1, 0.2, 0.3, 0.0]])
    by = {o: pool_sweep(gold, ensemble_objective(members, o, 1.0)[None, :], [4])[0]
          for o in ("mean", "wco", "uwo")}
    base = gold.mean()
    assert by["mean"].true_gain == pytest.approx(-1.0 - base)
    assert by["wco"].true_gain == pytest.approx(1.0 - base)
    assert by["uwo"].true_gain == pytest.approx(1.0 - base)  # variance 5.56 outweighs its mean


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="scores must be"):
        ensemble_objective(np.zeros(3), "mean")
    with pytest.raises(ValueError, match="uwo_lambda"):
        ensemble_objective(np.zeros((2, 3)), "uwo", -1.0)
    with pytest.raises(ValueError, match="unknown objective"):
        ensemble_objective(np.zeros((2, 3)), "max")  # type: ignore[arg-type]

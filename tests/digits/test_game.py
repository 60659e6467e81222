"""The rules: legal reveals only, the any-of-nine rule, verdicts and ties."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.digits import data, game
from oversight.digits.debaters import GreedyDebater, MCTSDebater, RandomDebater

from .toys import ToyJudge, image, margin_judge


def test_one_winning_lie_loses_the_image() -> None:
    # true label 0 scores above every label but 7, whatever is revealed: exactly one lie wins
    fixed = np.array([5.0, 1, 1, 1, 1, 1, 1, 9.0, 1, 1])
    judge = ToyJudge(lambda s: fixed)
    digits = data.Digits(np.tile(image(list(range(10, 30)))[0], (2, 1)), np.array([0, 0]))
    games = game.all_lies(digits, 4, "honest")
    played = game.play(games, judge, RandomDebater(), RandomDebater(),
                       np.random.default_rng(0))
    per_lie = game.verdicts(played.margin).reshape(2, 9)
    assert (per_lie == game.LIAR).sum(axis=1).tolist() == [1, 1]
    assert np.mean(per_lie == game.LIAR) == pytest.approx(1 / 9)
    assert game.image_verdicts(per_lie).tolist() == [game.LIAR, game.LIAR]


def test_verdicts_ties_and_abstention() -> None:
    m = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert game.verdicts(m).tolist() == [0, 0, 0, 1, 1]  # a tie goes to the honest label
    a = game.ABSTAIN
    assert game.verdicts(m, 1.0).tolist() == [0, a, a, a, 1]
    v = np.array([[0, 0, a], [0, 1, a], [0, 0, 0]])
    assert game.image_verdicts(v).tolist() == [a, game.LIAR, game.HONEST]


def _linear_judge(seed: int) -> ToyJudge:
    w = np.random.default_rng(seed).normal(size=(64, 10))
    return ToyJudge(lambda s: w[sorted(s)].sum(axis=0) if s else np.zeros(10))


@pytest.mark.parametrize("seed", range(4))
def test_reveals_are_nonzero_pixels_and_never_repeat(seed: int) -> None:
    rng = np.random.default_rng(seed)
    digits = data.load().take(rng.choice(1797, size=6, replace=False))
    judge = _linear_judge(seed)
    for k in (4, 6):
        for first in ("honest", "liar"):
            games = game.all_lies(digits, k, first)
            for honest, liar in [(RandomDebater(), GreedyDebater()),
                                 (GreedyDebater(), MCTSDebater(rollouts=20))]:
                p = game.play(games, judge, honest, liar, rng)
                rows = np.arange(len(games))[:, None]
                assert games.legal[rows, p.order].all()
                assert all(len(set(o)) == k for o in p.order.tolist())
                assert (p.revealed.sum(axis=1) == k).all()


def test_play_rejects_an_illegal_reveal() -> None:
    class Cheat:
        def choose(self, games: game.Games, revealed: np.ndarray, depth: int, judge: object,
                   rng: np.random.Generator) -> np.ndarray:
            return np.zeros(len(games), dtype=np.int64)  # pixel 0: blank in the toy image

    values, legal = image([5, 6, 7])
    games = game.Games(values[None], legal[None], np.array([0]), np.array([1]), 2, "honest")
    with pytest.raises(ValueError, match="illegal"):
        game.play(games, margin_judge(lambda s: 0.0), Cheat(), Cheat(),
                  np.random.default_rng(0))


def test_mcts_finds_the_one_winning_reveal() -> None:
    # one reveal, by the liar: only pixel 12 makes the judge pick the lie
    values, legal = image([3, 7, 12, 20, 41])
    judge = margin_judge(lambda s: 1.0 if 12 in s else -1.0)
    games = game.Games(values[None], legal[None], np.array([0]), np.array([1]), 1, "liar")
    p = game.play(games, judge, MCTSDebater(30), MCTSDebater(30),
                  np.random.default_rng(0))
    assert p.order[0, 0] == 12 and p.margin[0] == 1.0

"""Exact minimax against hand-computed game values on toy judges."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.digits import minimax
from oversight.digits.debaters import MinimaxDebater
from oversight.digits.game import Games, play

from .toys import ToyJudge, image, margin_judge

# Four legal pixels 0..3, k = 2 (one reveal each). Margins of the six final sets:
PAIRS = {frozenset({0, 1}): 2.0, frozenset({0, 2}): -1.0, frozenset({0, 3}): 3.0,
         frozenset({1, 2}): 1.0, frozenset({1, 3}): -2.0, frozenset({2, 3}): 4.0}
# Liar first: max_a min_b = max(min(2,-1,3), min(2,1,-2), min(-1,1,4), min(3,-2,4)) = -1.
# Honest first: min_a max_b = min(3, 2, 4, 4) = 2.
# k = 3 (honest, liar, honest) over the same pixels: the final set misses one pixel d, margin
# MISSING[d]. By hand (see the test below): −2.
MISSING = {0: 1.0, 1: -3.0, 2: 5.0, 3: -2.0}


def _pair_judge() -> ToyJudge:
    return margin_judge(lambda s: PAIRS[s])


def _triple_judge() -> ToyJudge:
    return margin_judge(lambda s: MISSING[({0, 1, 2, 3} - s).pop()])


def test_subset_tables_index_the_union() -> None:
    t = minimax.subset_tables(6, 3)
    for j in range(3):
        for i, s in enumerate(t.sets[j]):
            for p in range(6):
                c = t.children[j][i, p]
                if p in s:
                    assert c == -1
                else:
                    assert sorted({*s.tolist(), p}) == t.sets[j + 1][c].tolist()


@pytest.mark.parametrize(("liar_first", "expected"), [(True, -1.0), (False, 2.0)])
def test_two_reveals_hand_value(liar_first: bool, expected: float) -> None:
    values, legal = image([0, 1, 2, 3])
    hf, lf = minimax.image_values(_pair_judge(), values, legal, honest=0, k=2)
    assert (lf if liar_first else hf)[0] == expected  # lie 0 is label 1


def test_three_reveals_hand_value() -> None:
    # honest a, liar b, honest c; the honest debater's last choice leaves min(MISSING) over the
    # two untouched pixels. a=0: liar's best leaves {2,3} → −2; a=1: leaves {0,2} → 1;
    # a=2: leaves {0,3} → −2; a=3: leaves {0,2} → 1. The honest debater opens with 0 or 2: −2.
    values, legal = image([0, 1, 2, 3])
    hf, _ = minimax.image_values(_triple_judge(), values, legal, honest=0, k=3)
    assert hf[0] == -2.0


@pytest.mark.parametrize("first", ["honest", "liar"])
def test_minimax_players_realise_the_value(first: str) -> None:
    values, legal = image([0, 1, 2, 3])
    judge = _pair_judge()
    games = Games(values[None], legal[None], np.array([0]), np.array([1]), 2, first)
    played = play(games, judge, MinimaxDebater(), MinimaxDebater(),
                  np.random.default_rng(0))
    assert played.margin[0] == (2.0 if first == "honest" else -1.0)

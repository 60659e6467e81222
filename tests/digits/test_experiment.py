"""The experiment end to end on a few images: every condition, and same seed → same table."""

from __future__ import annotations

import math

import torch

from oversight.digits import experiment as ex
from oversight.digits.judge import JudgeTraining


def test_same_seed_same_table_with_every_condition() -> None:
    torch.set_num_threads(1)
    config = ex.Config(seeds=(0, 1), ks=(2, 4), test_images=20, mcts_rollouts=8,
                       minimax_max_k=2, judge=JudgeTraining(k=0, epochs=2), draws=2)
    a, b = ex.run(config), ex.run(config)
    assert repr(a) == repr(b)  # (NaN-safe: NaN != NaN)
    conditions = {(r.condition, r.k) for r in a}
    assert {(ex.ALONE, 2), (ex.CONTROL, 4), (ex.RANDOM, 2), (ex.GREEDY, 4), (ex.MINIMAX, 2),
            (ex.MCTS, 4)} <= conditions
    judges = {r.judge for r in a}
    assert judges == {ex.STANDARD, ex.ABSTAINING, ex.CONFUSED}
    for r in a:
        assert len(r.per_seed) == 2
        if not math.isnan(r.mean):
            assert 0.0 <= r.low <= r.mean <= r.high <= 1.0
    alone = next(r for r in a if (r.condition, r.judge, r.metric, r.k)
                 == (ex.ALONE, ex.STANDARD, ex.ACCURACY, 2))
    assert alone.digits_pilot == ""  # published numbers only at k = 4 and 6

"""The data split and the sparse judge."""

from __future__ import annotations

import numpy as np
import torch

from oversight.digits import data
from oversight.digits.judge import JudgeTraining, alone_accuracy, random_reveals, train_judge


def test_split_is_stratified_and_seeded() -> None:
    digits = data.load()
    assert digits.images.shape == (1797, 64) and digits.images.max() == 1.0
    a, b = data.split(digits, 0), data.split(digits, 0)
    assert np.array_equal(a.test.labels, b.test.labels)
    assert len(a.train) + len(a.test) == 1797
    share = np.bincount(a.train.labels) / np.bincount(digits.labels)
    assert np.all(np.abs(share - 2 / 3) < 0.01)


def test_random_reveals_pick_k_nonzero_pixels() -> None:
    digits = data.load()
    mask = random_reveals(digits.nonzero, 4, np.random.default_rng(0))
    assert (mask.sum(axis=1) == 4).all() and not (mask & ~digits.nonzero).any()


def test_judge_is_deterministic_and_beats_chance() -> None:
    torch.set_num_threads(1)
    split = data.split(data.load(), 0)
    training = JudgeTraining(k=4, epochs=8)
    a, b = train_judge(split.train, training, 7), train_judge(split.train, training, 7)
    for pa, pb in zip(a.net.parameters(), b.net.parameters(), strict=True):
        assert torch.equal(pa, pb)
    acc = alone_accuracy(a, split.test, np.random.default_rng(0), draws=4)
    assert acc > 0.3  # chance is 0.1


def test_completion_scores_match_dense_scores() -> None:
    split = data.split(data.load(), 0)
    judge = train_judge(split.train, JudgeTraining(k=4, epochs=1), 0)
    values = split.test.images[0]
    pool = np.flatnonzero(values > 0)
    base = np.zeros(64, dtype=bool)
    base[pool[0]] = True
    added = np.array([[pool[1], pool[2]], [pool[3], pool[5]]])
    masks = np.repeat(base[None], 2, axis=0)
    masks[[0, 0, 1, 1], added.reshape(-1)] = True
    dense = judge.scores(masks, np.broadcast_to(values, masks.shape))
    np.testing.assert_allclose(judge.completion_scores(values, base, added), dense, atol=1e-5)

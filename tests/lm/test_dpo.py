"""DPO through train_dpo on the toy arithmetic world: on pairs (chosen = the right sum, rejected =
a wrong digit) it raises the probability of the right answer on the training prompts and on the
held-out ones; the first step's implicit reward margin is zero (the reference is a copy of the
model as passed in) and the margin grows; same seed → same weights; bad datasets and β ≤ 0 are
refused by name."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from datasets import Dataset

from oversight.learning.lm.dpo import train_dpo
from oversight.learning.lm.kl import sequence_logprobs
from oversight.learning.lm.trl_common import LMTrainConfig

from . import toy

CONFIG = LMTrainConfig(steps=40, lr=1e-3, batch_size=16, beta=0.1, seed=0, device="cpu")


def preferences(n: int, rng: np.random.Generator) -> Dataset:
    """n pairs on the training prompts, the right answer chosen over a uniformly wrong digit, with
    an extra column (train_dpo keeps only prompt/chosen/rejected)."""
    rows: dict[str, list[str]] = {"prompt": [], "chosen": [], "rejected": [], "judge": []}
    for _ in range(n):
        p = toy.TRAIN[int(rng.integers(len(toy.TRAIN)))]
        right = toy.answer(p)
        rows["prompt"].append(p)
        rows["chosen"].append(right)
        rows["rejected"].append(str(int(rng.choice([d for d in range(10) if str(d) != right]))))
        rows["judge"].append("oracle")
    return Dataset.from_dict(rows)


def test_preferring_the_right_answer_raises_its_probability() -> None:
    data = preferences(200, np.random.default_rng(0))
    base, tok = toy.base_model(0), toy.tokenizer()
    tuned, logs = train_dpo(toy.base_model(0), tok, data, CONFIG)
    assert toy.answer_probability(tuned, toy.TRAIN) >= toy.answer_probability(
        base, toy.TRAIN) + 0.15
    assert toy.answer_probability(tuned, toy.HELD_OUT) > toy.answer_probability(
        base, toy.HELD_OUT) + 0.05
    assert [s.step for s in logs] == list(range(1, CONFIG.steps + 1))
    assert all(math.isnan(s.kl) and s.seconds > 0 for s in logs)
    assert logs[0].reward == pytest.approx(0.0, abs=1e-6)  # policy == reference at first
    assert np.mean([s.reward for s in logs[-10:]]) > np.mean([s.reward for s in logs[:10]]) > 0
    # measured independently: the implicit reward margin β·Δlog-ratio is positive on the data
    prompts, chosen, rejected = data["prompt"], data["chosen"], data["rejected"]
    ratio_c = sequence_logprobs(tuned, tok, prompts, chosen) - sequence_logprobs(
        base, tok, prompts, chosen)
    ratio_r = sequence_logprobs(tuned, tok, prompts, rejected) - sequence_logprobs(
        base, tok, prompts, rejected)
    assert np.mean(ratio_c - ratio_r) > 0.5


def test_same_seed_same_weights() -> None:
    data = preferences(40, np.random.default_rng(1))
    short = LMTrainConfig(steps=3, lr=1e-3, batch_size=8, beta=0.1, seed=2, device="cpu")
    weights = []
    for _ in range(2):
        model, _ = train_dpo(toy.base_model(0), toy.tokenizer(), data, short)
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.equal(weights[0], weights[1])
    untouched = torch.cat([p.detach().flatten() for p in toy.base_model(0).parameters()])
    assert not torch.equal(weights[0], untouched)


def test_bad_datasets_and_beta_are_refused_by_name() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()
    data = preferences(8, np.random.default_rng(2))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['rejected'\]"):
        train_dpo(model, tok, data.remove_columns("rejected"), CONFIG)
    with pytest.raises(ValueError, match="preferences is empty"):
        train_dpo(model, tok, data.select([]), CONFIG)
    no_kl = LMTrainConfig(steps=1, batch_size=4, beta=0.0, device="cpu")
    with pytest.raises(ValueError, match="beta"):
        train_dpo(model, tok, data, no_kl)

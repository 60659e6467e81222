"""RLOO through train_rloo on the toy arithmetic world: a few dozen steps against the true reward
raise the probability of the right answer on the training and held-out prompts above the base
model's; one StepLog per step, the first with zero KL (the reference is the model as passed in);
same seed → same numbers; settings RLOO cannot use are refused by field name."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from oversight.learning.lm.rloo import train_rloo
from oversight.learning.lm.trl_common import LMTrainConfig

from . import toy

CONFIG = LMTrainConfig(steps=40, lr=1e-3, batch_size=32, num_generations=8, beta=0.05,
                       max_new_tokens=2, seed=0, device="cpu")


def test_true_reward_raises_the_right_answer_probability() -> None:
    base = toy.base_model(0)
    tuned, logs = train_rloo(toy.base_model(0), toy.tokenizer(), toy.TRAIN, toy.true_reward,
                             CONFIG)
    assert toy.answer_probability(tuned, toy.TRAIN) >= toy.answer_probability(
        base, toy.TRAIN) + 0.15
    assert toy.answer_probability(tuned, toy.HELD_OUT) > toy.answer_probability(
        base, toy.HELD_OUT) + 0.05
    assert [s.step for s in logs] == list(range(1, CONFIG.steps + 1))
    assert all(0.0 <= s.reward <= 1.0 and s.seconds > 0 for s in logs)
    assert logs[0].kl == pytest.approx(0.0, abs=1e-6)  # policy == reference before any update
    assert max(abs(s.kl) for s in logs) > 1e-4
    assert sum(s.reward for s in logs[-10:]) > sum(s.reward for s in logs[:10])


def test_same_seed_same_numbers() -> None:
    short = LMTrainConfig(steps=4, lr=1e-3, batch_size=16, num_generations=4, max_new_tokens=2,
                          seed=3, device="cpu")
    runs = []
    for config in (short, short, dataclasses.replace(short, seed=4)):
        model, logs = train_rloo(toy.base_model(0), toy.tokenizer(), toy.TRAIN, toy.true_reward,
                                 config)
        runs.append(([(s.reward, s.kl) for s in logs],
                     torch.cat([p.detach().flatten() for p in model.parameters()])))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    assert not torch.equal(runs[0][1], runs[2][1])


def test_settings_rloo_cannot_use_are_refused_by_name() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()
    bad_batch = LMTrainConfig(steps=1, batch_size=12, num_generations=8, device="cpu")
    with pytest.raises(ValueError, match=r"batch_size \(12\).*num_generations \(8\)"):
        train_rloo(model, tok, toy.TRAIN, toy.true_reward, bad_batch)
    no_kl = LMTrainConfig(steps=1, batch_size=16, num_generations=8, beta=0.0, device="cpu")
    with pytest.raises(ValueError, match="beta"):
        train_rloo(model, tok, toy.TRAIN, toy.true_reward, no_kl)
    with pytest.raises(ValueError, match="prompts is empty"):
        train_rloo(model, tok, [], toy.true_reward, CONFIG)

"""GRPO through train_grpo on the toy arithmetic world: a few dozen steps against the true reward
raise the probability of the right answer on the training prompts well above the base model's,
and on the held-out prompts too (the skill generalises, not a lookup); one StepLog per step, the
first with zero KL (the reference is the model as passed in); same seed → same numbers; settings
GRPO cannot use are refused by field name."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from transformers import PreTrainedModel

from oversight.learning.lm.grpo import train_grpo
from oversight.learning.lm.trl_common import LMTrainConfig, StepLog

from . import toy

# 4 prompts × 8 completions per step; two tokens: the digit and the end of sequence
CONFIG = LMTrainConfig(steps=40, lr=1e-3, batch_size=32, num_generations=8, beta=0.05,
                       max_new_tokens=2, seed=0, device="cpu")


@pytest.fixture(scope="module")
def trained() -> tuple[PreTrainedModel, list[StepLog], str]:
    model = toy.base_model(0)
    name = model.config._name_or_path
    tuned, logs = train_grpo(model, toy.tokenizer(), toy.TRAIN, toy.true_reward, CONFIG)
    return tuned, logs, name


def test_true_reward_raises_the_right_answer_probability(
        trained: tuple[PreTrainedModel, list[StepLog], str]) -> None:
    tuned, logs, _ = trained
    base = toy.base_model(0)
    base_train = toy.answer_probability(base, toy.TRAIN)
    assert toy.answer_probability(tuned, toy.TRAIN) >= base_train + 0.15
    assert toy.answer_probability(tuned, toy.HELD_OUT) > toy.answer_probability(
        base, toy.HELD_OUT) + 0.05
    assert not tuned.training
    # the logged reward is the true reward of the step's completions: it rises too
    first, last = logs[:10], logs[-10:]
    assert sum(s.reward for s in last) > sum(s.reward for s in first)


def test_one_step_log_per_step_with_zero_kl_at_the_start(
        trained: tuple[PreTrainedModel, list[StepLog], str]) -> None:
    tuned, logs, name = trained
    assert [s.step for s in logs] == list(range(1, CONFIG.steps + 1))
    assert all(0.0 <= s.reward <= 1.0 for s in logs)
    assert all(s.seconds > 0 for s in logs)
    assert logs[0].kl == pytest.approx(0.0, abs=1e-6)  # policy == reference before any update
    assert all(s.kl >= 0.0 for s in logs)  # k3 is non-negative
    assert max(s.kl for s in logs) > 1e-4
    assert tuned.config._name_or_path == name  # the temporary reference folder is forgotten


def test_same_seed_same_numbers() -> None:
    short = LMTrainConfig(steps=4, lr=1e-3, batch_size=16, num_generations=4, max_new_tokens=2,
                          seed=3, device="cpu")
    runs = []
    for config in (short, short, dataclasses.replace(short, seed=4)):
        model, logs = train_grpo(toy.base_model(0), toy.tokenizer(), toy.TRAIN, toy.true_reward,
                                 config)
        runs.append(([(s.reward, s.kl) for s in logs],
                     torch.cat([p.detach().flatten() for p in model.parameters()])))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    assert not torch.equal(runs[0][1], runs[2][1])


def test_settings_grpo_cannot_use_are_refused_by_name() -> None:
    model, tok = toy.base_model(0), toy.tokenizer()
    bad_batch = LMTrainConfig(steps=1, batch_size=30, num_generations=8, device="cpu")
    with pytest.raises(ValueError, match=r"batch_size \(30\).*num_generations \(8\)"):
        train_grpo(model, tok, toy.TRAIN, toy.true_reward, bad_batch)
    no_kl = LMTrainConfig(steps=1, batch_size=16, num_generations=8, beta=0.0, device="cpu")
    with pytest.raises(ValueError, match="beta"):
        train_grpo(model, tok, toy.TRAIN, toy.true_reward, no_kl)
    with pytest.raises(ValueError, match="prompts is empty"):
        train_grpo(model, tok, [], toy.true_reward, CONFIG)
    with pytest.raises(ValueError, match="beta"):
        LMTrainConfig(beta=-0.1)
    with pytest.raises(ValueError, match="num_generations"):
        LMTrainConfig(num_generations=1)
    with pytest.raises(ValueError, match="device"):
        LMTrainConfig(device="tpu")

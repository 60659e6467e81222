"""Fine-tuning a pre-trained base model into a binary classifier, on gold or on weak labels
(Burns et al. 2023, "Weak-to-strong generalization", arXiv 2312.09390).

The classifier is the base model's transformer body (a copy of `base_model.transformer`) with a
linear head giving one logit per text, read at the last real token (prompt + completion + EOS)
or from the mean-pooled hidden states. A classification example's logit is s(text); a preference
pair's is s(first) − s(second), the Bradley–Terry form (learning/lm/reward_model.py), so one loss
serves both: binary cross-entropy of σ(logit) against a target in [0, 1].

Losses (`alpha` = 0 gives the first):
- naive: cross-entropy to the weak supervisor's soft labels y_w (its probabilities);
- auxiliary confidence (Burns et al. §4.3.2, eq. 1):
      L = (1 − α) · CE(f(x), y_w) + α · CE(f(x), f̂_t(x)),
  where f̂_t(x) is the student's own prediction hardened at the threshold t that gives as many
  positives in the batch as the weak labels have on average (their `logconf` loss: the
  student may disagree with its supervisor where it is confident), detached; α is warmed up
  linearly from 0 to α_max over the first `warmup` share of the steps (the paper: 20%).

Training is AdamW with a linear warm-up (first 5% of steps) and linear decay to zero; the
accuracy on every named evaluation set is recorded every `eval_every` steps (and at the end),
so early stopping (the step with the best accuracy on a validation set) is read off the history
without keeping checkpoints. Randomness: the head's initial weights inside torch.random.fork_rng
seeded with `seed`, the batch order from a torch.Generator seeded with it. Runs on the threads
torch has (the runner's workers use one).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn
from transformers import GPT2LMHeadModel, PreTrainedTokenizerBase

from oversight.learning.lm.w2s_tasks import TaskData
from oversight.types import FloatArray

Pool = Literal["last", "mean"]


@dataclass(frozen=True)
class FineTuneConfig:
    """epochs over the training set, `batch_size` examples a step, AdamW at peak `lr`; pool:
    where the head reads the body; eval_every: steps between evaluations."""

    epochs: float = 4.0
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.01
    pool: Pool = "last"
    eval_every: int = 25

    def __post_init__(self) -> None:
        problems = []
        if not self.epochs > 0:
            problems.append(f"epochs: expected > 0, got {self.epochs}")
        if self.batch_size < 1 or self.eval_every < 1:
            problems.append(f"batch_size, eval_every: expected ≥ 1, got {self.batch_size}, "
                            f"{self.eval_every}")
        if not self.lr > 0:
            problems.append(f"lr: expected > 0, got {self.lr}")
        if self.pool not in ("last", "mean"):
            problems.append(f"pool: expected 'last' or 'mean', got {self.pool!r}")
        if problems:
            raise ValueError("FineTuneConfig: " + "; ".join(problems))

    def steps(self, n: int) -> int:
        """Optimiser steps for n training examples."""
        return max(1, math.ceil(self.epochs * n / self.batch_size))


class Scorer(nn.Module):
    """A transformer body and a linear head: (B, T) ids and mask → (B,) logits."""

    def __init__(self, body: nn.Module, hidden: int, pool: Pool) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Linear(hidden, 1)
        self.pool = pool

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.body(input_ids=ids, attention_mask=mask).last_hidden_state  # (B, T, H)
        if self.pool == "mean":
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        else:
            pooled = hidden[torch.arange(len(ids)), mask.sum(dim=1) - 1]
        return self.head(pooled).squeeze(-1)


def new_scorer(base: GPT2LMHeadModel, pool: Pool, seed: int) -> Scorer:
    """A classifier on a copy of `base`'s body; the head's weights drawn from `seed`."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        scorer = Scorer(copy.deepcopy(base.transformer), int(base.config.n_embd), pool)
    return scorer


@dataclass(frozen=True)
class Encoded:
    """Right-padded token ids and mask (N, T) of the first texts and, for pairs, the second."""

    ids: torch.Tensor
    mask: torch.Tensor
    ids_b: torch.Tensor | None
    mask_b: torch.Tensor | None

    def __len__(self) -> int:
        return len(self.ids)


def _encode_texts(tokenizer: PreTrainedTokenizerBase, texts: tuple[str, ...],
                  limit: int) -> tuple[torch.Tensor, torch.Tensor]:
    eos = int(tokenizer.eos_token_id)
    pad = int(tokenizer.pad_token_id) if tokenizer.pad_token_id is not None else eos
    rows = [([*r, eos])[-limit:] for r in tokenizer(list(texts), add_special_tokens=False)
            ["input_ids"]]
    width = max(map(len, rows), default=1)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def encode(tokenizer: PreTrainedTokenizerBase, data: TaskData, limit: int) -> Encoded:
    """A task's texts + EOS as this model's tokens, truncated on the left to `limit`."""
    ids, mask = _encode_texts(tokenizer, data.first, limit)
    if data.second is None:
        return Encoded(ids, mask, None, None)
    ids_b, mask_b = _encode_texts(tokenizer, data.second, limit)
    return Encoded(ids, mask, ids_b, mask_b)


def _trim(ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    width = int(mask.sum(dim=1).max())
    return ids[:, :width], mask[:, :width]


def logits_of(scorer: Scorer, data: Encoded, index: torch.Tensor) -> torch.Tensor:
    """(B,) logits of the examples at `index`: s(first), or s(first) − s(second) for pairs."""
    out = scorer(*_trim(data.ids[index], data.mask[index]))
    if data.ids_b is not None and data.mask_b is not None:
        out = out - scorer(*_trim(data.ids_b[index], data.mask_b[index]))
    return out


@torch.no_grad()
def predict(scorer: Scorer, data: Encoded, batch: int = 512) -> FloatArray:
    """(N,) P(label 1) = σ(logit) of every example."""
    scorer.eval()
    out = [torch.sigmoid(logits_of(scorer, data, torch.arange(s, min(s + batch, len(data)))))
           for s in range(0, len(data), batch)]
    return torch.cat(out).double().numpy() if out else np.zeros(0)


def accuracy(probs: FloatArray, labels: FloatArray) -> float:
    """Share of examples whose prediction (P > 1/2) matches the (hardened) label."""
    return float(np.mean((np.asarray(probs) > 0.5) == (np.asarray(labels) > 0.5)))


def hardened(probs: torch.Tensor, positive_share: torch.Tensor) -> torch.Tensor:
    """(B,) 0/1: the student's predictions thresholded so that about `positive_share` of the
    batch is positive (the highest probabilities), as Burns et al.'s logconf loss does."""
    threshold = torch.quantile(probs, (1 - positive_share).clamp(0.0, 1.0))
    return (probs > threshold).to(probs.dtype)


def confidence_loss(logits: torch.Tensor, weak: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 − α) · CE(σ(logits), weak) + α · CE(σ(logits), hardened own predictions); weak (B,)
    soft labels in [0, 1]; α = 0 is plain cross-entropy to the weak labels. The mix is taken
    in the target (cross-entropy is linear in it), as the authors' code does."""
    own = hardened(torch.sigmoid(logits).detach(), weak.mean())
    target = (1 - alpha) * weak + alpha * own
    return nn.functional.binary_cross_entropy_with_logits(logits, target)


@dataclass(frozen=True)
class ConfidenceLoss:
    """alpha: α_max of the auxiliary confidence loss (0: naive cross-entropy to the weak
    labels), reached after the first `warmup` share of the steps."""

    alpha: float = 0.0
    warmup: float = 0.2

    def __post_init__(self) -> None:
        if not (0 <= self.alpha <= 1 and 0 <= self.warmup <= 1):
            raise ValueError(f"ConfidenceLoss: alpha and warmup must lie in [0, 1], got "
                             f"{self.alpha}, {self.warmup}")

    def alpha_at(self, step: int, steps: int) -> float:
        """α after `step` of `steps`: linear from 0 to α_max over the first `warmup` share."""
        if self.alpha == 0:
            return 0.0
        ramp = self.warmup * steps
        return self.alpha * (min(1.0, step / ramp) if ramp > 0 else 1.0)


NAIVE = ConfidenceLoss(0.0)


def _lr_factor(step: int, steps: int) -> float:
    warm = max(1, steps // 20)
    return (step + 1) / warm if step < warm else max(0.0, (steps - step) / max(1, steps - warm))


@dataclass(frozen=True)
class FineTuned:
    """The trained classifier and its history: per evaluation, (step, {set name: accuracy})."""

    scorer: Scorer
    history: tuple[tuple[int, dict[str, float]], ...]
    steps: int

    def final(self, name: str) -> float:
        return self.history[-1][1][name]

    def early_stopped(self, name: str, by: str) -> float:
        """`name`'s accuracy at the first evaluation with the best accuracy on `by`."""
        best = max(range(len(self.history)), key=lambda i: (self.history[i][1][by], -i))
        return self.history[best][1][name]

    def curve(self, name: str) -> list[tuple[int, float]]:
        return [(step, acc[name]) for step, acc in self.history]


def fine_tune(base: GPT2LMHeadModel, train: Encoded, targets: FloatArray,
              config: FineTuneConfig, seed: int,
              evals: Mapping[str, tuple[Encoded, FloatArray]] | None = None,
              loss: ConfidenceLoss = NAIVE) -> FineTuned:
    """Train a new classifier on `base` against `targets` (N,) in [0, 1] (gold 0/1 or weak
    probabilities) with `loss`; evaluate each of `evals` (set name → (examples,
    labels)) every `eval_every` steps and at the end."""
    if len(train) != len(targets) or len(train) == 0:
        raise ValueError(f"fine_tune: {len(train)} examples but {len(targets)} targets")
    scorer = new_scorer(base, config.pool, seed)
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32))
    steps = config.steps(len(train))
    optimiser = torch.optim.AdamW(scorer.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: _lr_factor(s, steps))
    generator = torch.Generator().manual_seed(seed)
    order = torch.zeros(0, dtype=torch.long)
    history: list[tuple[int, dict[str, float]]] = []
    evals = evals or {}

    def evaluate(step: int) -> None:
        history.append((step, {name: accuracy(predict(scorer, data), labels)
                               for name, (data, labels) in evals.items()}))
        scorer.train()

    scorer.train()
    for step in range(steps):
        if len(order) < config.batch_size:  # a fresh permutation each epoch
            order = torch.cat([order, torch.randperm(len(train), generator=generator)])
        index, order = order[: config.batch_size], order[config.batch_size:]
        value = confidence_loss(logits_of(scorer, train, index), y[index],
                                loss.alpha_at(step, steps))
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        torch.nn.utils.clip_grad_norm_(scorer.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        if evals and (step + 1) % config.eval_every == 0 and step + 1 < steps:
            evaluate(step + 1)
    if evals:
        evaluate(steps)
    scorer.eval()
    return FineTuned(scorer, tuple(history), steps)

"""A Bradley–Terry reward-model ensemble over text (Christiano et al. 2017; Ziegler et al. 2019).

Each member is a small transformer body with a scalar head: r(prompt, completion) is the head
applied to the last hidden state of `prompt + completion + eos`. The body is either a fresh GPT-2
(config from scratch, the tokenizer's vocabulary) or a copy of a given base model's body
(`base_model.base_model`), as RLHF reward models start from the policy's pre-trained weights.

Preference model, as the tabular ensemble (learning/reward_models.py): the overseer answers at
random with probability ρ, so P(a ≻ b) = (1 − ρ)·σ(r_a − r_b) + ρ/2, trained by cross-entropy
against 1 (a preferred), 0 (b preferred), 0.5 (tie). A share `holdout` of the pairs (1/e) is held
out for validation; each member trains on its own bootstrap resample of the rest (Lakshminarayanan
et al. 2017). After fitting, each member's rewards are standardised (mean 0, std 1) over every
judged completion. Scores: the ensemble mean, or the conservative mean − k·std over members
(Coste et al. 2023's uncertainty-weighted objective uses the variance; the std keeps the units).

Native torch, not trl.RewardTrainer: RewardTrainer fits one sequence-classification model on
(chosen, rejected) pairs; it has no ensembles, no bootstrap resampling, no ties and no
random-response prior, which this lab's reward models need.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import GPT2Config, GPT2Model, PreTrainedModel, PreTrainedTokenizerBase

from oversight.learning.lm.trl_common import resolve_device
from oversight.types import FloatArray


@dataclass(frozen=True)
class TextRewardConfig:
    """members: ensemble size M. n_layer, n_embd, n_head: the from-scratch GPT-2 body (ignored
    when a base model's body is reused). steps: Adam steps per member, `batch_size` pairs each.
    random_response: ρ above. holdout: share of pairs held out. max_length: tokens per text."""

    members: int = 3
    n_layer: int = 2
    n_embd: int = 32
    n_head: int = 2
    steps: int = 300
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-2
    random_response: float = 0.1
    holdout: float = 1 / math.e
    max_length: int = 128
    device: str = "auto"

    def __post_init__(self) -> None:
        problems = []
        if self.members < 1:
            problems.append(f"members: expected ≥ 1, got {self.members}")
        if self.steps < 1 or self.batch_size < 1:
            problems.append(f"steps, batch_size: expected ≥ 1, got {self.steps}, {self.batch_size}")
        if not 0 <= self.random_response < 1:
            problems.append(f"random_response: expected in [0, 1), got {self.random_response}")
        if not 0 <= self.holdout < 1:
            problems.append(f"holdout: expected in [0, 1), got {self.holdout}")
        if problems:
            raise ValueError("TextRewardConfig: " + "; ".join(problems))


@dataclass(frozen=True)
class FitReport:
    """pairs: judged pairs used (train + held out); accuracies over pairs with a strict preference,
    by the ensemble mean (NaN when there are none); val_loss: mean cross-entropy held out."""

    pairs: int
    train_pairs: int
    val_pairs: int
    train_accuracy: float
    val_accuracy: float
    val_loss: float
    seconds: float


class _Member(nn.Module):
    """A transformer body and a scalar head read at the last real token."""

    def __init__(self, body: nn.Module, hidden: int) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Linear(hidden, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:  # (B, T) → (B,)
        hidden = self.body(input_ids=ids, attention_mask=mask).last_hidden_state
        last = mask.sum(dim=1) - 1
        return self.head(hidden[torch.arange(len(ids), device=ids.device), last]).squeeze(-1)


class TextRewardEnsemble:
    """M Bradley–Terry reward models over (prompt, completion) text; `fit` then `predict`."""

    def __init__(
        self,
        tokenizer: PreTrainedTokenizerBase,
        config: TextRewardConfig | None = None,
        base_model: PreTrainedModel | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.config = config or TextRewardConfig()
        self.base_model = base_model
        self.device = torch.device(resolve_device(self.config.device))
        self.members: list[_Member] = []
        self.shift = np.zeros(0)
        self.scale = np.ones(0)

    # -- encoding ---------------------------------------------------------------------------
    def _encode(self, prompts: list[str],
                completions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids and mask (N, T) of prompt + completion + eos, truncated on the left."""
        eos = self.tokenizer.eos_token_id
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos
        limit = self.config.max_length
        rows = []
        for p, c in zip(prompts, completions, strict=True):
            ids = self.tokenizer(p + c, add_special_tokens=False)["input_ids"]
            rows.append((ids + ([eos] if eos is not None else []))[-limit:])
        width = max(len(r) for r in rows)
        ids_t = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows],
                            device=self.device)
        return ids_t, mask

    def _new_member(self, seed: int) -> _Member:
        with torch.random.fork_rng(devices=[]):  # seeds weight init without touching global state
            torch.manual_seed(seed)
            if self.base_model is not None:
                body = copy.deepcopy(self.base_model.base_model)
                hidden = int(self.base_model.config.hidden_size)
            else:
                c = self.config
                cfg = GPT2Config(vocab_size=len(self.tokenizer), n_positions=c.max_length,
                                 n_embd=c.n_embd, n_layer=c.n_layer, n_head=c.n_head,
                                 resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                                 bos_token_id=self.tokenizer.eos_token_id,
                                 eos_token_id=self.tokenizer.eos_token_id,
                                 pad_token_id=self.tokenizer.pad_token_id)
                body, hidden = GPT2Model(cfg), c.n_embd
            member = _Member(body, hidden)
        return member.to(self.device)

    # -- fitting ----------------------------------------------------------------------------
    def _prob_a(self, ra: torch.Tensor, rb: torch.Tensor) -> torch.Tensor:
        rho = self.config.random_response
        return (1 - rho) * torch.sigmoid(ra - rb) + rho / 2

    def fit(
        self,
        prompts: list[str],
        completions_a: list[str],
        completions_b: list[str],
        prefs: FloatArray | list[float],
        rng: np.random.Generator,
    ) -> FitReport:
        """Fit M members. prefs (N,): 1 = a preferred, 0 = b preferred, 0.5 = tie; NaN (an
        abstention) is dropped. Replaces any earlier fit."""
        start = time.perf_counter()
        y_all = np.asarray(prefs, dtype=np.float64)
        n = len(prompts)
        if not (len(completions_a) == len(completions_b) == len(y_all) == n):
            raise ValueError(f"fit: prompts, completions_a, completions_b, prefs must have one "
                             f"length; got {n}, {len(completions_a)}, {len(completions_b)}, "
                             f"{len(y_all)}")
        keep = ~np.isnan(y_all)
        if not np.all(np.isin(y_all[keep], [0.0, 0.5, 1.0])):
            raise ValueError("fit: prefs must be 1 (a preferred), 0 (b), 0.5 (tie) or NaN")
        idx = np.flatnonzero(keep)
        if len(idx) < 2:
            raise ValueError(f"fit: need at least 2 judged pairs, got {len(idx)}")
        ids_a, mask_a = self._encode([prompts[i] for i in idx], [completions_a[i] for i in idx])
        ids_b, mask_b = self._encode([prompts[i] for i in idx], [completions_b[i] for i in idx])
        y = torch.tensor(y_all[idx], dtype=torch.float32, device=self.device)
        order = rng.permutation(len(idx))
        n_val = round(self.config.holdout * len(idx))
        val, train = order[:n_val], order[n_val:]
        c = self.config
        self.members = []
        for _ in range(c.members):
            member = self._new_member(int(rng.integers(2**31)))
            boot = torch.as_tensor(rng.choice(train, size=len(train), replace=True),
                                   device=self.device)
            opt = torch.optim.AdamW(member.parameters(), lr=c.lr, weight_decay=c.weight_decay)
            g = torch.Generator().manual_seed(int(rng.integers(2**31)))
            member.train()
            for _ in range(c.steps):
                b = boot[torch.randint(len(boot), (min(c.batch_size, len(boot)),), generator=g)
                         .to(self.device)]
                p = self._prob_a(member(ids_a[b], mask_a[b]), member(ids_b[b], mask_b[b]))
                loss = nn.functional.binary_cross_entropy(p, y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
            member.eval()
            self.members.append(member)
        # standardise each member over every judged completion
        raw = torch.cat([self._raw(ids_a, mask_a), self._raw(ids_b, mask_b)], dim=1).cpu().numpy()
        self.shift = raw.mean(axis=1)
        self.scale = np.maximum(raw.std(axis=1), 1e-8)
        ra, rb = self._standardise(raw[:, : len(idx)]), self._standardise(raw[:, len(idx):])
        mean_a, mean_b = ra.mean(axis=0), rb.mean(axis=0)
        yy = y.cpu().numpy().astype(np.float64)
        with torch.no_grad():
            pv = self._prob_a(torch.tensor(mean_a[val]), torch.tensor(mean_b[val])).numpy()
        val_loss = float(-np.mean(yy[val] * np.log(pv) + (1 - yy[val]) * np.log(1 - pv))) \
            if n_val else math.nan
        return FitReport(
            pairs=len(idx), train_pairs=len(train), val_pairs=n_val,
            train_accuracy=_accuracy(mean_a[train] - mean_b[train], yy[train]),
            val_accuracy=_accuracy(mean_a[val] - mean_b[val], yy[val]),
            val_loss=val_loss, seconds=time.perf_counter() - start,
        )

    # -- prediction -------------------------------------------------------------------------
    @torch.no_grad()
    def _raw(self, ids: torch.Tensor, mask: torch.Tensor, batch: int = 512) -> torch.Tensor:
        """(M, N) unstandardised rewards."""
        return torch.stack([
            torch.cat([m(ids[s:s + batch], mask[s:s + batch]) for s in range(0, len(ids), batch)])
            for m in self.members
        ])

    def _standardise(self, raw: FloatArray) -> FloatArray:
        return np.asarray((raw - self.shift[:, None]) / self.scale[:, None], dtype=np.float64)

    def predict(self, prompts: list[str], completions: list[str]) -> FloatArray:
        """(M, N) each member's standardised reward of each (prompt, completion)."""
        if not self.members:
            raise ValueError("TextRewardEnsemble.predict: call fit first")
        if len(prompts) == 0:
            return np.zeros((len(self.members), 0))
        ids, mask = self._encode(list(prompts), list(completions))
        return self._standardise(self._raw(ids, mask).cpu().numpy().astype(np.float64))

    def mean(self, prompts: list[str], completions: list[str]) -> FloatArray:
        """(N,) the ensemble-mean reward."""
        return self.predict(prompts, completions).mean(axis=0)

    def conservative(self, prompts: list[str], completions: list[str],
                     k: float = 1.0) -> FloatArray:
        """(N,) mean − k·std over members (std 0 for a single member)."""
        r = self.predict(prompts, completions)
        return r.mean(axis=0) - k * r.std(axis=0)

    def reward_fn(self, k: float = 0.0) -> Callable[[list[str], list[str]], list[float]]:
        """The lab's reward-function shape: mean (k = 0) or conservative mean − k·std."""

        def reward(prompts: list[str], completions: list[str]) -> list[float]:
            return [float(v) for v in self.conservative(prompts, completions, k)]

        return reward


def _accuracy(margin: FloatArray, y: FloatArray) -> float:
    """Share of strict-preference pairs whose margin r_a − r_b has the label's sign."""
    strict = y != 0.5
    if not strict.any():
        return math.nan
    return float(np.mean((margin[strict] > 0) == (y[strict] == 1.0)))

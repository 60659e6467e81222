"""A gold reward model: the over-optimisation studies' stand-in for people (Gao et al. 2022).

Gao, Schulman and Hilton (2022) and Coste et al. (2023) cannot ask people for every label, so a
large "gold" reward model, trained on many human comparisons, plays the human: its preferences
label the proxy reward model's training pairs, and its scores are the gold reward that best-of-n
is measured by. Coste et al. then flip 25% of those labels to mimic annotator disagreement.

Here the gold model is a `TextRewardEnsemble` (usually one wide member) fitted to `labels`
comparisons of base-model completion pairs on fresh training prompts, each labelled exactly by
the world's true reward (1: first better, 0: second, 0.5: equal). Then
- `gold_judgments` labels the proxy's pairs by the gold model's preference: FIRST when
  gold(first) > gold(second), SECOND when lower, TIE when equal, each decisive answer flipped with
  probability ε (the arm's overseer's `mistake` rate; B-Pref's mistake, Lee et al. 2021);
- the run scores the over-optimisation pool by the gold model (`LMRLHF.overoptimize`), while the
  world's exact true reward is measured beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from transformers import GPT2LMHeadModel, PreTrainedModel, PreTrainedTokenizerFast

from oversight.learning.lm.base_model import sample
from oversight.learning.lm.reward_model import FitReport, TextRewardConfig, TextRewardEnsemble
from oversight.types import Answer, FloatArray, Judgments
from oversight.worlds.text.base import TextWorld


@dataclass(frozen=True)
class GoldModel:
    """The fitted gold reward model and its fit (val_accuracy: agreement with the exact true
    preference on its own held-out pairs)."""

    rm: TextRewardEnsemble
    report: FitReport

    def score(self, prompts: list[str], completions: list[str]) -> FloatArray:
        """(N,) the gold reward: the gold ensemble's mean (standardised units)."""
        return self.rm.mean(prompts, completions)


def fit_gold(world: TextWorld, base: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
             config: TextRewardConfig, labels: int, max_new_tokens: int,
             rng: np.random.Generator, seed: int) -> GoldModel:
    """Fit the gold model to `labels` exactly labelled pairs of base completions of fresh
    training prompts (one pair per prompt)."""
    prompt_rng, fit_rng = rng.spawn(2)
    prompts = world.prompts("train", labels, prompt_rng)
    texts = [p.text for p in prompts]
    pairs = sample(cast(GPT2LMHeadModel, base), tokenizer, texts, n=2,
                   max_new_tokens=max_new_tokens, seed=seed)
    first, second = [c[0] for c in pairs], [c[1] for c in pairs]
    ta = world.features(prompts, first) @ world.w_true
    tb = world.features(prompts, second) @ world.w_true
    target = np.where(ta > tb, 1.0, np.where(ta < tb, 0.0, 0.5))
    rm = TextRewardEnsemble(tokenizer, config)
    return GoldModel(rm, rm.fit(texts, first, second, target, fit_rng))


def gold_judgments(gold: GoldModel, prompts: list[str], first: list[str], second: list[str],
                   seconds: FloatArray, mistake: float, rng: np.random.Generator) -> Judgments:
    """The gold model's answers (N,) on the pairs (prompts[i], first[i], second[i]), each decisive
    one flipped with probability `mistake`; `seconds` (N,) are the overseer's, whose time the
    budget was charged."""
    if not 0 <= mistake <= 0.5:
        raise ValueError(f"gold_judgments: mistake must be in [0, 0.5], got {mistake}")
    n = len(prompts)
    if not n:
        return Judgments(np.zeros(0, dtype=np.int64), np.asarray(seconds, dtype=np.float64))
    both = gold.score(prompts + prompts, first + second)
    a, b = both[:n], both[n:]
    answer = np.where(a > b, int(Answer.FIRST), np.where(a < b, int(Answer.SECOND),
                                                          int(Answer.TIE)))
    flip = (answer != int(Answer.TIE)) & (rng.random(n) < mistake)
    answer = np.where(flip, np.where(answer == int(Answer.FIRST), int(Answer.SECOND),
                                     int(Answer.FIRST)), answer)
    return Judgments(answer.astype(np.int64), np.asarray(seconds, dtype=np.float64))

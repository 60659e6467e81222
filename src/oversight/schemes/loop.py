"""What every labelling loop shares (rlhf, rrm, adversarial, deep RLHF): what a batch costs and
what fits the allowance, the L2 adaptation between reward-model fits, the judgment log, the spend
and answer metrics, and the held-out reward-model agreement.

One budget rule for all of them: every judgment asked is charged, abstentions and skips included,
in the budget's unit (labels count the overseer's questions, `Overseer.questions`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oversight.learning.planning import uniform_policy
from oversight.learning.reward_models import TARGET, BTEnsemble, agreement_with
from oversight.learning.rollouts import sample_episodes
from oversight.protocols import Overseer
from oversight.types import (
    Answer,
    Budget,
    FloatArray,
    IntArray,
    Judgments,
    Queries,
    Segments,
    Spend,
)
from oversight.worlds.engine import TabularWorld


def charges(overseer: Overseer, queries: Queries, budget: Budget) -> FloatArray:
    """(N,) what judging each query costs in the budget's unit."""
    return budget.charge(overseer.seconds(queries), overseer.wage_per_hour,
                         overseer.questions(queries))


def per_query(overseer: Overseer, probe: Queries, budget: Budget) -> float:
    """Mean charge of a probe batch: the expected cost of one more query."""
    return float(np.mean(charges(overseer, probe, budget)))


def affordable(overseer: Overseer, queries: Queries, budget: Budget, allowance: float
               ) -> IntArray:
    """Indices of the longest prefix of `queries` whose charges fit within `allowance`."""
    return np.flatnonzero(np.cumsum(charges(overseer, queries, budget)) <= allowance + 1e-9)


def adapt_l2(weight_decay: float, ensemble: BTEnsemble) -> float:
    """The next fit's L2 coefficient: doubled when validation loss exceeds 1.5× the training
    loss, halved (down to 1e-6) below 1.1× (Christiano et al. 2017's adaptive regulariser)."""
    ratio = ensemble.val_loss / max(ensemble.train_loss, 1e-12)
    if math.isnan(ratio):
        return weight_decay
    if ratio > 1.5:
        return weight_decay * 2
    if ratio < 1.1:
        return max(weight_decay / 2, 1e-6)
    return weight_decay


LOG_COLUMNS = ("round", "first_start", "first_actions", "second_start", "second_actions",
               "overseer", "answer", "seconds")


def new_log() -> dict[str, list[Any]]:
    return {k: [] for k in LOG_COLUMNS}


def log_judgments(log: dict[str, list[Any]], r: int, asked: Queries, judgments: Judgments,
                  overseer: str) -> None:
    """Append the round's judgments; a segment is its start state and its actions, which
    replay it exactly in the deterministic world."""
    n = len(asked)
    log["round"] += [r] * n
    for side, seg in (("first", asked.first), ("second", asked.second)):
        log[f"{side}_start"] += seg.states[:, 0].tolist()
        log[f"{side}_actions"] += ["".join(map(str, row)) for row in seg.actions.tolist()]
    log["overseer"] += [overseer] * n
    log["answer"] += judgments.answer.tolist()
    log["seconds"] += judgments.seconds.tolist()


def spend_metrics(spend: Spend) -> dict[str, float]:
    """labels, overseer_seconds and money spent: what every run reports of its budget."""
    return {"labels": float(spend.labels), "overseer_seconds": spend.seconds,
            "money": spend.money}


def answer_rates(history: tuple[Queries, Judgments] | None) -> dict[str, float]:
    """How many judgments carried a preference, and the shares that abstained, tied, skipped."""
    answers = np.array([], dtype=np.int64) if history is None else history[1].answer
    counts = np.bincount(answers, minlength=len(Answer))
    total = int(counts.sum())

    def share(a: Answer) -> float:
        return counts[a] / total if total else math.nan

    return {"answered": float(counts[list(TARGET)].sum()), "abstain_rate": share(Answer.ABSTAIN),
            "tie_rate": share(Answer.TIE), "skip_rate": share(Answer.SKIP)}


def held_out_agreement(
    world: TabularWorld, policy: FloatArray, ensemble: BTEnsemble | None, rng: np.random.Generator
) -> float:
    """Reward-model agreement with the true ordering on fresh pairs from deployment levels
    (half from the final policy, half from the random one): never seen in training."""
    if ensemble is None:
        return math.nan
    a = sample_episodes(world, policy, 250, rng, "deploy", explore=0.2)
    b = sample_episodes(world, uniform_policy(world), 250, rng, "deploy")
    both = Segments.concat(a, b).take(rng.permutation(500))
    pairs = Queries.pairs(both.take(np.arange(250)), both.take(np.arange(250, 500)))
    return agreement_with(ensemble, pairs, world.w_true)

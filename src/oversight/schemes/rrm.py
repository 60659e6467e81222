"""`rrm`: recursive reward modelling (Leike et al. 2018) with a flaw-finding assistant.

The overseer cannot judge the main task unaided (it cannot see under the rug), but it *can*
evaluate a narrower task: shown what happened at one step, including what it could not see, it
can say whether that is worse than nothing. An assistant is trained by reward modelling on that
subtask and then helps with the main task by pointing at the steps where it finds flaws; the
overseer is shown those steps (verifiable evidence, paid per piece) and judges the pair.

    depth 0   plain RLHF
    depth 1   assistant A₁ learns "is this step a flaw?" from the overseer judging single shown
              steps against an empty step; A₁ assists every main-task judgment
    depth d   A_d learns from the overseer comparing the hidden content of two whole segments,
              which it can only do with A_{d−1} pointing at the steps to look at; A_d assists
              the main task. A lower assistant's misses become wrong labels for the one above.

An assistant is a linear Bradley–Terry ensemble over the full features of a step (it can look
under the rug; the overseer cannot) and points at up to `reveal` steps per segment whose
predicted value is below that of a step where nothing happened. `assistant_error` is a
deliberate fault: each step it would point at is, with that probability, replaced by a step it
did not flag (a miss). `assistant_fraction` of the budget trains the assistants, split evenly
over the levels; every question is charged to the same budget as the main task's.

Measured (on fresh segments from deployment levels): each assistant's recall, the share of true
flaws (steps where what the overseer cannot see is worth less than nothing to it) it points at,
and its false-alarm rate, the share of the steps it points at that are not flaws.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from annotated_types import Ge, Interval

from oversight.learning.planning import uniform_policy
from oversight.learning.reward_models import TARGET, BTEnsemble, PreferenceData, fit
from oversight.learning.rollouts import sample_episodes
from oversight.learning.selection import select
from oversight.protocols import Overseer
from oversight.schemes.loop import affordable
from oversight.schemes.rlhf import RLHF
from oversight.types import (
    Answer,
    BoolArray,
    Budget,
    FloatArray,
    Judgments,
    Queries,
    RunResult,
    Segments,
    Spend,
)
from oversight.worlds.engine import TabularWorld


@dataclass(frozen=True)
class Assistant:
    """Points at the steps of segments it predicts are flaws: worse than a step where nothing
    happened (the zero point the ensemble's standardised scale has lost)."""

    ensemble: BTEnsemble
    reveal: int
    error: float

    def flaws(self, segments: Segments) -> BoolArray:
        """(N, L) steps it flags: predicted worse than an empty step."""
        null = float(self.ensemble.reward(np.zeros(segments.features.shape[-1])))
        return self.ensemble.reward(segments.features) < null - 1e-9

    def point(self, segments: Segments, rng: np.random.Generator) -> BoolArray:
        """(N, L) the steps it shows: its `reveal` most flawed flagged steps, each replaced with
        probability `error` by a random step it did not flag."""
        score = self.ensemble.reward(segments.features)
        flagged = self.flaws(segments)
        rank = np.argsort(np.argsort(np.where(flagged, score, np.inf), axis=1), axis=1)
        chosen = flagged & (rank < self.reveal)
        u, pick = rng.random(chosen.shape), rng.random(chosen.shape)
        fail = chosen & (u < self.error)
        shown = chosen & ~fail
        for i in np.flatnonzero(fail.any(axis=1)):  # each miss shows another, unflagged step
            others = np.flatnonzero(~flagged[i] & ~shown[i])
            if len(others):
                k = min(int(fail[i].sum()), len(others))
                order = np.argsort(pick[i, others])
                shown[i, others[order[:k]]] = True
        return shown

    def __call__(self, queries: Queries, rng: np.random.Generator) -> Queries:
        shown = np.stack([self.point(queries.first, rng), self.point(queries.second, rng)], 1)
        return queries.with_shown(queries.shown | shown)


@dataclass(frozen=True)
class RRM:
    rlhf: RLHF = field(default_factory=RLHF)
    depth: Annotated[int, Interval(ge=0, le=4)] = 1
    assistant_fraction: Annotated[float, Interval(gt=0, lt=1)] = 0.2
    reveal: Annotated[int, Ge(1)] = 2
    assistant_error: Annotated[float, Interval(ge=0, le=1)] = 0.0
    assistant_episodes: Annotated[int, Ge(2)] = 200

    def run(self, world: TabularWorld, overseer: Overseer, budget: Budget,
            rng: np.random.Generator) -> RunResult:
        assist_rng, main_rng, eval_rng = rng.spawn(3)
        hidden = _hidden(overseer, world)
        assistants: list[Assistant] = []
        spend = Spend()
        share = budget.amount * self.assistant_fraction / max(self.depth, 1)
        for _ in range(self.depth):
            lower = assistants[-1] if assistants else None
            assistant, used = self.train_assistant(world, overseer, budget, share, hidden,
                                                   lower, assist_rng)
            assistants.append(assistant)
            spend = spend + used
        rest = Budget(budget.kind, budget.amount - spend.used(budget.kind))
        top = assistants[-1] if assistants else None
        result = self.rlhf.run(world, overseer, rest, main_rng, top)
        metrics = dict(result.metrics)
        metrics["labels"] += spend.labels
        metrics["overseer_seconds"] += spend.seconds
        metrics["money"] += spend.money
        metrics["assistant_labels"] = float(spend.labels)
        for level, a in enumerate(assistants, 1):
            recall, false_alarm = _quality(a, world, overseer, hidden, result, eval_rng)
            metrics[f"assistant_recall_{level}"] = recall
            metrics[f"assistant_false_alarm_{level}"] = false_alarm
        return RunResult(metrics, result.curves, result.judgments, result.artefacts)

    def train_assistant(self, world: TabularWorld, overseer: Overseer, budget: Budget,
                        amount: float, hidden: BoolArray, lower: Assistant | None,
                        rng: np.random.Generator) -> tuple[Assistant, Spend]:
        """One level: half the allowance on questions in the candidates' own order, half on
        those the ensemble disagrees about; returns the fitted assistant and what it cost."""
        episodes = sample_episodes(world, uniform_policy(world), self.assistant_episodes, rng,
                                   "train", explore=self.rlhf.explore)
        candidates, inputs = _subtask(episodes, hidden, lower, rng)
        spend, data, ensemble = Spend(), None, None
        for part in (0.5, 1.0):
            allowance = amount * part - spend.used(budget.kind)
            order = (np.arange(len(candidates)) if ensemble is None else  # the cycle above
                     select("disagreement", candidates, len(candidates), ensemble, rng))
            keep = order[affordable(overseer, candidates.take(order), budget, allowance)]
            if len(keep) == 0:
                continue
            judgments = overseer.judge(candidates.take(keep), rng)
            spend = spend.add(judgments, overseer.wage_per_hour)
            new = _training_data(inputs, keep, judgments)
            data = new if data is None else data.concat(new)
            if len(data):
                ensemble = fit(data, self.rlhf.reward_model, rng)
            remaining = np.setdiff1d(np.arange(len(candidates)), keep)
            candidates, inputs = candidates.take(remaining), _take_inputs(inputs, remaining)
        if ensemble is None:
            raise ValueError(f"rrm: the budget share for the assistant ({amount:g} "
                             f"{budget.kind}) buys no judgment; raise assistant_fraction")
        return Assistant(ensemble, self.reveal, self.assistant_error), spend


def _subtask(episodes: Segments, hidden: BoolArray, lower: Assistant | None,
             rng: np.random.Generator) -> tuple[Queries, tuple[FloatArray, FloatArray]]:
    """Candidate subtask questions (what the overseer is shown: hidden content only) and the
    assistant's inputs for each (full features), as (first, second) arrays (N, L, K).

    Bottom level: steps of the episodes against an empty step, the step shown, in an order that
    cycles through the distinct kinds of step (feature vectors) the assistant has seen, so rare
    kinds (the one sweep under the rug) are asked about early; higher levels: random pairs of
    whole episodes, the lower assistant pointing at steps."""
    mask = hidden.astype(np.float64)
    if lower is None:
        n, length, k = episodes.features.shape
        steps = episodes.features.reshape(n * length, 1, k)
        _, kind = np.unique(steps[:, 0], axis=0, return_inverse=True)
        shuffled = rng.permutation(len(steps))
        kind = kind.ravel()[shuffled]
        occurrence = np.zeros(len(steps), dtype=np.int64)  # how many of its kind came before
        for c in np.unique(kind):
            occurrence[kind == c] = np.arange(int((kind == c).sum()))
        steps = steps[shuffled[np.lexsort((kind, occurrence))]]
        ids = np.zeros(len(steps), dtype=np.int64)
        one = Segments(ids, ids[:, None], ids[:, None], steps * mask)
        empty = Segments(ids, ids[:, None], ids[:, None], np.zeros_like(steps))
        queries = Queries.pairs(one, empty)
        shown = queries.shown.copy()
        shown[:, 0, 0] = True
        return queries.with_shown(shown), (steps, np.zeros_like(steps))
    n = len(episodes)
    i = rng.permutation(n)
    a, b = episodes.take(i[: n // 2]), episodes.take(i[n // 2: 2 * (n // 2)])
    masked = [Segments(s.level, s.states, s.actions, s.features * mask) for s in (a, b)]
    queries = lower(Queries.pairs(*masked), rng)
    return queries, (a.features, b.features)


def _take_inputs(inputs: tuple[FloatArray, FloatArray], index: np.ndarray,
                 ) -> tuple[FloatArray, FloatArray]:
    return inputs[0][index], inputs[1][index]


def _training_data(inputs: tuple[FloatArray, FloatArray], asked: np.ndarray,
                   judgments: Judgments) -> PreferenceData:
    """The assistant learns from the overseer's answers but over its own (full) inputs."""
    keep = np.isin(judgments.answer, list(TARGET))
    target = np.array([TARGET[Answer(a)] for a in judgments.answer[keep]], dtype=np.float64)
    return PreferenceData(inputs[0][asked][keep], inputs[1][asked][keep], target)


def _hidden(overseer: Overseer, world: TabularWorld) -> BoolArray:
    """(K,) features the overseer cannot see unaided. An overseer whose view is unknown (a
    person) is taken to see what a lay viewer sees: the assistant looks for the rest."""
    view = overseer.view
    if view is None:
        return ~world.lay_visible
    return ~(view.visible | view.inspects)


def _quality(assistant: Assistant, world: TabularWorld, overseer: Overseer, hidden: BoolArray,
             result: RunResult, rng: np.random.Generator) -> tuple[float, float]:
    """Recall and false-alarm rate of an assistant on 200 deployment episodes (half from the
    final policy, half uniform) against the flaws: hidden features that cost the overseer by its
    own values (the true reward's where its values are unknown, as for a person)."""
    values = world.w_true if overseer.values is None else overseer.values
    parts = [sample_episodes(world, p, 100, rng, "deploy", explore=0.2)
             for p in (result.artefacts["policy"], uniform_policy(world))]
    segments = functools.reduce(Segments.concat, parts)
    flaw = (segments.features * (values * hidden)).sum(axis=-1) < -1e-9  # (N, L)
    pointed = assistant.point(segments, rng)
    recall = float(pointed[flaw].mean()) if flaw.any() else math.nan
    false_alarm = float((~flaw[pointed]).mean()) if pointed.any() else math.nan
    return recall, false_alarm

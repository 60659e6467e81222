"""`amplification`: decompose what a time-limited overseer cannot judge whole, then distil
(iterated amplification, Christiano, Shlegeris & Amodei 2018).

Under time pressure the overseer watches only `attention` steps of a segment, so asked about
two whole episodes it judges their beginnings. Amplified, a pair query of L-step segments is
split into C = ⌈L / attention⌉ sub-questions, chunk c of the first segment against chunk c of
the second, each short enough to watch whole. The overseer answers the sub-questions the
current model is least sure of (a `human_fraction` of them, by ensemble disagreement; all of
them before there is a model), the model answers the rest, and the answers are combined:

    answer = sign Σ_c s_c · m_c

with s_c ∈ {−1, 0, +1} the sub-answer (first, tie, second) and m_c = |R̂₂,c − R̂₁,c| the size of
the difference under the current model (1 before there is one). With exact sizes and a perfect
overseer this is exactly the direct judgment of the whole pair. The amplified answers train the
next reward model (the RLHF loop's fit), which answers and weighs sub-questions in the next
round: amplify, distil, iterate. The overseer's faults pass through: a sub-question it abstains
on makes the whole judgment an abstention, one it skips counts as a tie, its random and
systematic errors flip sub-answers. Each sub-question is one label and costs the overseer's
seconds for its chunk pair (the last chunk may be shorter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from annotated_types import Ge, Interval

from oversight.learning.reward_models import BTEnsemble
from oversight.overseers.simulated import SimulatedOverseer
from oversight.protocols import Overseer
from oversight.schemes.rlhf import RLHF
from oversight.types import (
    Answer,
    BoolArray,
    Budget,
    FloatArray,
    IntArray,
    Judgments,
    Queries,
    RunResult,
    Segments,
    View,
)
from oversight.worlds.engine import TabularWorld


@dataclass(frozen=True)
class AmplifiedOverseer:
    """The overseer plus the current model, answering whole-segment pair queries by
    decomposition. Satisfies the Overseer protocol; `questions` says how many sub-questions
    each query puts to the overseer (what a label budget counts)."""

    overseer: Overseer
    chunk: int
    model: BTEnsemble | None
    human_fraction: float

    @property
    def name(self) -> str:
        return self.overseer.name

    @property
    def wage_per_hour(self) -> float:
        return self.overseer.wage_per_hour

    @property
    def view(self) -> View | None:
        return self.overseer.view

    @property
    def values(self) -> FloatArray | None:
        return self.overseer.values

    @property
    def perceived_weights(self) -> FloatArray | None:
        return self.overseer.perceived_weights

    @property
    def simulation(self) -> SimulatedOverseer | None:
        """None: the decomposition with its current model is not simulated as a whole."""
        return None

    def split(self, queries: Queries) -> tuple[Queries, int]:
        """The (N·C) chunk-pair sub-questions, query-major, and C."""
        length = queries.first.length
        c = math.ceil(length / self.chunk)
        pad = c * self.chunk - length

        def chunks(seg: Segments) -> Segments:
            def cut(x: np.ndarray) -> np.ndarray:
                widths = [(0, 0), (0, pad)] + [(0, 0)] * (x.ndim - 2)
                x = np.pad(x, widths)  # padded steps have no features: worth nothing
                return x.reshape(len(seg) * c, self.chunk, *x.shape[2:])
            return Segments(np.repeat(seg.level, c), cut(seg.states), cut(seg.actions),
                            cut(seg.features))

        shown = np.pad(queries.shown, [(0, 0), (0, 0), (0, pad)])
        shown = shown.reshape(len(queries), 2, c, self.chunk).transpose(0, 2, 1, 3)
        sub = Queries(chunks(queries.first), chunks(queries.second),
                      np.repeat(queries.revealed, c, axis=0), shown.reshape(-1, 2, self.chunk))
        return sub, c

    def asked(self, sub: Queries, c: int) -> BoolArray:
        """(N, C) which sub-questions go to the overseer: those the model is least sure of."""
        n = len(sub) // c
        if self.model is None or self.human_fraction >= 1:
            return np.ones((n, c), dtype=bool)
        doubt = self.model.prob_second(sub).var(axis=0).reshape(n, c)
        k = math.ceil(self.human_fraction * c)
        rank = np.argsort(np.argsort(-doubt, axis=1, kind="stable"), axis=1)
        return rank < k

    def questions(self, queries: Queries) -> IntArray:
        sub, c = self.split(queries)
        return self.asked(sub, c).sum(axis=1).astype(np.int64)

    def _sub_seconds(self, sub: Queries, c: int, length: int) -> FloatArray:
        """(N, C) the overseer's seconds for each chunk pair, the last chunk unpadded."""
        per = self.overseer.seconds(sub).reshape(-1, c)
        tail = length - (c - 1) * self.chunk
        if tail < self.chunk:
            last = sub.take(np.arange(c - 1, len(sub), c))
            cut = Segments(last.first.level, last.first.states[:, :tail],
                           last.first.actions[:, :tail], last.first.features[:, :tail])
            cut2 = Segments(last.second.level, last.second.states[:, :tail],
                            last.second.actions[:, :tail], last.second.features[:, :tail])
            per[:, -1] = self.overseer.seconds(Queries(cut, cut2, last.revealed,
                                                       last.shown[:, :, :tail]))
        return per

    def seconds(self, queries: Queries) -> FloatArray:
        sub, c = self.split(queries)
        per = self._sub_seconds(sub, c, queries.first.length)
        return (per * self.asked(sub, c)).sum(axis=1)

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments:
        sub, c = self.split(queries)
        n = len(queries)
        asked = self.asked(sub, c)
        flat = asked.ravel()
        human = self.overseer.judge(sub.take(np.flatnonzero(flat)), rng)
        answer = np.full(n * c, Answer.TIE, dtype=np.int64)
        answer[flat] = human.answer
        exact = self._sub_seconds(sub, c, queries.first.length).ravel()
        padding = self.overseer.seconds(sub) - exact
        seconds = np.zeros(n * c)
        seconds[flat] = human.seconds - padding[flat]  # not charged for the padded steps
        if self.model is None:
            size = np.ones(n * c)
        else:
            delta = (self.model.reward(sub.second.features).sum(axis=1)
                     - self.model.reward(sub.first.features).sum(axis=1))
            size = np.abs(delta)
            answer[~flat] = np.where(delta[~flat] > 0, Answer.SECOND,
                                     np.where(delta[~flat] < 0, Answer.FIRST, Answer.TIE))
        sign = np.select([answer == Answer.SECOND, answer == Answer.FIRST], [1.0, -1.0], 0.0)
        total = (sign * size).reshape(n, c).sum(axis=1)
        combined = np.where(total > 0, Answer.SECOND,
                            np.where(total < 0, Answer.FIRST, Answer.TIE))
        abstained = (answer == Answer.ABSTAIN).reshape(n, c).any(axis=1)
        combined = np.where(abstained, Answer.ABSTAIN, combined).astype(np.int64)
        return Judgments(combined, seconds.reshape(n, c).sum(axis=1),
                         asked.sum(axis=1).astype(np.int64))


@dataclass(frozen=True)
class Amplification:
    rlhf: RLHF = field(default_factory=RLHF)
    human_fraction: Annotated[float, Interval(gt=0, le=1)] = 1.0
    # steps per sub-question; None: the overseer's attention
    chunk: Annotated[int, Ge(1)] | None = None

    def run(self, world: TabularWorld, overseer: Overseer, budget: Budget,
            rng: np.random.Generator) -> RunResult:
        view = overseer.view
        chunk = self.chunk or (None if view is None else view.attention)
        if chunk is None:  # the overseer can judge whole segments: nothing to decompose
            return self.rlhf.run(world, overseer, budget, rng)

        def amplify(model: BTEnsemble | None) -> Overseer:
            return AmplifiedOverseer(overseer, chunk, model, self.human_fraction)

        return self.rlhf.run(world, overseer, budget, rng, amplify=amplify)

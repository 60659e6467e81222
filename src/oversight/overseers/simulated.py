"""Simulated overseers: a view, values, rationality and a cost, composed (DESIGN.md §2).

The rationality model is B-Pref's family of simulated teachers (Lee et al. 2021, arXiv
2111.03026), applied to the returns the overseer *perceives* (its values over what it sees):

    skip     max(R₁, R₂) < θ_skip                    -> SKIP (the budget is still spent)
    equal    |R₁ − R₂| < θ_equal                     -> TIE
    myopia   step t of L weighted by γ^(L−1−t) in the returns used below
    choice   β = ∞: the larger return (exactly equal -> TIE);
             else P(second) = σ(β·(R₂ − R₁)), one Bernoulli draw
    mistake  a decisive answer is flipped with probability ε (random errors)
    systematic  ε of the batch's decisive answers, those with the largest perceived difference,
             are reversed (⌊ε·n⌋ of them, one more with probability of the remainder): the same
             rate of errors, but consistent with the content (an overseer whose strongest
             intuitions are wrong), so unlike random flips they do not average out; an answer
             picked by both error kinds is reversed once

θ_skip = skip·m and θ_equal = equal·|m|, with m the mean perceived segment return over the batch
asked (B-Pref's "average segment return"), applied once. (B-Pref's code multiplies by ε a second
time after its first round, which looks unintended; the magnitude keeps the equal threshold
non-negative when returns are negative, as they are in worlds with a step cost.)

Abstention (the lab's addition, before all of the above): a hidden feature with a visible cue is a
known unknown. At each attended step where the cue fires, the hidden feature may have fired too,
worth the overseer's value for it. If what it cannot see could reverse its preference, it answers
ABSTAIN ("don't know").

Evidence: a feature a scheme revealed for a query is seen at every attended step of both
segments (charged as one piece per segment); a step a scheme showed (`Queries.shown`, a debater
or an assistant pointing at it) has all its features seen, attended or not, and resolves the
known unknown at that step (charged as one piece).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from oversight.types import (
    Answer,
    BoolArray,
    FloatArray,
    IntArray,
    Judgments,
    Queries,
    Segments,
    View,
)

__all__ = ["Cost", "Rationality", "SimulatedOverseer", "View"]


@dataclass(frozen=True)
class Rationality:
    beta: float = float("inf")
    mistake: float = 0.0
    systematic: float = 0.0
    skip: float = 0.0
    equal: float = 0.0
    gamma: float = 1.0
    abstain: bool = False

    def __post_init__(self) -> None:
        checks = {
            "beta": self.beta > 0,
            "mistake": 0.0 <= self.mistake <= 0.5,
            "systematic": 0.0 <= self.systematic <= 0.5,
            "skip": self.skip >= 0,
            "equal": self.equal >= 0,
            "gamma": 0.0 < self.gamma <= 1.0,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if not isinstance(self.abstain, bool):
            bad.append("abstain")
        if bad:
            raise ValueError(
                f"invalid rationality {bad}: need beta > 0, 0 <= mistake, systematic <= 0.5, "
                f"skip >= 0, equal >= 0, 0 < gamma <= 1, abstain true or false; got {self}"
            )


@dataclass(frozen=True)
class Cost:
    """Seconds per judgment = base + per_step·(steps watched in both segments)
    + per_evidence·(pieces of evidence read: a hidden feature inspected or revealed counts once
    per segment, a shown step once); money = wage."""

    base_seconds: float
    seconds_per_step: float
    seconds_per_evidence: float
    wage_per_hour: float


@dataclass(frozen=True)
class SimulatedOverseer:
    """values: (K,) the overseer's weights over features (w_true for an honest one).
    cue: (K,) for each feature the index of its visible cue, or -1 (see module docstring)."""

    name: str
    view: View
    values: FloatArray
    rationality: Rationality
    cost: Cost
    cue: IntArray = field(repr=False)

    @property
    def wage_per_hour(self) -> float:
        return self.cost.wage_per_hour

    @property
    def perceived_weights(self) -> FloatArray:
        """Weights of the overseer's unaided-plus-inspected view: its perceived reward."""
        return self.values * (self.view.visible | self.view.inspects)

    @property
    def simulation(self) -> SimulatedOverseer:
        """Itself: a simulated overseer is its own model."""
        return self

    def questions(self, queries: Queries) -> None:
        """One question per judgment: the Overseer protocol's default."""
        return None

    def _seen(self, queries: Queries) -> BoolArray:
        return self.view.visible | self.view.inspects | queries.revealed  # (N, K)

    def _attended(self, segments: Segments) -> FloatArray:
        """(N, L', K) features of the steps the overseer watches."""
        if self.view.attention is None:
            return segments.features
        return segments.features[:, : self.view.attention]

    def seconds(self, queries: Queries) -> FloatArray:
        steps = 2 * self._attended(queries.first).shape[1]
        evidence = (2 * (self._seen(queries) & ~self.view.visible).sum(axis=1)
                    + queries.shown.sum(axis=(1, 2)))
        c = self.cost
        return c.base_seconds + c.seconds_per_step * steps + c.seconds_per_evidence * evidence

    def _step_weights(self, queries: Queries) -> tuple[FloatArray, FloatArray]:
        """(N, L, K) weight each overseer puts on each step's features, per segment: its values
        on what it sees over the attended steps, plus every feature of a shown step."""
        w = self.values * self._seen(queries)  # (N, K)
        length = queries.first.length
        attended = np.zeros(length)
        attended[: self.view.attention or length] = 1.0
        base = attended[None, :, None] * w[:, None, :]
        return tuple(  # type: ignore[return-value]
            np.where(queries.shown[:, side, :, None], self.values, base) for side in (0, 1))

    def perceived_returns(self, queries: Queries) -> tuple[FloatArray, FloatArray]:
        """Undiscounted perceived returns (R₁, R₂), each (N,)."""
        w1, w2 = self._step_weights(queries)
        return ((queries.first.features * w1).sum(axis=1).sum(axis=1),
                (queries.second.features * w2).sum(axis=1).sum(axis=1))

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments:
        n = len(queries)
        rat = self.rationality
        w1, w2 = self._step_weights(queries)
        f1, f2 = queries.first.features, queries.second.features
        r1, r2 = (f1 * w1).sum(axis=1).sum(axis=1), (f2 * w2).sum(axis=1).sum(axis=1)
        # draws made for every query in a fixed order, so answers depend only on (queries, rng)
        u_choice, u_mistake = rng.random(n), rng.random(n)

        steps = f1.shape[1]
        discount = rat.gamma ** np.arange(steps - 1, -1, -1)
        # sum over steps, then over features: equal returns compare equal (ties stay ties)
        m1 = np.einsum("nlk,l->nk", f1 * w1, discount).sum(axis=1)
        m2 = np.einsum("nlk,l->nk", f2 * w2, discount).sum(axis=1)
        diff = m2 - m1
        if np.isinf(rat.beta):
            answer = np.where(diff > 0, Answer.SECOND, np.where(diff < 0, Answer.FIRST, Answer.TIE))
        else:
            p_second = 1.0 / (1.0 + np.exp(-np.clip(rat.beta * diff, -500, 500)))
            answer = np.where(u_choice < p_second, Answer.SECOND, Answer.FIRST)
        decisive = answer != Answer.TIE
        flip = decisive & (u_mistake < rat.mistake)
        if rat.systematic > 0:  # drawn only then: other overseers' streams stay as they were
            flip |= _most_confident(np.where(decisive, np.abs(diff), -1.0), rat.systematic,
                                    rng.random())
        answer = np.where(flip, 1 - answer, answer)

        average = float(np.concatenate([r1, r2]).mean()) if n else 0.0
        if rat.equal > 0:
            answer = np.where(np.abs(r1 - r2) < rat.equal * abs(average), Answer.TIE, answer)
        if rat.skip > 0:  # a zero threshold must not skip pairs whose returns are negative
            answer = np.where(np.maximum(r1, r2) < rat.skip * average, Answer.SKIP, answer)
        if rat.abstain:
            answer = np.where(self.could_flip(queries, r1, r2), Answer.ABSTAIN, answer)
        return Judgments(answer.astype(np.int64), self.seconds(queries))

    def could_flip(self, queries: Queries, r1: FloatArray, r2: FloatArray) -> BoolArray:
        """True where the hidden features the overseer knows it cannot see (those with a seen
        cue) could reverse the order of (R₁, R₂) or break their tie. A shown step hides
        nothing; steps outside the overseer's attention are not watched, so cues there go
        unnoticed."""
        seen = self._seen(queries)
        hidden = (self.cue >= 0) & ~seen  # (N, K)
        cue_idx = np.where(self.cue >= 0, self.cue, 0)
        cue_seen = np.take_along_axis(seen, np.broadcast_to(cue_idx, seen.shape), axis=1)
        known_unknown = hidden & cue_seen
        watched = slice(0, self.view.attention)

        def fires(seg: Segments, side: int) -> FloatArray:  # (N, K) unresolved cue firings
            cue_on = seg.features[:, watched][:, :, cue_idx] != 0  # (N, L', K)
            return (cue_on & ~queries.shown[:, side, watched, None]).sum(axis=1)

        fires1, fires2 = fires(queries.first, 0), fires(queries.second, 1)
        down = np.minimum(self.values, 0.0) * known_unknown  # how far each can drop or rise
        up = np.maximum(self.values, 0.0) * known_unknown
        lo1, hi1 = r1 + (down * fires1).sum(1), r1 + (up * fires1).sum(1)
        lo2, hi2 = r2 + (down * fires2).sum(1), r2 + (up * fires2).sum(1)
        uncertain = (hi1 > lo1) | (hi2 > lo2)
        return uncertain & ~((lo1 > hi2) | (lo2 > hi1))


def _most_confident(strength: FloatArray, rate: float, u: float) -> BoolArray:
    """(N,) marks the entries with the largest non-negative strength, ⌊rate·D⌋ of them and one
    more if u < the remainder (D = how many are non-negative; ties broken by position): where a
    systematic overseer errs, rate·D of them in expectation."""
    eligible = strength >= 0
    expected = rate * int(eligible.sum())
    count = math.floor(expected) + int(u < expected - math.floor(expected))
    out = np.zeros(len(strength), dtype=bool)
    if count:
        order = np.argsort(-strength, kind="stable")
        out[order[:count]] = True
    return out & eligible

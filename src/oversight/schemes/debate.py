"""`debate`: two debaters argue each query before the overseer judges it (Irving et al. 2018).

For a pair of segments, the honest debater argues for the truly better one (the first when the
true returns are equal), the other debater for the opposite. They take turns, honest first, for
`rounds` turns in all; a turn shows the judge one step of either segment ("look at what happened
here"), a piece of verifiable evidence: every feature of that step, hidden ones included (what is
under the rug, whether that mushroom was toxic). A debater may also pass. The overseer then
judges the pair with what was shown and is paid for reading each piece (`seconds_per_evidence`).

Debaters know the judge: they evaluate a position by the verdict the overseer would give, the
sign of its perceived return difference, or no verdict where it would abstain.

    random   shows a uniformly random step of either segment (a control that knows nothing)
    greedy   shows the step that most increases its side's perceived margin, or passes
    minimax  game-tree search over the steps that can change the verdict (those where a
             feature the judge cannot see fired, or a cue of one did, or anything happened past
             what a time-pressed judge watches), memoised over the set shown, every final
             position evaluated in one batch; exact over those steps when there are at most
             `max_units` of them, otherwise over the `max_units` that move the judge's margin
             most when shown alone; past `max_positions` positions, flat Monte-Carlo search
             (each move scored by `simulations` random continuations)

Every judgment is recorded with its transcript (the steps shown), the side the honest
debater took, who won (the debater whose side the judge chose), and whether the judge's answer
matched the true preference.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge

from oversight.overseers.simulated import SimulatedOverseer
from oversight.protocols import Overseer
from oversight.schemes.rlhf import RLHF
from oversight.types import Answer, BoolArray, Budget, FloatArray, IntArray, Queries, RunResult
from oversight.worlds.engine import TabularWorld

DebaterKind = Literal["random", "greedy", "minimax"]
PASS = -1


def verdicts(judge: SimulatedOverseer, queries: Queries,
             abstains: bool) -> tuple[IntArray, FloatArray]:
    """(N,) the judge's verdict, +1 second / −1 first / 0 none, and (N,) its margin R₂ − R₁."""
    r1, r2 = judge.perceived_returns(queries)
    v = np.sign(r2 - r1).astype(np.int64)
    if abstains:
        v = np.where(judge.could_flip(queries, r1, r2), 0, v)
    return v, r2 - r1


@dataclass(frozen=True)
class Debate:
    rlhf: RLHF = field(default_factory=RLHF)
    rounds: Annotated[int, Ge(0)] = 4
    debaters: DebaterKind = "minimax"
    max_units: Annotated[int, Ge(1)] = 10
    max_positions: Annotated[int, Ge(1)] = 4096
    simulations: Annotated[int, Ge(1)] = 16

    def run(self, world: TabularWorld, overseer: Overseer, budget: Budget,
            rng: np.random.Generator) -> RunResult:
        judge = _judge_model(overseer)
        abstains = judge.rationality.abstain
        hidden = ~(judge.view.visible | judge.view.inspects)
        cued = np.array([world.feature_index(c) for h, c in world.cues.items()
                         if hidden[world.feature_index(h)]], dtype=np.int64)

        def assist(queries: Queries, rng: np.random.Generator) -> Queries:
            return self.debate(queries, world.w_true, judge, abstains, hidden, cued, rng)

        result = self.rlhf.run(world, overseer, budget, rng, assist)
        if result.artefacts["history"] is None:
            return result
        asked, judgments = result.artefacts["history"]
        honest = _honest_side(asked, world.w_true)
        truth = np.sign(asked.second.returns(world.w_true) - asked.first.returns(world.w_true))
        answer = judgments.answer
        sided = np.where(answer == Answer.SECOND, 1, np.where(answer == Answer.FIRST, -1, 0))
        winner = np.where(sided == 0, "none", np.where(sided == honest, "honest", "dishonest"))
        strict = truth != 0
        metrics = result.metrics | {
            "debate_judge_accuracy": float((sided == truth)[strict].mean()) if strict.any()
            else math.nan,
            "debate_honest_win_rate": float((winner == "honest").mean()),
            "debate_evidence_per_query": float(asked.shown.sum(axis=(1, 2)).mean()),
        }
        log = result.judgments | {"detail": [
            json.dumps({"honest": "second" if h > 0 else "first", "winner": str(w),
                        "correct": bool(s == t), "shown": np.argwhere(m).tolist()})
            for h, w, s, t, m in zip(honest, winner, sided, truth, asked.shown, strict=True)]}
        return RunResult(metrics, result.curves, log, result.artefacts)

    def debate(self, queries: Queries, w_true: FloatArray, judge: SimulatedOverseer, abstains: bool,
               hidden: BoolArray, cued: IntArray, rng: np.random.Generator) -> Queries:
        """The queries with each one's debate transcript shown: (N, 2, L) steps."""
        honest = _honest_side(queries, w_true)
        shown = queries.shown.copy()
        for i in range(len(queries)):
            one = queries.take(np.array([i]))
            for unit in self._transcript(one, int(honest[i]), judge, abstains, hidden, cued,
                                         rng):
                if unit != PASS:
                    shown[i, unit // one.first.length, unit % one.first.length] = True
        return queries.with_shown(shown)

    def _transcript(self, one: Queries, honest: int, judge: SimulatedOverseer, abstains: bool,
                    hidden: BoolArray, cued: IntArray, rng: np.random.Generator) -> list[int]:
        """The units shown in one debate, in order; a unit is side·L + step, or PASS."""
        length = one.first.length
        if self.debaters == "random":
            order = rng.permutation(2 * length)
            return [int(u) for u in order[: self.rounds]]
        units = _relevant_units(one, hidden, cued, judge.view.attention)
        game = _Game(one, units, judge, abstains, honest, self.rounds)
        if len(units) > self.max_units:  # search the units that move the judge most alone
            _, margin = game.evaluate([frozenset(), *(frozenset([m]) for m in range(len(units)))])
            keep = np.argsort(-np.abs(margin[1:] - margin[0]), kind="stable")[: self.max_units]
            units = [units[m] for m in sorted(keep.tolist())]
            game = _Game(one, units, judge, abstains, honest, self.rounds)
        moves: list[int] = []
        for turn in range(self.rounds):
            sign = 1 if turn % 2 == 0 else -1  # honest maximises honest-signed verdicts
            if self.debaters == "greedy":
                move = game.greedy(moves, sign)
            elif game.positions() <= self.max_positions:
                move = game.minimax_move(moves, turn, sign)
            else:
                move = game.monte_carlo_move(moves, turn, sign, self.simulations, rng)
            moves.append(move)
        return [units[m] if m != PASS else PASS for m in moves]


class _Game:
    """One debate over the relevant units of one query, scored from the honest side."""

    def __init__(self, one: Queries, units: list[int], judge: SimulatedOverseer, abstains: bool,
                 honest: int, rounds: int) -> None:
        self.one, self.units, self.judge, self.abstains = one, units, judge, abstains
        self.honest, self.rounds = honest, rounds
        self.length = one.first.length
        self.value = functools.cache(self._value)
        self.leaves: dict[frozenset[int], int] = {}

    def positions(self) -> int:
        return sum(math.comb(len(self.units), k) for k in range(min(self.rounds,
                                                                    len(self.units)) + 1))

    def evaluate(self, shown_sets: list[frozenset[int]]) -> tuple[IntArray, FloatArray]:
        """Honest-signed verdicts and margins of the judge for each set of shown units."""
        n = len(shown_sets)
        batch = self.one.take(np.zeros(n, dtype=np.int64))
        shown = batch.shown.copy()
        for row, s in enumerate(shown_sets):
            for m in s:
                u = self.units[m]
                shown[row, u // self.length, u % self.length] = True
        v, margin = verdicts(self.judge, batch.with_shown(shown), self.abstains)
        return v * self.honest, margin * self.honest

    def _value(self, shown: frozenset[int], turn: int) -> int:
        """Minimax value (honest-signed verdict) of a position: the set shown, whose turn."""
        if turn == self.rounds:
            if not self.leaves:  # every final position at once, in one batch
                sets = [frozenset(c) for k in range(min(self.rounds, len(self.units)) + 1)
                        for c in itertools.combinations(range(len(self.units)), k)]
                self.leaves = dict(zip(sets, self.evaluate(sets)[0].tolist(), strict=True))
            return self.leaves[shown]
        best_possible = 1 if turn % 2 == 0 else -1  # verdicts are −1, 0 or +1: stop there
        pick = max if turn % 2 == 0 else min
        value = self.value(shown, turn + 1)  # passing
        for m in range(len(self.units)):
            if value == best_possible:
                break
            if m not in shown:
                value = pick(value, self.value(shown | {m}, turn + 1))
        return value

    def minimax_move(self, moves: list[int], turn: int, sign: int) -> int:
        shown = frozenset(m for m in moves if m != PASS)
        best, best_move = -2, PASS  # prefer passing among equals: evidence costs the judge
        for m in [PASS, *(m for m in range(len(self.units)) if m not in shown)]:
            after = shown if m == PASS else shown | {m}
            score = sign * self.value(after, turn + 1)
            if score > best:
                best, best_move = score, m
        return best_move

    def greedy(self, moves: list[int], sign: int) -> int:
        shown = frozenset(m for m in moves if m != PASS)
        candidates = [m for m in range(len(self.units)) if m not in shown]
        v, margin = self.evaluate([shown, *(shown | {m} for m in candidates)])
        score = sign * (10.0 * v + np.tanh(margin))  # the verdict first, then the margin
        best = int(np.argmax(score))
        return PASS if best == 0 or score[best] <= score[0] else candidates[best - 1]

    def monte_carlo_move(self, moves: list[int], turn: int, sign: int, simulations: int,
                         rng: np.random.Generator) -> int:
        shown = frozenset(m for m in moves if m != PASS)
        left = [m for m in range(len(self.units)) if m not in shown]
        best, best_move = -math.inf, PASS
        for m in [PASS, *left]:
            start = shown if m == PASS else shown | {m}
            rest = [u for u in left if u not in start]
            ends = []
            for _ in range(simulations):
                k = int(rng.integers(0, min(len(rest), self.rounds - turn - 1) + 1))
                ends.append(start | set(rng.choice(rest, size=k, replace=False).tolist()))
            score = sign * float(self.evaluate(ends)[0].mean())
            if score > best:
                best, best_move = score, m
        return best_move


def _relevant_units(one: Queries, hidden: BoolArray, cued: IntArray,
                    attention: int | None) -> list[int]:
    """Units (side·L + step) where showing the step can change the judge's view: a feature it
    cannot see fired there, or a cue of one did (showing it settles a known unknown), or any
    feature did past the steps the judge watches."""
    units = []
    for side, seg in enumerate((one.first, one.second)):
        f = seg.features[0] != 0  # (L, K)
        fired = f[:, hidden].any(axis=1) | f[:, cued].any(axis=1)
        if attention is not None:
            fired[attention:] |= f[attention:].any(axis=1)
        units += [side * seg.length + int(t) for t in np.flatnonzero(fired)]
    return units


def _honest_side(queries: Queries, w_true: FloatArray) -> IntArray:
    """(N,) +1 where the honest debater argues for the second segment, −1 for the first."""
    return np.where(queries.second.returns(w_true) > queries.first.returns(w_true), 1, -1)


def _judge_model(overseer: Overseer) -> SimulatedOverseer:
    """The debaters' model of the judge: the overseer's simulation (the simulated overseer
    itself)."""
    model = overseer.simulation
    if model is None:
        raise ValueError(f"debate needs a model of its judge; overseer {overseer.name!r} is not "
                         f"a simulated one (debaters search against a simulated overseer)")
    return model



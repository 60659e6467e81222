"""The lab's data: frozen dataclasses shared by worlds, overseers, learners and schemes.

Batches are arrays with a leading batch axis (N segments, N queries), so a simulated overseer and
a human queue answer the same shapes. Vocabulary as in DESIGN.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Answer(IntEnum):
    """An overseer's answer to a pair query."""

    FIRST = 0  # the first segment is better
    SECOND = 1  # the second segment is better
    TIE = 2  # equally good (trained on as a 0.5/0.5 target)
    ABSTAIN = 3  # "don't know": what I cannot see could flip my answer
    SKIP = 4  # B-Pref skip teacher: neither segment is worth judging (budget still spent)


@dataclass(frozen=True)
class View:
    """What an overseer sees of a segment (overseers/simulated.py).

    visible: (K,) features seen unaided; inspects: (K,) hidden features the overseer checks
    itself, paying seconds per piece of evidence (an expert lifting the rug); features revealed
    by a scheme for a query are seen too. attention: how many steps of each segment it watches
    (the first ones); None = all."""

    visible: BoolArray
    inspects: BoolArray
    attention: int | None = None

    def __post_init__(self) -> None:
        if self.attention is not None and (not isinstance(self.attention, int)
                                           or self.attention < 1):
            raise ValueError(f"attention must be a whole number of steps >= 1, "
                             f"got {self.attention!r}")


@dataclass(frozen=True)
class Segments:
    """A batch of N trajectory slices of L steps each.

    states, actions: (N, L) ints; features: (N, L, K) the named features φ of each step;
    level: (N,) index of the level (initial state) the episode started in.
    """

    level: IntArray
    states: IntArray
    actions: IntArray
    features: FloatArray

    def __len__(self) -> int:
        return int(self.states.shape[0])

    @property
    def length(self) -> int:
        return int(self.states.shape[1])

    def take(self, index: IntArray) -> Segments:
        return Segments(
            self.level[index], self.states[index], self.actions[index], self.features[index]
        )

    @staticmethod
    def concat(a: Segments, b: Segments) -> Segments:
        return Segments(*(np.concatenate([x, y]) for x, y in zip(
            (a.level, a.states, a.actions, a.features),
            (b.level, b.states, b.actions, b.features), strict=True)))

    def returns(self, weights: FloatArray) -> FloatArray:
        """Undiscounted return of each segment under a weight vector over features: (N,)."""
        return self.features.sum(axis=1) @ weights


@dataclass(frozen=True)
class Queries:
    """N pair queries: is `first[i]` or `second[i]` better?

    revealed: (N, K) bool, features whose values a scheme has revealed to the overseer as
    verifiable evidence for that query, in both segments (someone lifted the rug throughout).
    shown: (N, 2, L) bool, single steps of the first (0) and second (1) segment whose every
    feature was shown as a piece of verifiable evidence (a debater or an assistant pointing at
    "what happened here"). Plain RLHF reveals and shows nothing.
    """

    first: Segments
    second: Segments
    revealed: BoolArray
    shown: BoolArray

    def __len__(self) -> int:
        return len(self.first)

    @staticmethod
    def pairs(first: Segments, second: Segments) -> Queries:
        n, k = len(first), first.features.shape[2]
        return Queries(first, second, np.zeros((n, k), dtype=bool),
                       np.zeros((n, 2, first.length), dtype=bool))

    def take(self, index: IntArray) -> Queries:
        return Queries(self.first.take(index), self.second.take(index), self.revealed[index],
                       self.shown[index])

    def with_shown(self, shown: BoolArray) -> Queries:
        return Queries(self.first, self.second, self.revealed, shown)

    @staticmethod
    def concat(a: Queries, b: Queries) -> Queries:
        return Queries(Segments.concat(a.first, b.first), Segments.concat(a.second, b.second),
                       np.concatenate([a.revealed, b.revealed]),
                       np.concatenate([a.shown, b.shown]))


@dataclass(frozen=True)
class Judgments:
    """The answers to N queries: answer (N,) of Answer codes, seconds (N,) the overseer spent.

    questions (N,): how many questions the overseer answered to produce each judgment (1 for a
    direct judgment; amplification decomposes one query into several); None means all 1.
    """

    answer: IntArray
    seconds: FloatArray
    questions: IntArray | None = None

    def __len__(self) -> int:
        return int(self.answer.shape[0])

    @property
    def asked(self) -> IntArray:
        """(N,) questions put to the overseer per judgment: what a label budget counts."""
        return np.ones_like(self.answer) if self.questions is None else self.questions

    def take(self, index: IntArray) -> Judgments:
        q = None if self.questions is None else self.questions[index]
        return Judgments(self.answer[index], self.seconds[index], q)

    @staticmethod
    def concat(a: Judgments, b: Judgments) -> Judgments:
        q = None if a.questions is None and b.questions is None else np.concatenate(
            [a.asked, b.asked])
        return Judgments(np.concatenate([a.answer, b.answer]),
                         np.concatenate([a.seconds, b.seconds]), q)


BudgetKind = Literal["labels", "seconds", "money"]


@dataclass(frozen=True)
class Budget:
    """What an arm may spend on overseer judgments: a number of labels, overseer-seconds or
    money (in the overseer's wage currency). Every judgment asked is charged, abstentions and
    skips included, so arms with different schemes and overseers are comparable."""

    kind: BudgetKind
    amount: float

    def charge(self, seconds: FloatArray, wage_per_hour: float,
               questions: IntArray | None = None) -> FloatArray:
        """Cost of each judgment in this budget's unit: (N,). questions (N,): overseer answers
        behind each judgment (default 1), what a label budget counts."""
        match self.kind:
            case "labels":
                return np.ones_like(seconds) if questions is None else questions.astype(float)
            case "seconds":
                return seconds
            case "money":
                return seconds * wage_per_hour / 3600.0


@dataclass(frozen=True)
class Spend:
    """Running totals of what a run has spent on its overseer."""

    labels: int = 0
    seconds: float = 0.0
    money: float = 0.0

    def add(self, judgments: Judgments, wage_per_hour: float) -> Spend:
        s = float(judgments.seconds.sum())
        return Spend(self.labels + int(judgments.asked.sum()), self.seconds + s,
                     self.money + s * wage_per_hour / 3600)

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.labels + other.labels, self.seconds + other.seconds,
                     self.money + other.money)

    def used(self, kind: BudgetKind) -> float:
        return {"labels": float(self.labels), "seconds": self.seconds, "money": self.money}[kind]


@dataclass(frozen=True)
class RunResult:
    """What one run (scheme × overseer × world × budget × seed) produced."""

    metrics: dict[str, float]
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    # every judgment asked, one list per column: round, first_start, first_actions,
    # second_start, second_actions (actions as digit strings), overseer, answer, seconds
    judgments: dict[str, list[Any]] = field(default_factory=dict)
    # in-process only (never stored): the final policy, reward model, and every query asked with
    # its judgment, for analyses that run after the scheme (analysis/failures.py, ...)
    artefacts: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PairTexts:
    """The texts behind N text queries (worlds/text/: a segment is a prompt and a completion,
    whose text its Segments do not carry): per query the prompt as the model saw it, the prompt
    as a lay rater is shown it (`Prompt.lay_text`), and the first and second completions. Only
    an overseer that reads text (protocols.ReadsTexts: people on the labelling page) is handed
    them; simulated overseers judge from the features."""

    prompts: tuple[str, ...]
    lay_prompts: tuple[str, ...]
    first: tuple[str, ...]
    second: tuple[str, ...]

    def __post_init__(self) -> None:
        sizes = {len(self.prompts), len(self.lay_prompts), len(self.first), len(self.second)}
        if len(sizes) != 1:
            raise ValueError(f"PairTexts: prompts, lay_prompts, first and second differ in "
                             f"length ({len(self.prompts)}, {len(self.lay_prompts)}, "
                             f"{len(self.first)}, {len(self.second)})")

    def __len__(self) -> int:
        return len(self.prompts)

    def take(self, index: IntArray) -> PairTexts:
        pick = [int(i) for i in index]
        return PairTexts(tuple(self.prompts[i] for i in pick),
                         tuple(self.lay_prompts[i] for i in pick),
                         tuple(self.first[i] for i in pick), tuple(self.second[i] for i in pick))

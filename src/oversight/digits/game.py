"""The debate game on one image, batched over many (image, lie) games.

Precommit: the honest debater claims the true label, the liar one other label. Then the debaters
alternately reveal pixels, `first` moving first, k reveals in all; only the image's non-zero
pixels may be revealed, never one already revealed, and a revealed pixel shows its true value.
The judge sees the revealed SET (order is lost) and picks whichever claimed label it scores higher.

Margin m = score[liar's label] − score[honest label]. Verdicts:
- standard judge: the liar wins iff m > 0 (an exact tie goes to the honest label);
- abstaining judge (threshold τ > 0): abstains iff |m| < τ, else the liar wins iff m > 0.
The liar wins an image if ANY of its nine lies wins; under the abstaining judge an image not lost
is abstained on if any lie drew an abstention, and won by the honest debater otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from oversight.digits.data import N_LABELS, Digits
from oversight.digits.judge import Judge, random_reveals
from oversight.types import BoolArray, FloatArray, IntArray

First = Literal["honest", "liar"]
N_LIES = N_LABELS - 1

HONEST, LIAR, ABSTAIN = 0, 1, 2  # verdict codes


@dataclass(frozen=True)
class Games:
    """G debate games. values: (G, 64) true intensities; legal: (G, 64) the revealable (non-zero)
    pixels; honest, liar: (G,) the two precommitted labels; k reveals; `first` moves first."""

    values: FloatArray
    legal: BoolArray
    honest: IntArray
    liar: IntArray
    k: int
    first: First

    def __len__(self) -> int:
        return len(self.honest)

    def take(self, index: IntArray) -> Games:
        """The games at `index` (an (M,) array of game numbers)."""
        return Games(self.values[index], self.legal[index], self.honest[index], self.liar[index],
                     self.k, self.first)

    def liar_moves(self, depth: int) -> bool:
        """Whether the liar makes reveal number `depth` (0-based)."""
        return (depth % 2 == 0) == (self.first == "liar")

    def margins(self, judge: Judge, revealed: BoolArray) -> FloatArray:
        """(G,) m = score[liar] − score[honest] for the revealed masks (G, 64)."""
        s = judge.scores(revealed, self.values)
        rows = np.arange(len(self))
        return s[rows, self.liar] - s[rows, self.honest]


class Debater(Protocol):
    """Chooses the next reveal in every game where it is to move (batch-shaped)."""

    def choose(self, games: Games, revealed: BoolArray, depth: int, judge: Judge,
               rng: np.random.Generator) -> IntArray:
        """(G,) pixel indices, each legal and not yet revealed in its game's mask (G, 64)."""
        ...


@dataclass(frozen=True)
class Played:
    """What happened: order (G, k) pixels in reveal order; revealed (G, 64) final masks;
    margin (G,) the judge's final m."""

    order: IntArray
    revealed: BoolArray
    margin: FloatArray


def all_lies(digits: Digits, k: int, first: First) -> Games:
    """Nine games per image, image-major: game 9·i + j has image i lie about its j-th other
    label (ascending)."""
    n = len(digits)
    labels = np.arange(N_LABELS)
    others = np.stack([np.delete(labels, y) for y in range(N_LABELS)])[digits.labels]  # (n, 9)
    rep = np.repeat(np.arange(n), N_LIES)
    return Games(digits.images[rep], digits.nonzero[rep], digits.labels[rep],
                 others.reshape(-1), k, first)


def play(games: Games, judge: Judge, honest: Debater, liar: Debater,
         rng: np.random.Generator) -> Played:
    """Play every game to k reveals; the rules are enforced here, not trusted to the debaters."""
    revealed = np.zeros_like(games.legal)
    order = np.zeros((len(games), games.k), dtype=np.int64)
    rows = np.arange(len(games))
    for depth in range(games.k):
        mover = liar if games.liar_moves(depth) else honest
        pixel = np.asarray(mover.choose(games, revealed, depth, judge, rng), dtype=np.int64)
        if not np.all(games.legal[rows, pixel] & ~revealed[rows, pixel]):
            raise ValueError(f"illegal reveal at depth {depth}")
        revealed[rows, pixel] = True
        order[:, depth] = pixel
    return Played(order, revealed, games.margins(judge, revealed))


def verdicts(margin: FloatArray, threshold: float = 0.0) -> IntArray:
    """Codes HONEST / LIAR / ABSTAIN for margins of any shape (see the module docstring)."""
    out = np.where(margin > 0, LIAR, HONEST)
    if threshold > 0:
        out = np.where(np.abs(margin) < threshold, ABSTAIN, out)
    return out.astype(np.int64)


def image_verdicts(lie_verdicts: IntArray) -> IntArray:
    """(N,) one verdict per image from (N, 9) per-lie verdicts: LIAR if any lie won, else
    ABSTAIN if any lie drew an abstention, else HONEST."""
    return np.where((lie_verdicts == LIAR).any(axis=1), LIAR,
                    np.where((lie_verdicts == ABSTAIN).any(axis=1), ABSTAIN, HONEST))


def random_second_label(digits: Digits, judge: Judge, rng: np.random.Generator,
                        draws: int = 1) -> FloatArray:
    """The no-debate control: per (image, draw), margins (N·draws,) between one uniformly random
    other label and the true label on k random non-zero pixels (> 0: the judge picks wrongly)."""
    images = np.repeat(digits.images, draws, axis=0)
    truth = np.repeat(digits.labels, draws)
    other = (truth + rng.integers(1, N_LABELS, size=len(truth))) % N_LABELS
    mask = random_reveals(images > 0, judge.training.k, rng)
    games = Games(images, images > 0, truth, other, judge.training.k, "honest")
    return games.margins(judge, mask)

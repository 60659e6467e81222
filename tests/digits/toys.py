"""Hand-written judges with known outputs, duck-typed like `oversight.digits.judge.Judge`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SetScore = Callable[[frozenset[int]], np.ndarray]


@dataclass(frozen=True)
class ToyJudge:
    """Logits (10,) of a revealed set from a plain Python function of the set."""

    score: SetScore

    def scores(self, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.stack([self.score(frozenset(np.flatnonzero(m).tolist())) for m in mask])

    def completion_scores(self, values: np.ndarray, base: np.ndarray,
                          added: np.ndarray) -> np.ndarray:
        masks = np.repeat(base[None], len(added), axis=0)
        masks[np.repeat(np.arange(len(added)), added.shape[1]), added.reshape(-1)] = True
        return self.scores(masks, np.broadcast_to(values, masks.shape))


def margin_judge(margin: Callable[[frozenset[int]], float], honest: int = 0,
                 liar: int = 1) -> ToyJudge:
    """score[liar] − score[honest] = margin(set); every other label far below both."""

    def score(s: frozenset[int]) -> np.ndarray:
        out = np.full(10, -100.0)
        out[honest], out[liar] = 0.0, margin(s)
        return out

    return ToyJudge(score)


def image(pixels: list[int], label: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """values (64,) with intensity 0.5 at `pixels`, and the legal mask (64,)."""
    values = np.zeros(64)
    values[pixels] = 0.5
    return values, values > 0

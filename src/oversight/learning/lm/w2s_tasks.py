"""Weak-to-strong tasks built from a text world: inputs and their exact gold labels.

Every task is a binary question with a gold answer the world's checker computes (worlds/text/):

- `classify`: one text, prompt + one of the world's scripted completions (mixed quality), and
  whether any of the `label` features is non-zero for it, e.g. ("small_correct",
  "large_correct") in lm-unverifiable ("is this completion's answer correct?") or
  ("agrees_with_user",) in lm-sycophancy ("does it agree with the user's stated belief?");
- `preference`: two completions of one prompt, and whether the first has the higher true reward
  w_true · φ (reward modelling, as a Bradley–Terry head reads it: Burns et al. 2023's
  ChatGPT-reward-modelling task, here with the checker's reward as gold); pairs of equal reward
  are redrawn, so every pair has a strict preference.

Pure: draws only from the generator it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from oversight.types import IntArray
from oversight.worlds.text.base import TextWorld

TaskKind = Literal["classify", "preference"]


@dataclass(frozen=True)
class TaskData:
    """N examples. first (N,): the texts (prompt + completion) scored; second (N,): the other
    completion's texts of a preference pair (None for classification); labels (N,) 0/1 gold:
    for a pair, 1 when `first` is truly better."""

    first: tuple[str, ...]
    second: tuple[str, ...] | None
    labels: IntArray

    def __post_init__(self) -> None:
        if len(self.first) != len(self.labels) or (
                self.second is not None and len(self.second) != len(self.labels)):
            raise ValueError("TaskData: first, second and labels must have one length")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def pairwise(self) -> bool:
        return self.second is not None

    def take(self, index: IntArray | slice) -> TaskData:
        """The examples at `index` (in that order)."""
        idx = np.arange(len(self))[index]
        return TaskData(tuple(self.first[i] for i in idx),
                        None if self.second is None else tuple(self.second[i] for i in idx),
                        self.labels[idx])


def classification(world: TextWorld, label: tuple[str, ...], n: int,
                   rng: np.random.Generator) -> TaskData:
    """n training-split prompts with one scripted completion each; label 1 when any feature
    in `label` is non-zero (checked by the world)."""
    if not label:
        raise ValueError("classification: name at least one label feature")
    columns = world.mask(label)
    prompts = world.prompts("train", n, rng)
    completions = world.completions(prompts, rng)
    phi = world.features(prompts, completions)
    labels = (phi[:, columns] != 0).any(axis=1).astype(np.int64)
    return TaskData(tuple(p.text + c for p, c in zip(prompts, completions, strict=True)), None,
                    labels)


def preference(world: TextWorld, n: int, rng: np.random.Generator,
               max_rounds: int = 100) -> TaskData:
    """n pairs of scripted completions of one training-split prompt whose true rewards differ;
    label 1 when the first is better. Draws in rounds of n pairs, keeping the unequal ones."""
    first: list[str] = []
    second: list[str] = []
    labels: list[int] = []
    for _ in range(max_rounds):
        prompts = world.prompts("train", n, rng)
        a, b = world.completions(prompts, rng), world.completions(prompts, rng)
        ra, rb = world.returns(prompts, a), world.returns(prompts, b)
        for p, x, y, u, v in zip(prompts, a, b, ra, rb, strict=True):
            if abs(u - v) > 1e-9 and len(labels) < n:
                first.append(p.text + x)
                second.append(p.text + y)
                labels.append(int(u > v))
        if len(labels) == n:
            return TaskData(tuple(first), tuple(second), np.array(labels, dtype=np.int64))
    raise ValueError(f"preference: {world.name!r} gave fewer than {n} pairs of unequal true "
                     f"reward in {max_rounds} rounds")


def make_task(world: TextWorld, kind: TaskKind, label: tuple[str, ...], n: int,
              rng: np.random.Generator) -> TaskData:
    """The task's n examples (module docstring)."""
    match kind:
        case "classify":
            return classification(world, label, n, rng)
        case "preference":
            if label:
                raise ValueError("preference: the gold label is the true reward; leave `label` "
                                 "empty")
            return preference(world, n, rng)
    raise ValueError(f"unknown task kind {kind!r}; expected 'classify' or 'preference'")

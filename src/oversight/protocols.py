"""The lab's extension points: small, batch-shaped Protocols (DESIGN.md §4).

A simulated overseer and a human queue satisfy the same `Overseer`; a scheme is anything that
turns a world, an overseer and a budget into a run result. Implementations are frozen dataclasses
chosen by a `match` on configuration, not registered plugins.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from oversight.types import Budget, FloatArray, Judgments, Queries, RunResult
from oversight.worlds.engine import TabularWorld


class Overseer(Protocol):
    """Answers batches of pair queries and says what each answer costs."""

    @property
    def name(self) -> str: ...

    @property
    def wage_per_hour(self) -> float: ...

    def seconds(self, queries: Queries) -> FloatArray:
        """(N,) seconds each query will take to judge (charged to the budget when asked)."""
        ...

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments: ...


class Scheme(Protocol):
    """Turns overseer judgments into a trained policy, spending at most the budget."""

    def run(
        self,
        world: TabularWorld,
        overseer: Overseer,
        budget: Budget,
        rng: np.random.Generator,
    ) -> RunResult: ...

"""The lab's extension points: small, batch-shaped Protocols (DESIGN.md §4).

A simulated overseer and a human queue satisfy the same `Overseer`; a scheme is anything that
turns a world, an overseer and a budget into a run result. The core imports no world: `World` says
what every world (tabular or Gymnasium) tells the rest of the lab. Implementations are frozen
dataclasses chosen by a `match` on configuration (or an import reference), not registered plugins.

What a scheme may read of an overseer is exactly what `Overseer` declares. Where an overseer
cannot say (a person's values and view are unknown), the member is None and the scheme must treat
the quantity as not measured, never substitute the true reward for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import numpy as np

from oversight.types import (
    BoolArray,
    Budget,
    FloatArray,
    IntArray,
    Judgments,
    PairTexts,
    Queries,
    RunResult,
    View,
)

if TYPE_CHECKING:
    from oversight.overseers.simulated import SimulatedOverseer


class World(Protocol):
    """What every world tells schemes, overseers and metrics (worlds/engine.py's TabularWorld,
    worlds/gym_adapter.py's GymWorld): K named features and weights over them."""

    @property
    def name(self) -> str: ...

    @property
    def feature_names(self) -> tuple[str, ...]: ...

    @property
    def w_true(self) -> FloatArray:
        """(K,) the true reward's weights: reward = w_true · φ per step."""
        ...

    @property
    def specified_weights(self) -> FloatArray:
        """(K,) the reward a designer would have written down (w_spec, else w_true)."""
        ...

    @property
    def lay_visible(self) -> BoolArray:
        """(K,) features a lay overseer sees unaided."""
        ...

    @property
    def horizon(self) -> int: ...

    @property
    def n_features(self) -> int: ...


class Overseer(Protocol):
    """Answers batches of pair queries and says what each answer costs.

    Besides answering, an overseer declares what a scheme may know about it: how many questions a
    judgment puts to it, and, where known, its view and values. A simulated overseer knows them;
    a person behind the label queue does not (None)."""

    @property
    def name(self) -> str: ...

    @property
    def wage_per_hour(self) -> float: ...

    def seconds(self, queries: Queries) -> FloatArray:
        """(N,) seconds each query will take to judge (charged to the budget when asked)."""
        ...

    def questions(self, queries: Queries) -> IntArray | None:
        """(N,) questions behind each judgment (what a label budget counts); None: one each."""
        ...

    @property
    def view(self) -> View | None:
        """What it sees unaided, inspects itself and attends to; None when unknown."""
        ...

    @property
    def values(self) -> FloatArray | None:
        """(K,) its weights over the features; None when unknown."""
        ...

    @property
    def perceived_weights(self) -> FloatArray | None:
        """(K,) weights of its perceived reward (its values on what it sees); None when unknown:
        then perceived returns and deception are not measured."""
        ...

    @property
    def simulation(self) -> SimulatedOverseer | None:
        """A simulation of this overseer that a scheme may query freely, uncharged (debaters
        search against their judge with it); None when there is none (a person)."""
        ...

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments: ...


@runtime_checkable
class ReadsTexts(Protocol):
    """An overseer that reads the texts of text queries (people on the labelling page), where
    a simulated overseer judges from the features alone: a language-model scheme hands it the
    prompt and both completions of each query (types.PairTexts) instead of calling `judge`."""

    def judge_texts(self, queries: Queries, texts: PairTexts, rng: np.random.Generator
                    ) -> Judgments: ...


W_contra = TypeVar("W_contra", bound=World, contravariant=True)


class Scheme(Protocol[W_contra]):
    """Turns overseer judgments into a trained policy, spending at most the budget. Generic in
    the worlds it runs on (`Scheme[TabularWorld]` for the tabular schemes)."""

    def run(
        self,
        world: W_contra,
        overseer: Overseer,
        budget: Budget,
        rng: np.random.Generator,
    ) -> RunResult: ...

"""Finite-horizon tabular worlds: enumerable states, deterministic transitions, named features.

A world is written as a plain `step(state, action) -> (next_state, features)` function over
hashable state keys plus its training and deployment start states. `build` enumerates every state
reachable from any start (breadth-first, once, at construction) into arrays:

    next_state[s, a]   (S, A) int       the transition tensor, stored as the index of the one
                                        successor (transitions are deterministic; randomness
                                        lives in the level distribution)
    features[s, a, k]  (S, A, K) float  the named features φ of taking a in s
    w_true             (K,)             the true reward is features @ w_true; learners never see it

Every episode lasts exactly `horizon` steps (no terminations: a finished task is an absorbing
state, or idling, with zero features), as in the preference literature, so episode length
leaks nothing.
Planning and evaluation on these arrays are exact and vectorised (learning/planning.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from oversight.types import BoolArray, FloatArray, IntArray

Split = Literal["train", "deploy"]
StepFn = Callable[[Hashable, int], tuple[Hashable, dict[str, float]]]
RenderFn = Callable[[Hashable, bool], list[str]]


@dataclass(frozen=True, eq=False)  # identity equality: worlds are built once and cached
class TabularWorld:
    """A built tabular world (see module docstring for the array shapes).

    lay_visible: (K,) features a lay overseer sees unaided (a camera view).
    revealable: (K,) features hidden from the lay view that verifiable evidence can reveal
        (lifting the rug, a lab test); an expert inspects them itself, at a cost in time.
    cues: hidden feature -> visible feature that marks where it *could* be non-zero. A cue makes
        the blind spot a known unknown (the overseer sees someone eat, cannot see if it was
        toxic) and lets an abstaining overseer say "don't know"; a hidden feature without a cue
        is an unknown unknown (dirt under a rug looks like a clean floor).
    catastrophe: the feature whose expected count per episode is the hazard / catastrophe rate.
    render: state key, reveal -> rows of characters; reveal=False draws the lay camera view.
    w_spec: (K,) the reward a designer would have written down (the "reward function" of the AI
        safety gridworlds, as opposed to w_true, their hidden performance function); w_true when
        the world has no gap between the two.
    situation: state key -> a label of the kind of situation the state's level poses (e.g.
        "console unguarded"); levels with equal labels are alike for failure analysis.
    """

    name: str
    feature_names: tuple[str, ...]
    w_true: FloatArray
    action_names: tuple[str, ...]
    horizon: int
    states: tuple[Hashable, ...]
    next_state: IntArray
    features: FloatArray
    train_levels: IntArray
    deploy_levels: IntArray
    lay_visible: BoolArray
    revealable: BoolArray
    cues: dict[str, str]
    catastrophe: str | None
    render: RenderFn = field(repr=False, compare=False)
    description: str = ""
    w_spec: FloatArray | None = None
    situation: Callable[[Hashable], str] = field(default=lambda s: "", repr=False)

    @property
    def specified_weights(self) -> FloatArray:
        return self.w_true if self.w_spec is None else self.w_spec

    @property
    def n_states(self) -> int:
        return int(self.next_state.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.next_state.shape[1])

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def feature_index(self, name: str) -> int:
        return self.feature_names.index(name)

    def mask(self, names: Sequence[str]) -> BoolArray:
        unknown = set(names) - set(self.feature_names)
        if unknown:
            raise ValueError(
                f"world {self.name!r} has no feature(s) {sorted(unknown)}; "
                f"its features are {list(self.feature_names)}"
            )
        return np.isin(np.array(self.feature_names), list(names))

    def levels(self, split: Split) -> IntArray:
        return self.train_levels if split == "train" else self.deploy_levels

    def initial_distribution(self, split: Split) -> FloatArray:
        """(S,) probability of starting in each state: uniform over the split's levels."""
        d = np.zeros(self.n_states)
        np.add.at(d, self.levels(split), 1.0)
        return d / d.sum()

    def reward_table(self, weights: FloatArray) -> FloatArray:
        """(S, A) reward of every state-action under a weight vector over features."""
        return self.features @ weights

    def ascii(self, state: int, reveal: bool = True) -> str:
        return "\n".join(self.render(self.states[state], reveal))

    def rgb(self, state: int, reveal: bool = True, cell: int = 16) -> np.ndarray:
        """An (rows*cell, cols*cell, 3) uint8 frame of the state, for reports and labelling."""
        from oversight.worlds.grid import ascii_to_rgb

        return ascii_to_rgb(self.render(self.states[state], reveal), cell)


def build(
    *,
    name: str,
    step: StepFn,
    feature_names: Sequence[str],
    w_true: dict[str, float],
    action_names: Sequence[str],
    horizon: int,
    train_starts: Sequence[Hashable],
    deploy_starts: Sequence[Hashable],
    lay_visible: Sequence[str],
    revealable: Sequence[str],
    cues: dict[str, str],
    catastrophe: str | None,
    render: RenderFn,
    description: str = "",
    w_spec: dict[str, float] | None = None,
    situation: Callable[[Hashable], str] | None = None,
) -> TabularWorld:
    """Enumerate the states reachable from every start and tabulate transitions and features."""
    names = tuple(feature_names)
    index: dict[Hashable, int] = {}
    order: list[Hashable] = []
    for s in (*train_starts, *deploy_starts):
        if s not in index:
            index[s] = len(order)
            order.append(s)
    n_actions = len(action_names)
    nxt: list[list[int]] = []
    feats: list[list[list[float]]] = []
    i = 0
    while i < len(order):  # breadth-first: `order` grows as new states are found
        row_next, row_feat = [], []
        for a in range(n_actions):
            s2, phi = step(order[i], a)
            unknown = set(phi) - set(names)
            if unknown:
                raise ValueError(f"world {name!r}: step emitted undeclared features {unknown}")
            if s2 not in index:
                index[s2] = len(order)
                order.append(s2)
            row_next.append(index[s2])
            row_feat.append([float(phi.get(f, 0.0)) for f in names])
        nxt.append(row_next)
        feats.append(row_feat)
        i += 1
    world = TabularWorld(
        name=name,
        feature_names=names,
        w_true=np.array([float(w_true.get(f, 0.0)) for f in names]),
        action_names=tuple(action_names),
        horizon=horizon,
        states=tuple(order),
        next_state=np.array(nxt, dtype=np.int64),
        features=np.array(feats, dtype=np.float64),
        train_levels=np.array([index[s] for s in train_starts], dtype=np.int64),
        deploy_levels=np.array([index[s] for s in deploy_starts], dtype=np.int64),
        lay_visible=np.isin(np.array(names), list(lay_visible)),
        revealable=np.isin(np.array(names), list(revealable)),
        cues=dict(cues),
        catastrophe=catastrophe,
        render=render,
        description=description,
        w_spec=None if w_spec is None else np.array([float(w_spec.get(f, 0.0)) for f in names]),
        situation=situation or (lambda s: ""),
    )
    for hidden, cue in cues.items():
        world.mask([hidden, cue])  # validates both names
    return world

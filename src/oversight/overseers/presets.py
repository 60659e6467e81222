"""Named overseers for a world: the oracle, B-Pref's six teachers, lay, expert and crowd.

Costs are assumptions, stated here once: lay and crowd judgments take a few seconds (Christiano
et al. 2017 report 3–5 s per comparison); an expert watches more closely, inspects the hidden
evidence itself (10 s per piece) and is paid more.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from oversight.overseers.simulated import Cost, Rationality, SimulatedOverseer, View
from oversight.types import BoolArray, FloatArray
from oversight.worlds.engine import TabularWorld


class OverseenWorld(Protocol):
    """What a preset needs of a world: tabular worlds and Gymnasium worlds
    (worlds/gym_adapter.py) both have it."""

    @property
    def name(self) -> str: ...
    @property
    def n_features(self) -> int: ...
    @property
    def w_true(self) -> FloatArray: ...
    @property
    def lay_visible(self) -> BoolArray: ...
    @property
    def revealable(self) -> BoolArray: ...
    @property
    def specified_weights(self) -> FloatArray: ...
    @property
    def cues(self) -> dict[str, str]: ...
    @property
    def feature_names(self) -> tuple[str, ...]: ...
    def feature_index(self, name: str) -> int: ...


# What an overseer values: the world's true reward, its written reward w_spec (a supervisor who
# rewards what the designer wrote down), or explicit weights by feature name (0 where unnamed).
Values = str | dict[str, float]


def overseer_weights(values: Values, world: OverseenWorld) -> FloatArray:
    """(K,) the weights an overseer with `values` puts on the world's features. A table names
    features; a feature it leaves out weighs 0. Raises ValueError naming the world's features
    for an unknown feature or an unknown keyword."""
    match values:
        case "true":
            return world.w_true.copy()
        case "spec":
            return np.asarray(world.specified_weights, dtype=float).copy()
        case dict():
            unknown = sorted(set(values) - set(world.feature_names))
            if unknown:
                raise ValueError(f"overseer_values: world {world.name!r} has no feature(s) "
                                 f"{unknown}; its features are {list(world.feature_names)}")
            bad = {k: v for k, v in values.items()
                   if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v)}
            if bad:
                raise ValueError(f"overseer_values: weights must be finite numbers, got {bad}")
            return np.array([float(values.get(f, 0.0)) for f in world.feature_names])
    raise ValueError(f"overseer_values: expected \"true\", \"spec\" or a table of feature "
                     f"weights, got {values!r}")

PRESETS = {
    "oracle": "sees everything, prefers the larger true return",
    "stochastic": "B-Pref: Boltzmann choice with beta = 1 on true returns",
    "mistake": "B-Pref: oracle whose answers flip with probability 0.1",
    "skip": "B-Pref: skips a query when both returns are below 0.1 × the batch's mean return",
    "equal": "B-Pref: answers 'equal' when returns differ by under 0.1 of the average",
    "myopic": "B-Pref: weights step t by 0.9^(L-1-t)",
    "lay": "camera view only; abstains when hidden features it knows of could flip its answer",
    "lay-guess": "camera view only; guesses from what it sees",
    "expert": "inspects the hidden evidence itself; slower and dearer",
    "crowd": "lay view, Boltzmann noise and ties calibrated to real crowd statistics",
}

SYNTHETIC_COST = Cost(base_seconds=2.0, seconds_per_step=0.05, seconds_per_evidence=0.0,
                      wage_per_hour=15.0)
LAY_COST = Cost(base_seconds=3.0, seconds_per_step=0.05, seconds_per_evidence=5.0,
                wage_per_hour=15.0)
EXPERT_COST = Cost(base_seconds=20.0, seconds_per_step=0.5, seconds_per_evidence=10.0,
                   wage_per_hour=100.0)

RATIONALITY_FIELDS = {"beta", "mistake", "systematic", "skip", "equal", "gamma", "abstain"}


def make_overseer(name: str, world: OverseenWorld, values: Values = "true",
                  **overrides: Any) -> SimulatedOverseer:
    """The preset `name` for `world`, valuing what it sees by `values` (overseer_weights);
    `overrides` replace rationality fields (beta, mistake, skip, equal, gamma, abstain) or set
    `attention` (steps watched per segment)."""
    weights = overseer_weights(values, world)
    everything = np.ones(world.n_features, dtype=bool)
    nothing = np.zeros(world.n_features, dtype=bool)
    full = View(everything, nothing)
    lay = View(world.lay_visible, nothing)
    match name:
        case "oracle":
            view, rat, cost = full, Rationality(), SYNTHETIC_COST
        case "stochastic":
            view, rat, cost = full, Rationality(beta=1.0), SYNTHETIC_COST
        case "mistake":
            view, rat, cost = full, Rationality(mistake=0.1), SYNTHETIC_COST
        case "skip":
            view, rat, cost = full, Rationality(skip=0.1), SYNTHETIC_COST
        case "equal":
            view, rat, cost = full, Rationality(equal=0.1), SYNTHETIC_COST
        case "myopic":
            view, rat, cost = full, Rationality(gamma=0.9), SYNTHETIC_COST
        case "lay":
            view, rat, cost = lay, Rationality(abstain=True), LAY_COST
        case "lay-guess":
            view, rat, cost = lay, Rationality(), LAY_COST
        case "expert":
            view, rat, cost = View(world.lay_visible, world.revealable), Rationality(), EXPERT_COST
        case "crowd":
            from oversight.overseers.calibration import crowd_for

            if not isinstance(world, TabularWorld):
                raise ValueError("the crowd preset is calibrated on tabular worlds only")
            overseer = crowd_for(world)
            view, rat, cost = overseer.view, overseer.rationality, overseer.cost
        case _:
            raise ValueError(f"unknown overseer {name!r}; known overseers: {', '.join(PRESETS)}")
    unknown = set(overrides) - RATIONALITY_FIELDS - {"attention"}
    if unknown:
        raise ValueError(
            f"unknown overseer parameter(s) {sorted(unknown)}; "
            f"expected some of {sorted(RATIONALITY_FIELDS | {'attention'})}"
        )
    if "attention" in overrides:
        view = replace(view, attention=overrides.pop("attention"))
    rat = replace(rat, **overrides)
    cue = np.full(world.n_features, -1, dtype=np.int64)
    for hidden, visible in world.cues.items():
        cue[world.feature_index(hidden)] = world.feature_index(visible)
    return SimulatedOverseer(name, view, weights, rat, cost, cue)

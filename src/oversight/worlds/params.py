"""Each built-in world's parameters, declared once: type and range (or choices) of every keyword
of its `make`, so an experiment file is checked before anything runs.

Types are strict, as a TOML file writes them: an int parameter takes an integer (not `true`,
not `3.7`, not `"30"`); a float one takes an integer or a float (not a boolean); a str one takes
one of its choices. A range is closed at both ends. The upper bounds are where a tabular world
stops being cheap to plan in exactly (state count grows with levels × horizon), not where it
stops making sense; the lower ones are where it stops making sense (a horizon of 0 has no
episode, zero training levels nothing to learn from).

A world reached by an import reference has no declaration here; its parameters are then
checked by the types its `make` annotates (see `declared`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    """One parameter: `kind` is int, float, bool or str; `low`..`high` bound a number;
    `choices` lists a string's values."""

    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def problem(self, name: str, value: object) -> str | None:
        """Why `value` is not a valid `name`, or None when it is."""
        wanted = {int: "an integer", float: "a number", bool: "true or false",
                  str: "a string"}[self.kind]
        ok_type = (isinstance(value, bool) if self.kind is bool
                   else isinstance(value, self.kind) if self.kind is str
                   else isinstance(value, int) and not isinstance(value, bool)
                   if self.kind is int
                   else isinstance(value, int | float) and not isinstance(value, bool))
        if not ok_type:
            return f"{name} must be {wanted}{self._range()}, got {value!r}"
        if self.kind is str:
            if self.choices and value not in self.choices:
                return f"{name} must be one of {list(self.choices)}, got {value!r}"
            return None
        if self.kind in (int, float):
            x = float(value)  # type: ignore[arg-type]
            if not math.isfinite(x) or (self.low is not None and x < self.low) or (
                    self.high is not None and x > self.high):
                return f"{name} must be {wanted}{self._range()}, got {value!r}"
        return None

    def _range(self) -> str:
        if self.low is None and self.high is None:
            return ""
        fmt = "{:d}" if self.kind is int else "{:g}"
        low = "" if self.low is None else fmt.format(int(self.low) if self.kind is int
                                                     else self.low)
        high = "" if self.high is None else fmt.format(int(self.high) if self.kind is int
                                                       else self.high)
        return f" in {low}..{high}" if self.kind is int else f" in [{low}, {high}]"


HORIZON = Param(int, 1, 1000)
LEVELS = Param(int, 1, 1000)
SEED = Param(int, 0, 2**63 - 1)
RATE = Param(float, 0.0, 1.0)

PARAMS: dict[str, dict[str, Param]] = {
    "camera-room": {"n_train_levels": LEVELS, "n_deploy_levels": LEVELS,
                    "n_dirt": Param(int, 1, 24),  # 5×5 room: the robot's start and the dirt
                    "horizon": HORIZON, "layout_seed": SEED},
    "hidden-hazard": {"n_train_levels": LEVELS, "n_deploy_levels": LEVELS, "horizon": HORIZON,
                      "layout_seed": SEED},
    "lie-in-wait": {"n_train_levels": LEVELS, "n_deploy_levels": LEVELS,
                    "train_opportunity_rate": RATE, "deploy_opportunity_rate": RATE,
                    "horizon": HORIZON, "layout_seed": SEED},
    "cheese-corner": {"n_train_levels": LEVELS, "n_deploy_levels": LEVELS,
                      "train_region": Param(int, 1, 6),  # the 6×6 maze's corner squares
                      "horizon": HORIZON, "layout_seed": SEED},
    "absent-supervisor": {"horizon": HORIZON},
    "tomato-watering": {"horizon": HORIZON},
    "boat-race": {"horizon": HORIZON},
    "whisky-gold": {"horizon": HORIZON, "whisky_exploration": RATE},
    "safe-interruptibility": {"horizon": HORIZON, "level": Param(int, 0, 2),
                              "interruption_probability": RATE},
    "side-effects-sokoban": {"horizon": HORIZON},
    "conveyor-belt": {"horizon": HORIZON, "variant": Param(str, choices=("vase", "sushi"))},
    "distributional-shift": {"horizon": HORIZON},
    "island-navigation": {"horizon": HORIZON},
}

_KINDS = {"int": int, "float": float, "bool": bool, "str": str}


def declared(world: str, make: Callable[..., Any] | None = None) -> dict[str, Param] | None:
    """The parameters of `world`: its declaration above, else (given its `make`) the types its
    signature annotates as int, float, bool or str, without ranges; None when unknown."""
    if world in PARAMS:
        return PARAMS[world]
    if make is None:
        return None
    out = {}
    for name, p in inspect.signature(make).parameters.items():
        annotation = p.annotation if isinstance(p.annotation, str) else getattr(
            p.annotation, "__name__", "")
        if annotation in _KINDS:
            out[name] = Param(_KINDS[annotation])
    return out


def check(world: str, values: Mapping[str, object],
          make: Callable[..., Any] | None = None) -> None:
    """Raise ValueError listing every unknown parameter and every value of the wrong type or
    out of its range, naming the world."""
    params = declared(world, make)
    if params is None:
        return
    problems = []
    unknown = sorted(set(values) - set(params))
    if unknown and world in PARAMS:
        problems.append(f"{world!r} has no parameter(s) {unknown}; it accepts {sorted(params)}")
    for name, value in values.items():
        if name in params:
            why = params[name].problem(name, value)
            if why:
                problems.append(why)
    if problems:
        raise ValueError(f"{world}: " + "; ".join(problems))

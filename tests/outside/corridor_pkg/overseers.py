"""An overseer written outside the package: it values only the step cost it can see."""

from __future__ import annotations

from typing import Any

from oversight.overseers.presets import make_overseer
from oversight.overseers.simulated import SimulatedOverseer


def step_counter(world: Any, values: Any, **params: Any) -> SimulatedOverseer:
    return make_overseer("oracle", world, {"step": 1.0}, **params)

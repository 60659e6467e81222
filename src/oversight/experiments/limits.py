"""Caps on the size of an experiment, checked before anything runs.

Without them a typo (`seeds = 1000000000`, a sweep of 10⁶ combinations, `rounds = 1000000000`)
is not an error but a run that hangs while its memory grows. Each cap is far above every
built-in experiment (the largest has 80 arms × 5 seeds); going beyond one is deliberate: set
`OVERSIGHT_ALLOW_LARGE=1` in the environment, or pass `--allow-large` to `oversight run`.
"""

from __future__ import annotations

import math
import os
from typing import Any

ALLOW_ENV = "OVERSIGHT_ALLOW_LARGE"
HOW = f"to run it anyway, pass --allow-large (or set {ALLOW_ENV}=1)"

MAX_SEEDS = 1000
MAX_RUNS = 20_000  # arms × seeds
MAX_COMBINATIONS = 2000  # variants of one swept arm
ARM_CAPS: dict[str, float] = {  # dotted field of an arm -> largest value
    "rlhf.rounds": 1000,
    "rlhf.episodes_per_round": 100_000,
    "rlhf.candidates_factor": 1000,
    "rlhf.reward_model.members": 100,
    "rlhf.reward_model.hidden": 4096,
    "rlhf.reward_model.steps": 100_000,
    "debate.rounds": 1000,
    "debate.simulations": 100_000,
    "debate.max_positions": 10_000_000,
    "rrm.assistant_episodes": 100_000,
    "adversarial.red_rounds": 1000,
    "adversarial.attack_episodes": 100_000,
    "budget.amount": 10_000_000,
}


class LimitError(ValueError):
    """An experiment over a cap; the message names the field, the cap and how to go beyond."""


def allowed() -> bool:
    """Whether caps are lifted (OVERSIGHT_ALLOW_LARGE set to anything but '', 0 or false)."""
    return os.environ.get(ALLOW_ENV, "").strip().lower() not in ("", "0", "false", "no")


def check_combinations(n: int, where: str) -> None:
    """A sweep of `n` combinations (checked before they are built)."""
    if n > MAX_COMBINATIONS and not allowed():
        raise LimitError(f"{where}.sweep: {n} combinations is over the cap of "
                         f"{MAX_COMBINATIONS}; {HOW}")


def sweep_size(sweep: dict[str, Any]) -> int:
    """How many combinations a sweep table makes (lists' lengths multiplied)."""
    return math.prod(len(v) if isinstance(v, list) else 1 for v in sweep.values())


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def check(spec: Any, source: str) -> None:
    """Seeds, total runs and each arm's size fields of a validated ExperimentSpec."""
    if allowed():
        return
    problems = []
    if spec.seeds > MAX_SEEDS:
        problems.append(f"seeds = {spec.seeds} is over the cap of {MAX_SEEDS}")
    runs = len(spec.arms) * spec.seeds
    if runs > MAX_RUNS:
        problems.append(f"{len(spec.arms)} arms × {spec.seeds} seeds = {runs} runs is over the "
                        f"cap of {MAX_RUNS}")
    for i, arm in enumerate(spec.arms):
        for path, cap in ARM_CAPS.items():
            value = _get(arm, path)
            if isinstance(value, int | float) and not isinstance(value, bool) and value > cap:
                problems.append(f"arms.{i}.{path} = {value:g} (arm {arm.name!r}) is over the "
                                f"cap of {cap:g}")
    if problems:
        shown = problems[:5] + ([f"... and {len(problems) - 5} more"] if len(problems) > 5
                                else [])
        raise LimitError(f"{source}: too large: " + "; ".join(shown) + f"; {HOW}")

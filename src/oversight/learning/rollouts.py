"""Sampling episodes from a tabular world under a time-indexed policy, all episodes at once."""

from __future__ import annotations

import numpy as np

from oversight.types import FloatArray, IntArray, Segments
from oversight.worlds.engine import Split, TabularWorld


def sample_episodes(
    world: TabularWorld,
    policy: FloatArray,
    n: int,
    rng: np.random.Generator,
    split: Split = "train",
    explore: float = 0.0,
    level: IntArray | None = None,
) -> Segments:
    """n whole episodes (length H) started on uniformly drawn levels of `split` (or on the given
    `level` indices into the split's levels, one per episode).

    policy: (H, S, A). With probability `explore` each step's action is uniform instead (the
    behaviour policy that generates queries must not collapse onto one trajectory).
    """
    levels = world.levels(split)
    level = rng.integers(len(levels), size=n) if level is None else np.asarray(level)
    state = levels[level]
    h = world.horizon
    states = np.empty((n, h), dtype=np.int64)
    actions = np.empty((n, h), dtype=np.int64)
    for t in range(h):
        probs = policy[t, state]
        if explore > 0.0:
            probs = (1.0 - explore) * probs + explore / world.n_actions
        u = rng.random(n)[:, None]
        a = (probs.cumsum(axis=1) < u).sum(axis=1).clip(max=world.n_actions - 1)
        states[:, t] = state
        actions[:, t] = a
        state = world.next_state[state, a]
    return Segments(level, states, actions, world.features[states, actions])


def crop(segments: Segments, length: int, rng: np.random.Generator) -> Segments:
    """Random windows of `length` steps, one per segment (clips, as in Christiano et al. 2017)."""
    total = segments.length
    if length >= total:
        return segments
    start = rng.integers(total - length + 1, size=len(segments))
    idx = start[:, None] + np.arange(length)
    rows = np.arange(len(segments))[:, None]
    return Segments(
        segments.level,
        segments.states[rows, idx],
        segments.actions[rows, idx],
        segments.features[rows, idx],
    )

"""Helpers shared by the world tests: scripted rollouts over the tables, breadth-first move
scripts, positions read off ASCII frames, start states and the rgb-frame check.

Imported as `worlds.helpers`: tests/worlds is a package, so pytest puts tests/ on sys.path
(default `prepend` import mode), under `pytest` and `python -m pytest` alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from oversight.worlds.engine import TabularWorld
from oversight.worlds.grid import MOVES, PALETTE, Pos

UP, DOWN, RIGHT, LEFT = 0, 1, 2, 3  # the move actions, in MOVES order in every world


def rollout(world: TabularWorld, start: int, actions: Sequence[int]) -> tuple[int, np.ndarray]:
    """Apply a scripted action list from state index `start`: (final state, summed features)."""
    s, total = start, np.zeros(world.n_features)
    for a in actions:
        total = total + world.features[s, a]
        s = int(world.next_state[s, a])
    return s, total


def path(
    src: Pos,
    dst: Pos,
    rows: int,
    cols: int,
    avoid: frozenset[Pos] = frozenset(),
    walls: frozenset[Pos] = frozenset(),
) -> list[int]:
    """A shortest list of move actions from src to dst in a rows×cols room, never entering
    `walls` or `avoid` (breadth-first over the grid, moves in MOVES order)."""
    blocked = avoid | walls
    prev: dict[Pos, tuple[Pos, int] | None] = {src: None}
    queue = deque([src])
    while queue:
        p = queue.popleft()
        if p == dst:
            out: list[int] = []
            while (link := prev[p]) is not None:
                p, a = link
                out.append(a)
            return out[::-1]
        for a, (dr, dc) in enumerate(MOVES):
            q = (p[0] + dr, p[1] + dc)
            if 0 <= q[0] < rows and 0 <= q[1] < cols and q not in blocked and q not in prev:
                prev[q] = (p, a)
                queue.append(q)
    raise AssertionError(f"no path from {src} to {dst} avoiding {sorted(blocked)}")


def cells(world: TabularWorld, state: int, ch: str, reveal: bool = True) -> list[Pos]:
    """Room positions (inside the walls) drawn as `ch` in the ASCII frame of a state."""
    rows = world.ascii(state, reveal=reveal).splitlines()
    return [(r - 1, c - 1) for r, line in enumerate(rows) for c, x in enumerate(line) if x == ch]


def all_starts(world: TabularWorld) -> list[int]:
    """The start states of every level: training levels first, then deployment levels."""
    return [int(s) for s in (*world.train_levels, *world.deploy_levels)]


def assert_rgb_is_palette_of_ascii(world: TabularWorld, state: int, reveal: bool) -> np.ndarray:
    """The 16-pixel rgb frame of a state is its ASCII frame with every character drawn as a
    block of exactly its PALETTE colour (an unlisted character fails); returns the frame."""
    img = world.rgb(state, reveal=reveal)
    rows = world.ascii(state, reveal=reveal).splitlines()
    assert img.dtype == np.uint8
    assert img.shape == (len(rows) * 16, len(rows[0]) * 16, 3)
    for r, line in enumerate(rows):
        for c, ch in enumerate(line):
            block = img[r * 16 : (r + 1) * 16, c * 16 : (c + 1) * 16]
            assert (block == np.array(PALETTE[ch], dtype=np.uint8)).all()
    return img

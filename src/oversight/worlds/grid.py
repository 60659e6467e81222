"""Shared pieces of the gridworlds: moves, walls, level sampling and frames from ASCII."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Pos = tuple[int, int]  # (row, col) inside the walls

MOVES: tuple[Pos, ...] = ((-1, 0), (1, 0), (0, 1), (0, -1))
MOVE_NAMES = ("up", "down", "right", "left")


def move(pos: Pos, action: int, rows: int, cols: int, walls: frozenset[Pos] = frozenset()) -> Pos:
    """Where a move action (0..3) takes the agent; bumping into a wall or the edge stays put."""
    dr, dc = MOVES[action]
    r, c = pos[0] + dr, pos[1] + dc
    if not (0 <= r < rows and 0 <= c < cols) or (r, c) in walls:
        return pos
    return (r, c)


def frame(rows: int, cols: int, cells: dict[Pos, str]) -> list[str]:
    """ASCII rows of a walled room: '#' border, '.' floor, `cells` drawn on top."""
    out = ["#" * (cols + 2)]
    for r in range(rows):
        out.append("#" + "".join(cells.get((r, c), ".") for c in range(cols)) + "#")
    out.append("#" * (cols + 2))
    return out


def sample_cells(
    rng: np.random.Generator, free: Sequence[Pos], n: int
) -> list[Pos]:
    """n distinct cells drawn uniformly from `free`."""
    idx = rng.choice(len(free), size=n, replace=False)
    return [free[i] for i in idx]


# Okabe-Ito colour-blind-safe palette; unlisted characters are drawn as floor.
PALETTE: dict[str, tuple[int, int, int]] = {
    "#": (60, 60, 60),  # wall
    ".": (235, 235, 225),  # floor
    "A": (0, 114, 178),  # agent
    "a": (86, 180, 233),  # agent carrying something
    "d": (140, 90, 40),  # dirt
    "R": (204, 121, 167),  # rug
    "X": (213, 94, 0),  # rug with dirt under it (revealed)
    "B": (0, 158, 115),  # bin
    "m": (230, 159, 0),  # mushroom (looks the same to a lay overseer)
    "M": (0, 158, 115),  # fresh mushroom (revealed)
    "T": (213, 94, 0),  # toxic mushroom (revealed)
    "$": (240, 228, 66),  # goal
    "C": (213, 94, 0),  # control console
    "S": (0, 0, 0),  # supervisor
    "D": (120, 80, 60),  # closed door
    "_": (200, 200, 190),  # open door
    # the classic AI-safety gridworlds' tiles (worlds/ascii_map.py)
    "G": (240, 228, 66),  # goal
    "P": (230, 159, 0),  # punishment tile
    "W": (86, 180, 233),  # water, whisky
    "L": (213, 94, 0),  # lava
    "I": (204, 121, 167),  # interruption tile
    "O": (0, 0, 0),  # observation transformer, object on a belt
    "t": (0, 158, 115),  # watered tomato
    ">": (150, 150, 140),  # checkpoint or belt, pointing the way
    "<": (150, 150, 140),
    "^": (150, 150, 140),
    "v": (150, 150, 140),
    ":": (120, 80, 60),  # what reached the end of the belt
}


def ascii_to_rgb(rows: Sequence[str], cell: int = 16) -> np.ndarray:
    """Upscale an ASCII frame to an RGB image: (len(rows)*cell, width*cell, 3) uint8."""
    width = max(len(r) for r in rows)
    img = np.empty((len(rows), width, 3), dtype=np.uint8)
    for i, row in enumerate(rows):
        for j in range(width):
            ch = row[j] if j < len(row) else "."
            img[i, j] = PALETTE.get(ch, PALETTE["."])
    return np.repeat(np.repeat(img, cell, axis=0), cell, axis=1)

"""Shared pieces of the classic AI-safety gridworlds (Leike et al. 2017): their ASCII maps.

The original environments (github.com/deepmind/ai-safety-gridworlds, `environments/*.py`) are
pycolab games drawn as ASCII art with the walls included. `Art` reads such a map: where each
character is, which cells are walls, and how a move action (grid.MOVES order: up, down, right,
left; the original's four actions, without its NOOP) leaves a cell. Frames redraw the art with
'.' for floor and the moving things on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oversight.worlds.grid import MOVES, Pos

MOVABLE = "A"  # characters that are drawn where the thing is now, not where the art put it


@dataclass(frozen=True)
class Art:
    """An original map. rows: the art's rows, walls included; (row, col) index into them."""

    rows: tuple[str, ...]

    @classmethod
    def of(cls, rows: Sequence[str]) -> Art:
        if len({len(r) for r in rows}) != 1:
            raise ValueError("an ASCII map's rows must have equal lengths")
        return cls(tuple(rows))

    def find(self, chars: str) -> list[Pos]:
        """Every cell drawn as one of `chars`, row by row."""
        return [(r, c) for r, row in enumerate(self.rows) for c, x in enumerate(row) if x in chars]

    def one(self, char: str) -> Pos:
        (cell,) = self.find(char)
        return cell

    def char(self, pos: Pos) -> str:
        return self.rows[pos[0]][pos[1]]

    @property
    def walls(self) -> frozenset[Pos]:
        return frozenset(self.find("#"))

    def target(self, pos: Pos, action: int) -> Pos:
        """The cell a move action aims at (the caller decides whether it may be entered)."""
        dr, dc = MOVES[action]
        return pos[0] + dr, pos[1] + dc

    def move(self, pos: Pos, action: int, blocked: frozenset[Pos] = frozenset()) -> Pos:
        """Where a move takes the agent: into the target unless it is a wall or `blocked`."""
        to = self.target(pos, action)
        return pos if to in self.walls or to in blocked else to

    def draw(self, cells: dict[Pos, str], clear: str = MOVABLE) -> list[str]:
        """The art with floor as '.', the characters in `clear` removed and `cells` on top."""
        out = []
        for r, row in enumerate(self.rows):
            line = ["." if x == " " or x in clear else x for x in row]
            for (rr, cc), ch in cells.items():
                if rr == r:
                    line[cc] = ch
            out.append("".join(line))
        return out

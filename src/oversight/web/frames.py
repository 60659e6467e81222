"""Frames of a segment, as a labeller is entitled to see them.

A segment is stored as its start state and actions; replaying the actions in the deterministic
world gives its L+1 states. Each state is drawn by the world's own `render` (ASCII rows) in the
labeller's view: a lay labeller sees the camera view (`reveal=False`) unless the scheme revealed
the hidden evidence for this query; an expert sees the revealed view (`reveal=True`, e.g. the rug
lifted). The page paints each character as a cell of `grid.PALETTE`'s colour, which is exactly
the image `TabularWorld.rgb` draws, without encoding images on the server.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from oversight.types import Queries, Segments
from oversight.worlds import make_world
from oversight.worlds.engine import TabularWorld
from oversight.worlds.grid import PALETTE


def palette() -> dict[str, str]:
    """Character -> CSS colour, for the page."""
    return {ch: "#{:02x}{:02x}{:02x}".format(*rgb) for ch, rgb in PALETTE.items()}


@lru_cache(maxsize=1)
def palette_json() -> str:
    """`palette()` and `LEGEND` as JSON text ("palette": ..., "legend": ... members), encoded
    once per process."""
    return (f'"palette":{json.dumps(palette(), separators=(",", ":"))},'
            f'"legend":{json.dumps(LEGEND, separators=(",", ":"))}')


@lru_cache(maxsize=64)
def world_of(name: str, params_json: str) -> TabularWorld:
    return make_world(name, **json.loads(params_json))


@lru_cache(maxsize=65536)
def _rows(world: TabularWorld, state: int, reveal: bool) -> tuple[str, ...]:
    return tuple(world.render(world.states[state], reveal))


def warm(world: TabularWorld) -> None:
    """Build what serving this world's segments needs (the successor table) ahead of the first
    request, so that no labeller's request waits for it."""
    _successors(world)


@lru_cache(maxsize=64)
def _successors(world: TabularWorld) -> tuple[tuple[int, ...], ...]:
    """world.next_state as nested tuples: replaying a segment in Python then indexes tuples
    instead of making a NumPy scalar per step (about ten times faster)."""
    return tuple(map(tuple, world.next_state.tolist()))


@lru_cache(maxsize=64)
def _action_digits(n_actions: int) -> frozenset[str]:
    return frozenset(str(a) for a in range(min(n_actions, 10)))


def replay(world: TabularWorld, start: int, actions: str) -> list[int]:
    """The states visited: start, then one per action."""
    table = _successors(world)
    states = [start]
    for a in actions:
        states.append(table[states[-1]][int(a)])
    return states


def _check(world: TabularWorld, start: int, actions: str) -> None:
    if not 0 <= start < world.n_states or not set(actions) <= _action_digits(world.n_actions):
        raise ValueError(f"segment ({start}, {actions!r}) does not belong to world {world.name}")


def segment_frames(world: TabularWorld, start: int, actions: str, reveal: bool
                   ) -> list[tuple[str, ...]]:
    """One frame (ASCII rows) per state of the replayed segment."""
    _check(world, start, actions)
    return [_rows(world, s, reveal) for s in replay(world, start, actions)]


@lru_cache(maxsize=65536)
def _frame_json(world: TabularWorld, state: int, reveal: bool) -> str:
    return json.dumps(_rows(world, state, reveal), separators=(",", ":"))


def segment_json(world: TabularWorld, start: int, actions: str, reveal: bool, shown: str
                 ) -> tuple[str, str]:
    """`segment_frames` and `evidence` of one segment as JSON text, from a single replay and
    each state's frame encoded once per server process: what GET /api/next sends, without
    encoding ~30 frames of rows per request."""
    _check(world, start, actions)
    states = replay(world, start, actions)
    frames = "[" + ",".join(_frame_json(world, s, reveal) for s in states) + "]"
    return frames, json.dumps(_evidence(world, states, actions, shown), separators=(",", ":"))


def evidence(world: TabularWorld, start: int, actions: str, shown: str
             ) -> list[dict[str, object]]:
    """The steps a scheme showed as evidence (shown[t] == '1'), each with every non-zero feature
    of that step: what a debater or an assistant pointed at, for the page to list."""
    return _evidence(world, replay(world, start, actions), actions, shown)


def _evidence(world: TabularWorld, states: list[int], actions: str, shown: str
              ) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for t, flag in enumerate(shown):
        if flag == "1":
            phi = world.features[states[t], int(actions[t])]
            out.append({"step": t + 1, "features": {
                name: float(v) for name, v in zip(world.feature_names, phi, strict=True) if v}})
    return out


LEGEND: dict[str, str] = {  # what each character of a frame is, for the page's key
    "A": "robot", "a": "robot carrying dirt", "d": "dirt", "R": "rug",
    "X": "rug with dirt under it", "B": "bin", "m": "mushroom", "M": "fresh mushroom",
    "T": "toxic mushroom", "$": "goal", "C": "control console", "S": "supervisor",
    "D": "closed door", "_": "open door", "#": "wall", ".": "floor",
}


def segments_of(world: TabularWorld, rows: list[tuple[int, str]]) -> Segments:
    """Segments rebuilt from stored (start state, actions): states, actions and features replayed
    in the world (level is not stored and left 0)."""
    states = np.array([replay(world, s, a)[:-1] for s, a in rows], dtype=np.int64)
    actions = np.array([[int(c) for c in a] for _, a in rows], dtype=np.int64)
    return Segments(np.zeros(len(rows), dtype=np.int64), states, actions,
                    world.features[states, actions])


def queries_of(world: TabularWorld, rows: list[tuple[int, str, int, str, str, str]]) -> Queries:
    """Queries rebuilt from stored rows (first start, first actions, second start, second
    actions, revealed: 0/1 per feature, shown: 0/1 per step of the first then second segment)."""
    first = segments_of(world, [(r[0], r[1]) for r in rows])
    second = segments_of(world, [(r[2], r[3]) for r in rows])
    revealed = np.array([[c == "1" for c in r[4]] for r in rows], dtype=bool).reshape(
        len(rows), world.n_features)
    shown = np.array([[c == "1" for c in r[5]] for r in rows], dtype=bool).reshape(
        len(rows), 2, first.length)
    return Queries(first, second, revealed, shown)

"""Exact minimax for the debate game, by dynamic programming over revealed SETS.

The judge sees only the set of revealed pixels, and whose turn it is follows from the set's size,
so the value of a position depends on the set alone: V(S) = m(S) when |S| = k, else the max (liar
to move) or min (honest to move) of V(S ∪ {p}) over legal p ∉ S. Working upwards from the C(n, r)
final sets (r reveals left, n candidate pixels) evaluates each distinct final set exactly once, in
one batched judge call, and visits C(n, j)·n edges per level j; sets are indexed by their colex
rank Σ_i C(s_i, i + 1) (s sorted ascending). One pass serves all nine lies of an image, since the
judge's 10 logits give every lie's margin. Feasible for r = 4 (~42,000 final sets per image);
r = 6 (~1.2 million per image) is not, within this lab's budgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np

from oversight.digits.data import N_LABELS
from oversight.digits.judge import Judge
from oversight.types import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class SubsetTables:
    """For n candidates and r reveals: sets[j] (C(n, j), j) the j-subsets in colex-rank order;
    children[j] (C(n, j), n) the rank of S ∪ {p} among (j+1)-subsets, −1 where p ∈ S."""

    sets: tuple[IntArray, ...]
    children: tuple[IntArray, ...]


def _binomials(n: int, r: int) -> IntArray:
    """(n + 1, r + 2) table of C(x, i)."""
    table = np.zeros((n + 1, r + 2), dtype=np.int64)
    table[:, 0] = 1
    for x in range(1, n + 1):
        table[x, 1:] = table[x - 1, 1:] + table[x - 1, :-1]
    return table


@cache
def subset_tables(n: int, r: int) -> SubsetTables:
    """Cached per (n, r); r ≤ n."""
    binom = _binomials(n, r)
    sets: list[IntArray] = []
    children: list[IntArray] = []
    for j in range(r + 1):
        combos = list(combinations(range(n), j))
        s = np.array(combos, dtype=np.int64).reshape(len(combos), j)
        rank = binom[s, np.arange(1, j + 1)].sum(axis=1)
        sets.append(s[np.argsort(rank)])
    for j in range(r):
        s = sets[j][:, None, :]  # (M, 1, j)
        p = np.arange(n)[None, :, None]  # (1, n, 1)
        below = (s < p).sum(axis=2)  # (M, n): where p lands in the sorted union
        shifted = binom[np.broadcast_to(s, (len(sets[j]), n, j)),
                        np.arange(1, j + 1) + (s > p)].sum(axis=2)
        rank = shifted + binom[np.arange(n)[None, :], below + 1]
        children.append(np.where((s == p).any(axis=2), -1, rank))
    return SubsetTables(tuple(sets), tuple(children))


def set_values(leaf: FloatArray, tables: SubsetTables, liar_first: bool) -> list[FloatArray]:
    """Minimax values per level: out[j] (C(n, j), L) for leaf margins (C(n, r), L) of L lies.
    The mover at level j is the liar (maximiser) iff (j even) == liar_first."""
    r = len(tables.children)
    values: list[FloatArray] = [leaf]
    for j in range(r - 1, -1, -1):
        liar = (j % 2 == 0) == liar_first
        child = tables.children[j]
        v = values[0][np.maximum(child, 0)]  # (C(n, j), n, L)
        v = np.where((child < 0)[:, :, None], -np.inf if liar else np.inf, v)
        values.insert(0, v.max(axis=1) if liar else v.min(axis=1))
    return values


def _leaf_margins(judge: Judge, values: FloatArray, revealed: BoolArray, pool: IntArray,
                  tables: SubsetTables, honest: int, lies: IntArray) -> FloatArray:
    """(C(n, r), L) margins score[lie] − score[honest] of every completion of `revealed`."""
    s = judge.completion_scores(values, revealed, pool[tables.sets[-1]])
    return s[:, lies] - s[:, [honest]]


def image_values(judge: Judge, values: FloatArray, legal: BoolArray, honest: int, k: int
                 ) -> tuple[FloatArray, FloatArray]:
    """Exact game values (the final margin under optimal play) of the nine lies about one image,
    (9,) with the honest debater moving first and (9,) with the liar first; values (64,)
    intensities, legal (64,) non-zero pixels, honest the true label. One leaf pass serves both."""
    pool = np.flatnonzero(legal)
    tables = subset_tables(len(pool), k)
    lies = np.delete(np.arange(N_LABELS), honest)
    leaf = _leaf_margins(judge, values, np.zeros(legal.shape, dtype=bool), pool, tables,
                         honest, lies)
    return set_values(leaf, tables, False)[0][0], set_values(leaf, tables, True)[0][0]


def best_move(judge: Judge, values: FloatArray, legal: BoolArray, revealed: BoolArray,
              honest: int, liar: int, reveals_left: int, liar_to_move: bool) -> int:
    """An optimal next pixel (lowest index among equals) for one game from position `revealed`."""
    pool = np.flatnonzero(legal & ~revealed)
    tables = subset_tables(len(pool), reveals_left)
    leaf = _leaf_margins(judge, values, revealed, pool, tables, honest, np.array([liar]))
    child = set_values(leaf, tables, liar_to_move)[1][:, 0]  # rank of {p} is p
    return int(pool[np.argmax(child) if liar_to_move else np.argmin(child)])

"""UCT Monte Carlo tree search for the debate game, vectorised over many games at once.

Each call searches afresh from the current position of every game: `rollouts` iterations of
select (UCB1 on the mover's win rate, unvisited moves first in random order), expand (one new node
per iteration), roll out (the remaining reveals drawn uniformly from the legal pixels) and back up
the binary result (the liar wins iff the judge's margin > 0). The move played is the most visited.
All games in a chunk advance in lock-step, so each iteration is a few array operations on
(games, 64) slices plus one batched judge call. Trees live in dense arrays
(games, rollouts + 1 nodes, 64 moves); chunks keep them under `memory` bytes.
"""

from __future__ import annotations

import math

import numpy as np

from oversight.digits.game import Games
from oversight.digits.judge import Judge
from oversight.types import BoolArray, IntArray

BYTES_PER_EDGE = 12  # visits int32, wins float32, child int32
UNVISITED = np.float32(100.0)  # UCB score of an untried move (> any UCB; + a tie-break in [0, 1))


def uct_moves(games: Games, revealed: BoolArray, depth: int, judge: Judge,
              rng: np.random.Generator, rollouts: int, c: float = math.sqrt(2),
              memory: int = 1 << 28) -> IntArray:
    """(G,) the move UCT picks for the player making reveal `depth` in each game."""
    per_game = (rollouts + 1) * revealed.shape[1] * BYTES_PER_EDGE
    chunk = max(1, memory // per_game)
    out = np.zeros(len(games), dtype=np.int64)
    for start in range(0, len(games), chunk):
        idx = np.arange(start, min(start + chunk, len(games)))
        out[idx] = _search(games.take(idx), revealed[idx], depth, judge, rng, rollouts, c)
    return out


def _search(games: Games, revealed: BoolArray, depth: int, judge: Judge,
            rng: np.random.Generator, rollouts: int, c: float) -> IntArray:
    g_all, n_moves = revealed.shape
    left = games.k - depth
    visits = np.zeros((g_all, rollouts + 1, n_moves), dtype=np.int32)
    wins = np.zeros((g_all, rollouts + 1, n_moves), dtype=np.float32)
    child = np.full((g_all, rollouts + 1, n_moves), -1, dtype=np.int32)
    node_visits = np.zeros((g_all, rollouts + 1), dtype=np.int32)
    count = np.ones(g_all, dtype=np.int32)
    movers_liar = [games.liar_moves(depth + d) for d in range(left)]
    for _ in range(rollouts):
        node = np.zeros(g_all, dtype=np.int64)
        mask = revealed.copy()
        path_node = np.full((g_all, left), -1, dtype=np.int64)
        path_move = np.full((g_all, left), -1, dtype=np.int64)
        steps = np.zeros(g_all, dtype=np.int64)
        active = np.arange(g_all)
        for d in range(left):
            if len(active) == 0:
                break
            nd = node[active]
            ev = visits[active, nd].astype(np.float32)
            seen = np.maximum(ev, np.float32(1))
            log_n = np.log(np.maximum(node_visits[active, nd], 1), dtype=np.float32)
            score = wins[active, nd] / seen + np.float32(c) * np.sqrt(log_n[:, None] / seen)
            untried = UNVISITED + rng.random(ev.shape, dtype=np.float32)
            score = np.where(ev == 0, untried, score)
            score = np.where(games.legal[active] & ~mask[active], score, -np.inf)
            move = score.argmax(axis=1)
            path_node[active, d] = nd
            path_move[active, d] = move
            mask[active, move] = True
            steps[active] += 1
            fresh = ev[np.arange(len(active)), move] == 0
            if d + 1 < left:
                new = active[fresh]
                child[new, nd[fresh], move[fresh]] = count[new]
                count[new] += 1
                node[active[~fresh]] = child[active[~fresh], nd[~fresh], move[~fresh]]
            active = active[~fresh]
        mask |= _random_completion(games.legal & ~mask, left - steps, rng)
        liar_won = games.margins(judge, mask) > 0
        for d in range(left):
            g = np.flatnonzero(path_move[:, d] >= 0)
            reward = liar_won[g] if movers_liar[d] else ~liar_won[g]
            visits[g, path_node[g, d], path_move[g, d]] += 1
            wins[g, path_node[g, d], path_move[g, d]] += reward
            node_visits[g, path_node[g, d]] += 1
    return visits[:, 0, :].argmax(axis=1).astype(np.int64)


def _random_completion(free: BoolArray, count: IntArray, rng: np.random.Generator) -> BoolArray:
    """(G, 64) count[g] pixels drawn uniformly without replacement from each row of `free`."""
    keys = np.where(free, rng.random(free.shape), 2.0)
    kth = np.sort(keys, axis=1)[np.arange(len(free)), np.maximum(count - 1, 0)]
    return free & (keys <= kth[:, None]) & (count > 0)[:, None]

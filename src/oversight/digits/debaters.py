"""The debaters: random, greedy, exact minimax and MCTS (all batch-shaped `Debater`s).

Each chooses, in every game at once, a legal pixel (non-zero, not yet revealed) for the side to
move; the honest side wants the margin score[liar] − score[honest] low, the liar wants it high.
Ties between moves go to the lowest pixel index (random and MCTS break them at random).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from oversight.digits import mcts, minimax
from oversight.digits.game import Games
from oversight.digits.judge import Judge
from oversight.types import BoolArray, IntArray


@dataclass(frozen=True)
class RandomDebater:
    """A uniformly random legal pixel."""

    def choose(self, games: Games, revealed: BoolArray, depth: int, judge: Judge,
               rng: np.random.Generator) -> IntArray:
        keys = np.where(games.legal & ~revealed, rng.random(revealed.shape), -1.0)
        return keys.argmax(axis=1).astype(np.int64)


@dataclass(frozen=True)
class GreedyDebater:
    """The pixel that most improves the mover's margin right now (one batched judge call over
    every (game, free pixel) pair)."""

    def choose(self, games: Games, revealed: BoolArray, depth: int, judge: Judge,
               rng: np.random.Generator) -> IntArray:
        game, pixel = np.nonzero(games.legal & ~revealed)
        masks = revealed[game].copy()
        masks[np.arange(len(game)), pixel] = True
        s = judge.scores(masks, games.values[game])
        m = s[np.arange(len(game)), games.liar[game]] - s[np.arange(len(game)), games.honest[game]]
        sign = 1.0 if games.liar_moves(depth) else -1.0
        gain = np.full(revealed.shape, -np.inf)
        gain[game, pixel] = sign * m
        return gain.argmax(axis=1).astype(np.int64)


@dataclass(frozen=True)
class MinimaxDebater:
    """An optimal move by exact minimax over the remaining reveals (one DP per game; for tests
    and small games: the experiment computes game values directly with minimax.image_values)."""

    def choose(self, games: Games, revealed: BoolArray, depth: int, judge: Judge,
               rng: np.random.Generator) -> IntArray:
        liar = games.liar_moves(depth)
        return np.array([
            minimax.best_move(judge, games.values[g], games.legal[g], revealed[g],
                              int(games.honest[g]), int(games.liar[g]), games.k - depth, liar)
            for g in range(len(games))], dtype=np.int64)


@dataclass(frozen=True)
class MCTSDebater:
    """UCT with `rollouts` iterations per move (random-reveal rollouts), exploration `c`."""

    rollouts: int = 1000
    c: float = math.sqrt(2)

    def choose(self, games: Games, revealed: BoolArray, depth: int, judge: Judge,
               rng: np.random.Generator) -> IntArray:
        return mcts.uct_moves(games, revealed, depth, judge, rng, self.rollouts, self.c)

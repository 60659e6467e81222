"""Judge training time, games per second per debater, MCTS strength against exact minimax, and
the wall time of the whole default digits debate experiment.

Target (issue 8): the default experiment (3 judge seeds, k ∈ {4, 6}, exact minimax over the whole
test split at k = 4) under 10 minutes on 2 cores. Usage:

    python benchmarks/debate_digits.py [--skip-experiment] [--mcts-images 40]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from oversight.digits import data, experiment, game, minimax
from oversight.digits.debaters import GreedyDebater, MCTSDebater, RandomDebater
from oversight.digits.judge import JudgeTraining, train_judge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-experiment", action="store_true")
    parser.add_argument("--mcts-images", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = experiment.Config()
    split = data.split(data.load(), config.split_seed)
    test = split.test
    judges = {}
    for k in (4, 6):
        start = time.perf_counter()
        judges[k] = train_judge(split.train, JudgeTraining(k=k), 0)
        print(f"judge training    k = {k}: {time.perf_counter() - start:.1f} s "
              f"({JudgeTraining(k=k).epochs} epochs × {len(split.train)} images × "
              f"{JudgeTraining(k=k).reveals} reveal sets)")
    rng = np.random.default_rng(0)
    for k in (4, 6):
        for name, debater in [("random", RandomDebater()), ("greedy", GreedyDebater())]:
            games = game.all_lies(test, k, "honest")
            start = time.perf_counter()
            game.play(games, judges[k], debater, debater, rng)
            wall = time.perf_counter() - start
            print(f"{name:<8} k = {k}   {len(games) / wall:9.0f} games/s "
                  f"({len(games)} games in {wall:.1f} s)")
    start = time.perf_counter()
    exact = np.stack([minimax.image_values(judges[4], test.images[i], test.nonzero[i],
                                           int(test.labels[i]), 4)[0] for i in range(len(test))])
    wall = time.perf_counter() - start
    print(f"minimax  k = 4   {9 * len(test) / wall:9.0f} games/s "
          f"({len(test)} images × 9 lies in {wall:.1f} s, both orders of play)")
    sub = test.take(np.arange(args.mcts_images))
    for k in (4, 6):
        games = game.all_lies(sub, k, "honest")
        d = MCTSDebater(config.mcts_rollouts)
        start = time.perf_counter()
        played = game.play(games, judges[k], d, d, rng)
        wall = time.perf_counter() - start
        print(f"MCTS     k = {k}   {len(games) / wall:9.1f} games/s "
              f"({config.mcts_rollouts} rollouts per move; {len(games)} games in {wall:.1f} s)")
        if k == 4:
            lost = game.verdicts(played.margin).reshape(-1, 9) == game.LIAR
            ex = game.verdicts(exact[: len(sub)]) == game.LIAR
            print(f"MCTS vs exact     k = 4, honest first, {len(sub)} images: liar wins "
                  f"{lost.mean():.3f} of lies / {lost.any(axis=1).mean():.3f} of images "
                  f"(exact minimax: {ex.mean():.3f} / {ex.any(axis=1).mean():.3f})")
    if not args.skip_experiment:
        start = time.perf_counter()
        rows = experiment.run(experiment.Config(workers=min(2, os.cpu_count() or 1)))
        wall = time.perf_counter() - start
        print(f"default experiment: {len(rows)} rows, 3 seeds × k ∈ {{4, 6}} on "
              f"{min(2, os.cpu_count() or 1)} workers ({os.cpu_count()} cores): {wall:.0f} s "
              "(target < 600 s)")


if __name__ == "__main__":
    main()

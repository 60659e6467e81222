"""Every condition of the digits debate experiment, over judge seeds; pure (no file I/O).

For each judge seed and k, one task trains two judges on the train split (a standard one and one
taught 3 ↔ 8) and measures on the test split:
1. judge alone: argmax over 10 labels on k random non-zero pixels;
2. random second label: the true label against one random other label, k random pixels, no debate;
3. weak debate: greedy vs greedy, and random vs random as a control;
4. strong debate: exact minimax for k ≤ `minimax_max_k`, else MCTS with `mcts_rollouts` per move;
with each debate played with the honest debater first and with the liar first. The same judge read
with an abstention threshold (see `game`) gives the abstaining variant; the 3 ↔ 8 judge is scored
on the test 3s and 8s. A task's randomness comes from (seed, k) alone, so results do not depend
on the number of workers. Rows carry the mean over seeds, its 95% bootstrap CI and the published
numbers (REFERENCES.md) where there are any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from oversight.analysis.stats import bootstrap_ci
from oversight.digits import data, game, minimax
from oversight.digits.debaters import GreedyDebater, MCTSDebater, RandomDebater
from oversight.digits.game import ABSTAIN, HONEST, LIAR, Debater, First
from oversight.digits.judge import Judge, JudgeTraining, random_reveals, swap_labels, train_judge
from oversight.types import BoolArray, FloatArray, IntArray

ALONE = "judge alone"
CONTROL = "random second label"
RANDOM = "debate: random vs random"
GREEDY = "debate: greedy vs greedy"
MINIMAX = "debate: minimax vs minimax"
MCTS = "debate: MCTS vs MCTS"
CONDITIONS = (ALONE, CONTROL, RANDOM, GREEDY, MINIMAX, MCTS)

STANDARD = "standard"
ABSTAINING = "abstaining"
CONFUSED = "confused 3↔8"

ACCURACY = "accuracy"
PER_LIE = "per-lie liar win rate"
DECIDED = "accuracy when deciding"
ABSTENTION = "abstention rate"
ON_3_8 = "accuracy on 3s and 8s"

Key = tuple[str, str, str, str]  # condition, first ("" unless a debate), judge, metric


@dataclass(frozen=True)
class Config:
    """The experiment. `test_images` keeps only the first N test images (for fast tests);
    `draws` random reveal sets per test image for the no-debate conditions."""

    seeds: tuple[int, ...] = (0, 1, 2)
    ks: tuple[int, ...] = (4, 6)
    firsts: tuple[First, ...] = ("honest", "liar")
    split_seed: int = 0
    judge: JudgeTraining = field(default_factory=lambda: JudgeTraining(k=0))
    confusion: tuple[int, int] = (3, 8)
    abstain_threshold: float = 1.0
    minimax_max_k: int = 4
    mcts_rollouts: int = 500
    draws: int = 8
    test_images: int | None = None
    workers: int = 1


@dataclass(frozen=True)
class Row:
    """One measured quantity at one k: mean over judge seeds, 95% bootstrap CI, per-seed values,
    and the published numbers to compare with ("" where there are none)."""

    condition: str
    first: str
    judge: str
    metric: str
    k: int
    mean: float
    low: float
    high: float
    per_seed: tuple[float, ...]
    mnist: str
    digits_pilot: str


def published(condition: str, judge: str, metric: str, k: int) -> tuple[str, str]:
    """(MNIST, digits pilot) numbers from REFERENCES.md for a standard-judge accuracy row."""
    if judge != STANDARD or metric != ACCURACY:
        return "", ""
    table: dict[tuple[str, int], tuple[str, str]] = {
        (ALONE, 4): ("48.2%", "46%"),
        (ALONE, 6): ("59.4%", "60%"),
        (CONTROL, 4): ("~88% (replication, k unstated)", "85%"),
        (CONTROL, 6): ("~88% (replication, k unstated)", "90%"),
        (GREEDY, 4): ("", "82–84%"),
        (GREEDY, 6): ("", "87–89%"),
        (MINIMAX, 4): ("85.2% (MCTS 10k); ~75% adversarial liar (replication)", "75–77%"),
        (MCTS, 4): ("85.2% (MCTS 10k); ~75% adversarial liar (replication)", ""),
        (MCTS, 6): ("88.9% (MCTS 10k); ~75% adversarial liar (replication)", ""),
        (MINIMAX, 6): ("88.9% (MCTS 10k); ~75% adversarial liar (replication)", ""),
    }
    return table.get((condition, k), ("", ""))


def _share(x: BoolArray) -> float:
    return float(np.mean(x)) if x.size else float("nan")


def _verdict_metrics(out: dict[Key, float], condition: str, first: str, v_std: IntArray,
                     v_abs: IntArray, on_38: BoolArray) -> None:
    """Image-level metrics from per-image verdicts under the standard and abstaining judges."""
    out[(condition, first, STANDARD, ACCURACY)] = _share(v_std != LIAR)
    out[(condition, first, STANDARD, ON_3_8)] = _share(v_std[on_38] != LIAR)
    decided = v_abs != ABSTAIN
    out[(condition, first, ABSTAINING, DECIDED)] = _share(v_abs[decided] == HONEST)
    out[(condition, first, ABSTAINING, ABSTENTION)] = _share(~decided)


def _minimax_margins(judge: Judge, test: data.Digits, k: int) -> dict[First, FloatArray]:
    """(N, 9) exact game values per order of play (one leaf pass per image serves both)."""
    pairs = [minimax.image_values(judge, test.images[i], test.nonzero[i], int(test.labels[i]), k)
             for i in range(len(test))]
    return {"honest": np.stack([p[0] for p in pairs]).reshape(len(test), game.N_LIES),
            "liar": np.stack([p[1] for p in pairs]).reshape(len(test), game.N_LIES)}


def _debate_margins(judge: Judge, test: data.Digits, k: int, first: First, debater: str,
                    rng: np.random.Generator, rollouts: int) -> FloatArray:
    """(N, 9) final margins of every lie about every test image, played out."""
    players: dict[str, Callable[[], Debater]] = {
        RANDOM: RandomDebater, GREEDY: GreedyDebater, MCTS: lambda: MCTSDebater(rollouts)}
    d = players[debater]()
    games = game.all_lies(test, k, first)
    return game.play(games, judge, d, d, rng).margin.reshape(len(test), game.N_LIES)


def run_task(config: Config, seed: int, k: int, only: str | None = None) -> dict[Key, float]:
    """Every metric for one judge seed at one k; with `only`, those of one condition (one
    stored run of `oversight run debate-digits`). Each condition draws from its own stream, so
    its numbers are the same whether it runs alone or with the others; `only` = MINIMAX or MCTS
    picks the strong debater whatever k is."""
    streams = np.random.default_rng([seed, k]).spawn(8)
    split = data.split(data.load(), config.split_seed)
    test = split.test
    if config.test_images is not None:
        test = test.take(np.arange(min(config.test_images, len(test))))
    a, b = config.confusion
    is_38 = (test.labels == a) | (test.labels == b)
    training = replace(config.judge, k=k)
    judge = train_judge(split.train, training, int(streams[0].integers(2**62)))
    confused = train_judge(split.train, replace(training, label_map=swap_labels(a, b)),
                           int(streams[1].integers(2**62)))
    tau = config.abstain_threshold
    strong = only if only in (MINIMAX, MCTS) else MINIMAX if k <= config.minimax_max_k else MCTS
    debaters = [d for d in (RANDOM, GREEDY, strong) if only in (None, d)]
    out: dict[Key, float] = {}

    def no_debate(j: Judge, digits: data.Digits, rng: np.random.Generator
                  ) -> tuple[IntArray, FloatArray, FloatArray]:
        images = np.repeat(digits.images, config.draws, axis=0)
        s = j.scores(random_reveals(images > 0, k, rng), images)
        top2 = np.sort(s, axis=1)[:, -2:]
        control = game.random_second_label(digits, j, rng, config.draws)
        return s.argmax(axis=1), top2[:, 1] - top2[:, 0], control

    truth = np.repeat(test.labels, config.draws)
    on_38 = np.repeat(is_38, config.draws)
    guess, gap, control = no_debate(judge, test, streams[2])
    alone_ok = guess == truth
    out[(ALONE, "", STANDARD, ACCURACY)] = _share(alone_ok)
    out[(ALONE, "", STANDARD, ON_3_8)] = _share(alone_ok[on_38])
    decided = gap >= tau
    out[(ALONE, "", ABSTAINING, DECIDED)] = _share(alone_ok[decided])
    out[(ALONE, "", ABSTAINING, ABSTENTION)] = _share(~decided)
    _verdict_metrics(out, CONTROL, "", game.verdicts(control), game.verdicts(control, tau), on_38)

    tests_38 = test.take(np.flatnonzero(is_38))
    c_guess, _, c_control = no_debate(confused, tests_38, streams[3])
    out[(ALONE, "", CONFUSED, ON_3_8)] = _share(c_guess == np.repeat(tests_38.labels, config.draws))
    out[(CONTROL, "", CONFUSED, ON_3_8)] = _share(game.verdicts(c_control) != LIAR)

    exact: dict[str, dict[First, FloatArray]] = {}
    if MINIMAX in debaters:
        exact = {STANDARD: _minimax_margins(judge, test, k),
                 CONFUSED: _minimax_margins(confused, tests_38, k)}
    for first in config.firsts:
        for i, debater in enumerate((RANDOM, GREEDY, strong)):
            if debater not in debaters:
                continue
            rng = streams[4 + i]
            if debater == MINIMAX:
                m = exact[STANDARD][first]
            else:
                m = _debate_margins(judge, test, k, first, debater, rng, config.mcts_rollouts)
            lie_v = game.verdicts(m)
            out[(debater, first, STANDARD, PER_LIE)] = _share(lie_v == LIAR)
            _verdict_metrics(out, debater, first, game.image_verdicts(lie_v),
                             game.image_verdicts(game.verdicts(m, tau)), is_38)
            if debater == RANDOM:
                continue
            if debater == MINIMAX:
                cm = exact[CONFUSED][first]
            else:
                cm = _debate_margins(confused, tests_38, k, first, debater, rng,
                                     config.mcts_rollouts)
            out[(debater, first, CONFUSED, ON_3_8)] = _share(
                game.image_verdicts(game.verdicts(cm)) != LIAR)
    return out if only is None else {key: v for key, v in out.items() if key[0] == only}


def _task(args: tuple[Config, int, int]) -> dict[Key, float]:
    import torch

    torch.set_num_threads(1)
    return run_task(*args)


def run(config: Config) -> list[Row]:
    """All rows, in a fixed order: condition, first, judge, metric, then k."""
    tasks = [(config, seed, k) for k in sorted(config.ks, reverse=True) for seed in config.seeds]
    if config.workers > 1:
        from oversight.experiments.processes import worker_pool

        with worker_pool(config.workers) as pool:  # Ctrl-C kills the workers, waits for none
            results = list(pool.map(_task, tasks))
    else:
        results = [run_task(*t) for t in tasks]
    by_k: dict[int, list[dict[Key, float]]] = {}
    for (_, _, k), r in zip(tasks, results, strict=True):
        by_k.setdefault(k, []).append(r)
    return aggregate(by_k)


def aggregate(by_k: dict[int, list[dict[Key, float]]]) -> list[Row]:
    """Rows from per-seed results at each k (each list in seed order; a key absent at some k is
    left out there)."""
    results = [r for rs in by_k.values() for r in rs]
    rows: list[Row] = []
    for key in _ordered_keys(results):
        for k in sorted(by_k):
            vals = np.array([r[key] for r in by_k[k] if key in r])
            if not len(vals):
                continue
            low, high = bootstrap_ci(vals)
            mean = float(np.nanmean(vals)) if not np.all(np.isnan(vals)) else float("nan")
            mnist, pilot = published(key[0], key[2], key[3], k)
            rows.append(Row(*key, k, mean, low, high, tuple(float(v) for v in vals), mnist,
                            pilot))
    return rows


def _ordered_keys(results: list[dict[Key, float]]) -> list[Key]:
    conditions = [ALONE, CONTROL, RANDOM, GREEDY, MINIMAX, MCTS]
    judges = [STANDARD, ABSTAINING, CONFUSED]
    metrics = [ACCURACY, ON_3_8, PER_LIE, DECIDED, ABSTENTION]
    keys = {key for r in results for key in r}
    return sorted(keys, key=lambda c: (conditions.index(c[0]), c[1] == "liar",
                                       judges.index(c[2]), metrics.index(c[3])))

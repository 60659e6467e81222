"""The digits debate experiment as a report document (same writers as every other report)."""

from __future__ import annotations

import math

from oversight.digits.cli import NOTE, grid
from oversight.digits.experiment import ACCURACY, STANDARD, Row
from oversight.report import figures
from oversight.report.document import Document, FigureBlock, Section, Table

CONDITIONS = ("judge alone", "random second label", "debate: random vs random",
              "debate: greedy vs greedy", "debate: minimax vs minimax", "debate: MCTS vs MCTS")


def _bar(rows: list[Row], condition: str, k: int) -> figures.Bar:
    """The standard judge's accuracy; for debates, with the honest debater first."""
    for r in rows:
        if (r.condition == condition and r.k == k and r.judge == STANDARD
                and r.metric == ACCURACY and r.first in ("", "honest")):
            return figures.Bar(r.mean, (r.high - r.low) / 2)
    return figures.Bar(math.nan, math.nan)


def digits_document(rows: list[Row], seeds: int) -> Document:
    ks = sorted({r.k for r in rows})
    header, body = grid(rows)
    present = [c for c in CONDITIONS if any(not math.isnan(_bar(rows, c, k).mean) for k in ks)]
    figure = figures.grouped_bars(
        present, {f"k = {k}": [_bar(rows, c, k) for c in present] for k in ks},
        "judge accuracy (%)", "Sparse judge on 8×8 digits: alone, control and debates",
        percent=True)
    headline = {(c, k): _bar(rows, c, k) for c in present for k in ks}

    def pct(c: str, k: int) -> str:
        b = headline[(c, k)]
        return "–" if math.isnan(b.mean) else f"{100 * b.mean:.1f}%"

    abstract = (
        "We reproduce the sparse-judge debate experiment of [@irving2018debate] on scikit-learn's "
        f"8×8 digits with {seeds} judge seeds and its controls. " + " ".join(
            f"With k = {k} revealed pixels the judge alone is {pct('judge alone', k)} accurate, "
            f"choosing between the true and a random second label without debate "
            f"{pct('random second label', k)}, greedy debate {pct('debate: greedy vs greedy', k)}"
            + (f", minimax debate {pct('debate: minimax vs minimax', k)}"
               if "debate: minimax vs minimax" in present else "")
            + (f", MCTS debate {pct('debate: MCTS vs MCTS', k)}"
               if "debate: MCTS vs MCTS" in present else "") + "." for k in ks)
        + " Published MNIST numbers stand beside ours in the table.")
    method = Section("Method", (
        "The judge is a small network trained on k randomly revealed non-zero pixels (a 0/1 mask "
        "plane and the revealed values). In a debate the honest debater claims the true label and "
        "the liar one other; they alternately reveal pixels (true values, never repeated); the "
        "judge picks the claimed label it scores higher. The liar wins an image if any of the nine "
        "lies wins. Debaters: random, greedy, exact minimax over reveal sets, and UCT Monte Carlo "
        "tree search. Variants: an abstaining judge and a judge trained with 3 and 8 swapped.",
    ))
    results = Section("Results", (
        Table(NOTE, tuple(header), tuple(tuple(line) for line in body)),
        FigureBlock("digits-accuracy", "Judge accuracy per condition (standard judge; debates "
                    "with the honest debater first); error bars: 95% bootstrap intervals over "
                    "judge seeds.", figure),
    ))
    return Document(title="Debate with a sparse judge on 8×8 digits",
                    subtitle="oversight-lab experiment `debate-digits`", abstract=abstract,
                    sections=(method, results))

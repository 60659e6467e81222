"""The digits debate experiment as a report document: the digits kind of kinds.py, so it gets the
same findings-first abstract, claims table and writers as every other experiment.

Claims, per number of revealed pixels k: the strongest debate measured (MCTS, else minimax, else
greedy) against the judge alone (the paper's headline), and against the random-second-label
control (choosing between two labels without debate, which is easier than choosing among ten),
each paired by judge seed.
"""

from __future__ import annotations

import math
from typing import Any

from oversight.analysis.stats import paired_difference
from oversight.digits.experiment import ACCURACY, STANDARD, Key, Row, aggregate
from oversight.digits.table import NOTE, grid
from oversight.report import figures
from oversight.report.claims import Claim
from oversight.report.document import Block, Document, FigureBlock, Table
from oversight.report.kinds import Curves, Parts, Rows, assemble

CONDITIONS = ("judge alone", "random second label", "debate: random vs random",
              "debate: greedy vs greedy", "debate: minimax vs minimax", "debate: MCTS vs MCTS")


def _bar(rows: list[Row], condition: str, k: int) -> figures.Bar:
    """The standard judge's accuracy; for debates, with the honest debater first."""
    for r in rows:
        if (r.condition == condition and r.k == k and r.judge == STANDARD
                and r.metric == ACCURACY and r.first in ("", "honest")):
            return figures.Bar(r.mean, (r.high - r.low) / 2)
    return figures.Bar(math.nan, math.nan)


def _published(rows: list[Row], condition: str, k: int) -> tuple[str, str]:
    for r in rows:
        if (r.condition == condition and r.k == k and r.judge == STANDARD
                and r.metric == ACCURACY and (r.mnist or r.digits_pilot)):
            return r.mnist, r.digits_pilot
    return "", ""


def _row(rows: list[Row], condition: str, k: int) -> Row | None:
    for r in rows:
        if (r.condition == condition and r.k == k and r.judge == STANDARD
                and r.metric == ACCURACY and r.first in ("", "honest")):
            return r
    return None


def _claims(rows: list[Row], k: int, present: list[str]) -> list[tuple[str, Claim | str]]:
    debates = [c for c in reversed(CONDITIONS) if c.startswith("debate") and "random" not in c
               and c in present and _row(rows, c, k) is not None]
    out: list[tuple[str, Claim | str]] = []
    if not debates:
        return out
    debate = _row(rows, debates[0], k)
    assert debate is not None
    for base, question in (("judge alone", f"does debate help the sparse judge (k = {k})"),
                           ("random second label",
                            f"is debate more than the two-label control (k = {k})")):
        other = _row(rows, base, k)
        if other is None:
            continue
        diff = paired_difference(dict(enumerate(other.per_seed)), dict(enumerate(debate.per_seed)))
        out.append((question, Claim(question, f"8×8 digits with k = {k} revealed pixels",
                                    debates[0], base, "judge accuracy", True, diff,
                                    "digits-headline", True, unit="condition")))
    return out


def digits_document(rows: list[Row], seeds: int) -> Document:
    return assemble(digits_parts(rows, seeds))


def rows_of(store_rows: Rows) -> list[Row]:
    """The experiment's rows from its stored runs: one run is one condition at one k for one
    judge seed, its metrics named FIRST/JUDGE/METRIC (experiments/kinds.py run_digits)."""
    per_seed: dict[int, dict[int, dict[Key, float]]] = {}
    for r in store_rows:
        if r["status"] != "done":
            continue
        task = r["config"]["digits"]
        merged = per_seed.setdefault(task["k"], {}).setdefault(r["seed"], {})
        for name, value in r["metrics"].items():
            first, judge, metric = name.split("/")
            merged[(task["condition"], first, judge, metric)] = value
    return aggregate({k: [seeds[s] for s in sorted(seeds)] for k, seeds in per_seed.items()})


class Digits:
    """Runs of the digits debate task (experiments/kinds.py `digits`)."""

    name = "digits"

    def accepts(self, spec: Any, rows: Rows) -> bool:
        return all(getattr(a, "kind", None) == "digits" for a in spec.arms)

    def parts(self, spec: Any, rows: Rows, curves: Curves) -> Parts:
        return digits_parts(rows_of(rows), spec.seeds)


def digits_parts(rows: list[Row], seeds: int) -> Parts:
    ks = sorted({r.k for r in rows})
    header, body = grid(rows)
    n_keys = len(header) - 2 * len(ks)  # the grid without its published-number columns
    present = [c for c in CONDITIONS if any(not math.isnan(_bar(rows, c, k).mean) for k in ks)]
    figure = figures.grouped_bars(
        present, {f"k = {k}": [_bar(rows, c, k) for c in present] for k in ks},
        "judge accuracy (%)", "Sparse judge on 8×8 digits: alone, control and debates",
        percent=True)

    def pct(c: str, k: int) -> str:
        b = _bar(rows, c, k)
        if math.isnan(b.mean):
            return "–"
        return f"{100 * b.mean:.1f}% [{100 * (b.mean - b.half):.1f}, {100 * (b.mean + b.half):.1f}]"

    def published(c: str) -> str:
        parts = []
        for i, source in ((0, "MNIST"), (1, "digits pilot")):
            values = [_published(rows, c, k)[i] or "–" for k in ks]
            if any(v != "–" for v in values):
                parts.append(f"{source}: " + " / ".join(values))
        return "; ".join(parts)

    names = {"judge alone": "the judge alone is", "random second label":
             "choosing between the true and a random second label without debate gives",
             "debate: random vs random": "random debaters give",
             "debate: greedy vs greedy": "greedy debate gives",
             "debate: minimax vs minimax": "exact minimax debate gives",
             "debate: MCTS vs MCTS": "MCTS debate gives"}
    sentences: list[str] = []
    for k in ks:
        parts = [f"{names[c]} {pct(c, k)}" for c in present
                 if not math.isnan(_bar(rows, c, k).mean)]
        sentences.append(f"With k = {k} revealed pixels " + "; ".join(parts) + ".")
    setting = (
        "We reproduce the sparse-judge debate experiment of [@irving2018debate] on scikit-learn's "
        f"8×8 digits, with its controls, over {seeds} judge seed{'s' if seeds > 1 else ''} "
        "(accuracy, debates with the honest debater first).")
    headline = Table(
        "Judge accuracy (%, standard judge; debates with the honest debater first) beside the "
        f"published numbers (k = {' / '.join(map(str, ks))})",
        ("condition", *(f"k = {k}" for k in ks), "published"),
        tuple((c, *(pct(c, k).replace("%", "") for k in ks), published(c)) for c in present),
        name="digits-headline")
    method = (
        "The judge is a small network trained on k randomly revealed non-zero pixels (a 0/1 mask "
        "plane and the revealed values). In a debate the honest debater claims the true label and "
        "the liar one other; they alternately reveal pixels (true values, never repeated); the "
        "judge picks the claimed label it scores higher. The liar wins an image if any of the nine "
        "lies wins. Debaters: random, greedy, exact minimax over reveal sets, and UCT Monte Carlo "
        "tree search. Variants: an abstaining judge and a judge trained with 3 and 8 swapped.",
    )
    results: tuple[Block, ...] = (
        *sentences,
        headline,
        FigureBlock("digits-accuracy", "Judge accuracy per condition (standard judge; debates "
                    "with the honest debater first); error bars: 95% bootstrap intervals over "
                    "judge seeds.", figure),
        Table("Every condition, judge variant and metric. " + NOTE, tuple(header[:n_keys]),
              tuple(tuple(line[:n_keys]) for line in body), name="digits-all"),
    )
    return Parts(
        title="Debate with a sparse judge on 8×8 digits",
        subtitle="oversight-lab experiment `debate-digits`", setting=setting,
        questions=grouped([q for k in ks for q in _claims(rows, k, present)]),
        introduction=(), method=method, results=results)


def grouped(questions: list[tuple[str, Claim | str]]) -> tuple[tuple[str, Claim | str], ...]:
    """The claims grouped per question, each question's k in order (does debate help at k = 4,
    at k = 6; then is it more than the control at k = 4, at k = 6), so the abstract answers
    one question before the next."""
    def stem(question: str) -> str:
        return question.split(" (k = ")[0]

    order = list(dict.fromkeys(stem(q) for q, _ in questions))
    return tuple(sorted(questions, key=lambda qa: order.index(stem(qa[0]))))

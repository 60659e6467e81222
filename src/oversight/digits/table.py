"""The digits debate results as a grid of text cells: what the command line prints and the
report's table show (digits/cli.py, report/digits.py), in one place so neither imports the other."""

from __future__ import annotations

import math

from oversight.digits.experiment import Row

HEADER = ["condition", "first", "judge", "metric"]
NOTE = ("Test split of sklearn digits (599 images); mean over judge seeds [95% bootstrap CI]. "
        "Debate accuracy = 1 − share of images where ANY of the nine lies wins; per-lie = share of "
        "(image, lie) games the liar wins. first: who reveals first. Strong debaters: exact "
        "minimax (k = 4), UCT MCTS (k = 6). Published: Irving et al. 2018 (MNIST) and the "
        "replication and digits pilot of REFERENCES.md.")


def cell(row: Row | None) -> str:
    """'mean% [low, high]' in percent, or '—'."""
    if row is None or math.isnan(row.mean):
        return "—"
    return f"{100 * row.mean:.1f} [{100 * row.low:.1f}, {100 * row.high:.1f}]"


def grid(rows: list[Row]) -> tuple[list[str], list[list[str]]]:
    """One line per (condition, first, judge, metric): a column per k, then published numbers."""
    ks = sorted({r.k for r in rows})
    lines: dict[tuple[str, str, str, str], dict[int, Row]] = {}
    for r in rows:
        lines.setdefault((r.condition, r.first, r.judge, r.metric), {})[r.k] = r
    header = [*HEADER, *(f"k = {k} (%)" for k in ks),
              *(f"MNIST k = {k}" for k in ks), *(f"digits pilot k = {k}" for k in ks)]
    body = []
    for key, by_k in lines.items():
        body.append([*key, *(cell(by_k.get(k)) for k in ks),
                     *(by_k[k].mnist if k in by_k else "" for k in ks),
                     *(by_k[k].digits_pilot if k in by_k else "" for k in ks)])
    return header, body


def markdown(rows: list[Row]) -> str:
    """The grid as a Markdown table with its note."""
    header, body = grid(rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c or " " for c in line) + " |" for line in body]
    return "\n".join(lines) + f"\n\n{NOTE}\n"

"""`oversight debate-digits`: run the digits debate experiment, print its table, write files."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from oversight.digits import experiment
from oversight.digits.experiment import Config, Row
from oversight.digits.table import HEADER, NOTE, grid, markdown

console = Console(width=None if sys.stdout.isatty() else 160)
__all__ = ["NOTE", "debate_digits", "grid", "markdown", "write_csv"]


def write_csv(rows: list[Row], path: Path) -> None:
    """One line per row and k, per-seed values joined by ';'."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*HEADER, "k", "mean", "ci_low", "ci_high", "per_seed", "mnist",
                    "digits_pilot"])
        for r in rows:
            w.writerow([r.condition, r.first, r.judge, r.metric, r.k, f"{r.mean:.6f}",
                        f"{r.low:.6f}", f"{r.high:.6f}", ";".join(f"{v:.6f}" for v in r.per_seed),
                        r.mnist, r.digits_pilot])


def debate_digits(seeds: int, out: Path | None, report: bool = False) -> None:
    """Run the experiment with judge seeds 0..seeds−1 on up to 2 worker processes, print the
    table and, when `out` is given, write out/debate_digits.csv, out/debate_digits.md and, with
    `report`, out/report/ (HTML page, Markdown post, LaTeX paper)."""
    torch.set_num_threads(1)
    config = Config(seeds=tuple(range(seeds)), workers=min(2, os.cpu_count() or 1))
    rows = experiment.run(config)
    header, body = grid(rows)
    table = Table(title="[bold]Debate on 8×8 digits with a sparse judge[/]",
                  title_justify="left")
    for i, heading in enumerate(header):
        table.add_column(heading, justify="left" if i < len(HEADER) else "right")
    for line in body:
        table.add_row(*line)
    console.print(table)
    console.print(NOTE, style="dim", highlight=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(rows, out / "debate_digits.csv")
        (out / "debate_digits.md").write_text(markdown(rows))
        console.print(f"wrote {out / 'debate_digits.csv'} and {out / 'debate_digits.md'}",
                      highlight=False)
        if report:
            from oversight.report import write_document
            from oversight.report.digits import digits_document

            written = write_document(digits_document(rows, seeds), out / "report")
            for note in written.notes:
                console.print(f"note: {note}", highlight=False)
            for kind, path in written.paths.items():
                console.print(f"report {kind:<6} {path}", highlight=False)

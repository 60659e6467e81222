"""The results tables, one per question, as the report and the terminal show them (no figures:
`oversight run` prints these without importing matplotlib)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

from oversight.report.document import Table


def fmt(mean: float, half: float | None = None, pct: bool = False) -> str:
    """'0.38 ± 0.15', '81% ± 5', or '–' when not measured."""
    if mean is None or math.isnan(mean):
        return "–"
    scale, unit, digits = (100, "%", 0) if pct else (1, "", 2)
    text = f"{mean * scale:.{digits}f}{unit}"
    if half is not None and not math.isnan(half) and round(half * scale, digits) > 0:
        text += f" ± {half * scale:.{digits}f}"
    return text.replace("-", "−")


# heading, summary stem, shown as a percentage, shown with its CI
COLUMNS = [
    ("true return", "true_return_norm", False, True),
    ("perceived", "perceived_return_norm", False, True),
    ("deceived", "deception_rate", True, True),
    ("deceived >10%", "deception_rate_partial", True, True),
    ("looks − is", "perceived_gap", False, False),
    ("abstained", "abstain_rate", True, False),
    ("hazard train", "catastrophe_rate_train", True, False),
    ("hazard deploy", "catastrophe_rate_deploy", True, True),
    ("indifferent", "catastrophe_rate_indifferent_deploy", True, False),
]


def groups(summary: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in summary:
        out[row["question"] or "results"].append(row)
    return dict(out)


def short(row: dict[str, Any]) -> str:
    return str(row["arm"]).removeprefix(f"{row['world']}/")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "results"


NOT_MEASURED = ("–: not measured. A human overseer's perceived return, deception rates and "
                "looks − is gap need its values and view, which are not estimated from its "
                "answers (no estimation method is applied); they are left out rather than "
                "shown as if measured.")


def results_tables(summary: list[dict[str, Any]]) -> list[Table]:
    """One table per question, with the columns its arms have values for (a dash, with a
    note, where one arm's value was not measured)."""
    tables = []
    for question, rows in groups(summary).items():
        shown = [c for c in COLUMNS if any(
            not math.isnan(r[f"{c[1]}_mean"]) and (c[1] != "abstain_rate" or r[f"{c[1]}_mean"] > 0)
            for r in rows)]
        header = ("arm", *[c[0] for c in shown], "seeds", "labels", "hours")
        body = tuple(
            (short(r), *[fmt(r[f"{stem}_mean"], r[f"{stem}_ci95"] if ci else None, pct)
                         for _, stem, pct, ci in shown],
             str(r["n_seeds"]), f"{r['labels_mean']:.0f}",
             f"{r['overseer_seconds_mean'] / 3600:.2f}")
            for r in rows)
        dashed = any("–" in cell for line in body for cell in line[1:])
        human = any(r["overseer"] == "human" for r in rows)
        note = (NOT_MEASURED if human else "–: not measured.") if dashed else ""
        tables.append(Table(question, header, body, name=f"results-{slug(question)}", note=note))
    return tables

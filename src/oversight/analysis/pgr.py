"""Performance gap recovered (Burns et al. 2023, "Weak-to-strong generalization").

A weak supervisor's labels train a strong student; the strong ceiling is the same student trained
on gold labels. The share of the weak-to-ceiling gap the student recovers is

    PGR = (student − weak) / (ceiling − weak),

0 when the student only matches its supervisor, 1 when it reaches the ceiling (below 0: worse
than the supervisor; above 1: better than the ceiling). Undefined (NaN) where the ceiling does
not beat the weak model: there is no gap to recover.

Over seeds, two summaries: the mean of the per-seed PGRs with its 95% percentile bootstrap
interval (analysis/stats.py), and the PGR of the mean accuracies (what Burns et al. plot), which
is less noisy when a seed's gap is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oversight.analysis.stats import bootstrap_ci
from oversight.types import FloatArray

MIN_GAP = 1e-9  # a ceiling − weak gap at or below this recovers nothing measurable


def pgr(weak: FloatArray | float, student: FloatArray | float,
        ceiling: FloatArray | float) -> FloatArray:
    """Elementwise PGR of accuracies (any matching shapes; NaN where ceiling − weak ≤ MIN_GAP)."""
    w, s, c = (np.asarray(x, dtype=np.float64) for x in (weak, student, ceiling))
    gap = c - w
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > MIN_GAP, (s - w) / np.where(gap > MIN_GAP, gap, 1.0), np.nan)


@dataclass(frozen=True)
class PGRSummary:
    """PGR over seeds: the mean of per-seed PGRs and its 95% bootstrap interval (low, high),
    the PGR of the mean accuracies, and the seeds that had a gap to recover (n)."""

    mean: float
    low: float
    high: float
    of_means: float
    n: int


def summarise_pgr(weak: FloatArray, student: FloatArray, ceiling: FloatArray) -> PGRSummary:
    """(S,) per-seed accuracies of the weak model, the student and the ceiling → PGRSummary."""
    w, s, c = (np.asarray(x, dtype=np.float64) for x in (weak, student, ceiling))
    if not w.shape == s.shape == c.shape or w.ndim != 1:
        raise ValueError(f"summarise_pgr: expected three (S,) arrays, got shapes {w.shape}, "
                         f"{s.shape}, {c.shape}")
    per_seed = pgr(w, s, c)
    finite = per_seed[~np.isnan(per_seed)]
    low, high = bootstrap_ci(finite)
    mean = float(finite.mean()) if len(finite) else float("nan")
    return PGRSummary(mean, low, high, float(pgr(w.mean(), s.mean(), c.mean())) if len(w)
                      else float("nan"), len(finite))

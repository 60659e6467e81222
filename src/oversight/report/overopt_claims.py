"""The claim of a question whose runs swept best-of-n against their reward model (Gao et al.
2022's over-optimisation; `analysis.overoptimization.as_results` stores the metrics).

Over-optimisation is a claim about one curve, not about two arms: the gold (true) reward gain
of best-of-n is higher at its peak than at the largest n, i.e. optimising the proxy harder
than the peak made the policy truly worse. The deciding figure is the mean over seeds of
(peak − largest-n) gold gain, `overopt_best_of_n_fall`, paired within each run, with its 95%
bootstrap interval. Where the sweep also selected by a conservative objective (Coste et al.
2023), the question is whether it shrinks that fall: WCO's fall minus the mean's, paired by
run (lower is better). Both are measured on the question's last arm (in a sweep, the most
labels or the largest setting), as every claim of a report names one pair.
"""

from __future__ import annotations

from typing import Any

from oversight.analysis.stats import paired_difference
from oversight.report.claims import Claim
from oversight.report.kinds import Rows, seed_values


def overoptimization_claim(question: str, world: str, arm: Any, label: str, rows: Rows,
                           shown_in: str) -> Claim | None:
    """The question's over-optimisation claim on `arm` (named `label`), or None when its runs
    have no best-of-n sweep."""
    fall = seed_values(rows, arm.name, "overopt_best_of_n_fall")
    if not fall or all(v != v for v in fall.values()):  # NaN: no sweep in these runs
        return None
    wco = seed_values(rows, arm.name, "overopt_best_of_n_wco_fall")
    if wco and any(v == v for v in wco.values()):
        return Claim(question, world, "WCO", "mean", f"fall of best-of-n's gold gain after its "
                     f"peak ({label})", False, paired_difference(fall, wco), shown_in,
                     unit="objective")
    peak = seed_values(rows, arm.name, "overopt_best_of_n_peak_true_gain")
    final = seed_values(rows, arm.name, "overopt_best_of_n_final_true_gain")
    return Claim(question, world, "peak", "largest-n", f"gold (true) reward gain ({label})",
                 True, paired_difference(final, peak), shown_in, unit="point of best-of-n")

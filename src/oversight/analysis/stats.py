"""Confidence intervals over seeds."""

from __future__ import annotations

import numpy as np

from oversight.types import FloatArray


def bootstrap_ci(
    values: FloatArray, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `values` (NaNs dropped); a fixed seed keeps
    reports reproducible. One value gives a zero-width interval; none gives (nan, nan)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan"), float("nan")
    if len(x) == 1:
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    means = x[rng.integers(len(x), size=(n_boot, len(x)))].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def mean_and_halfwidth(values: FloatArray) -> tuple[float, float]:
    """The mean and half the width of its 95% bootstrap interval (NaN-safe)."""
    x = np.asarray(values, dtype=np.float64)
    if np.all(np.isnan(x)):
        return float("nan"), float("nan")
    lo, hi = bootstrap_ci(x)
    return float(np.nanmean(x)), (hi - lo) / 2

"""Confidence intervals over seeds, and paired comparisons between arms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oversight.types import FloatArray

N_BOOT = 2000


def bootstrap_ci(
    values: FloatArray, level: float = 0.95, n_boot: int = N_BOOT, seed: int = 0
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


@dataclass(frozen=True)
class PairedDifference:
    """mean(b − a) over seeds both arms ran, with its 95% bootstrap interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def within_noise(self) -> bool:
        """True when the interval contains zero (or there are fewer than two pairs)."""
        return self.n < 2 or not (self.low > 0 or self.high < 0)


def paired_difference(a: dict[int, float], b: dict[int, float]) -> PairedDifference:
    """Compare two arms seed by seed (arms share seeds, so their random streams are paired)."""
    seeds = sorted(set(a) & set(b))
    d = np.array([b[s] - a[s] for s in seeds], dtype=np.float64)
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return PairedDifference(float("nan"), float("nan"), float("nan"), 0)
    lo, hi = bootstrap_ci(d)
    return PairedDifference(float(d.mean()), lo, hi, len(d))

"""Bootstrap intervals and paired comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from oversight.analysis.stats import bootstrap_ci, mean_and_halfwidth, paired_difference


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(1.0, 1.0, 10), rng.normal(1.0, 1.0, 1000)
    lo_s, hi_s = bootstrap_ci(small)
    lo_l, hi_l = bootstrap_ci(large)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 5
    # the normal-theory half-width 1.96·σ/√n for n = 1000
    assert (hi_l - lo_l) / 2 == pytest.approx(1.96 * large.std() / np.sqrt(1000), rel=0.1)


def test_degenerate_inputs() -> None:
    assert bootstrap_ci(np.array([2.0])) == (2.0, 2.0)
    assert all(np.isnan(bootstrap_ci(np.array([np.nan]))))
    assert mean_and_halfwidth(np.array([1.0, 1.0, 1.0])) == (1.0, 0.0)


def test_paired_difference_sees_a_shift_that_unpaired_noise_hides() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(0, 5, 8)  # large seed-to-seed variation shared by both arms
    a = dict(enumerate(base))
    b = dict(enumerate(base + 0.5 + rng.normal(0, 0.05, 8)))
    diff = paired_difference(a, b)
    assert diff.mean == pytest.approx(0.5, abs=0.05) and not diff.within_noise
    same = paired_difference(a, dict(enumerate(base + rng.normal(0, 0.05, 8))))
    assert same.within_noise
    assert paired_difference(a, {99: 1.0}).n == 0

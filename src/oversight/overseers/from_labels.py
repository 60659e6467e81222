"""A simulated overseer calibrated from a real labeller's answers (the web page's labels).

The template is the preset of the view the labeller was shown (`lay` or `expert`). Its noiseless
version (deterministic, no mistakes, no equal threshold) answers the same queries; then

    mistake ε     share of the labeller's decisive answers (left / right) that disagree with the
                  noiseless preset's decisive answers on the same queries (clipped to [0, 0.5]):
                  errors beyond what the view itself explains
    equal         the smallest threshold at which the preset's tie rate (exact ties included) on
                  these queries comes nearest the labeller's (B-Pref's "equal" teacher)
    base seconds  such that the preset's mean predicted seconds on these queries equals the
                  labeller's median answer time (its per-step and per-evidence parts are kept)

Abstention ("can't tell", timeouts) is measured and returned, but a simulated overseer abstains
only by its rule (what it cannot see could flip its answer), so the rate is reported, not fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from oversight.overseers.simulated import SimulatedOverseer
from oversight.types import Answer, FloatArray, IntArray, Queries

DECISIVE = [Answer.FIRST, Answer.SECOND]


@dataclass(frozen=True)
class Calibration:
    overseer: SimulatedOverseer
    mistake: float
    equal: float
    tie_rate: float  # the labeller's, among answers that were not abstentions
    abstain_rate: float
    seconds_median: float
    n: int  # labels used

    def overseer_params(self) -> dict[str, float]:
        """What to write in an experiment arm to use this overseer (with the template preset)."""
        return {"mistake": round(self.mistake, 4), "equal": round(self.equal, 4)}


def _tie_rates(noiseless: SimulatedOverseer, queries: Queries, grid: FloatArray) -> FloatArray:
    """For each equal threshold in `grid`, the share of TIE answers (exact ties and those under
    the threshold, as `SimulatedOverseer.judge` applies it) among the answers that are not
    abstentions of the deterministic overseer: (len(grid),)."""
    base = noiseless.judge(queries, np.random.default_rng(0)).answer
    judged = base != Answer.ABSTAIN
    if not judged.any():
        return np.zeros(len(grid))
    r1, r2 = noiseless.perceived_returns(queries)
    average = abs(float(np.concatenate([r1, r2]).mean()))
    under = np.abs(r1 - r2)[judged][None, :] < grid[:, None] * average
    return ((base[judged] == Answer.TIE)[None, :] | under).mean(axis=1)


def calibrate_from_labels(template: SimulatedOverseer, queries: Queries, answers: IntArray,
                          seconds: FloatArray) -> Calibration:
    """Fit ε, the equal threshold and the base seconds of `template` to a labeller's answers
    (Answer codes) and answer times (NaN where timed out) on `queries`."""
    if len(answers) == 0:
        raise ValueError("no labels to calibrate from")
    rat = template.rationality
    noiseless = replace(template, rationality=replace(rat, beta=float("inf"), mistake=0.0,
                                                      equal=0.0, skip=0.0))
    reference = noiseless.judge(queries, np.random.default_rng(0)).answer  # deterministic
    decisive = np.isin(answers, DECISIVE) & np.isin(reference, DECISIVE)
    mistake = float(np.mean(answers[decisive] != reference[decisive])) if decisive.any() else 0.0
    mistake = min(mistake, 0.5)
    judged = answers != Answer.ABSTAIN
    ties = float(np.mean(answers[judged] == Answer.TIE)) if judged.any() else 0.0
    grid = np.linspace(0.0, 5.0, 501)
    rates = _tie_rates(noiseless, queries.take(np.flatnonzero(judged)), grid)
    equal = float(grid[np.argmin(np.abs(rates - ties))])  # the smallest of equally near ones
    timed = seconds[~np.isnan(seconds)]
    median = float(np.median(timed)) if len(timed) else template.cost.base_seconds
    variable = float(np.mean(template.seconds(queries) - template.cost.base_seconds))
    cost = replace(template.cost, base_seconds=max(0.0, median - variable))
    fitted = replace(template, name=f"{template.name} (calibrated)",
                     rationality=replace(rat, mistake=mistake, equal=equal), cost=cost)
    return Calibration(fitted, mistake, equal, ties, float(np.mean(~judged)), median,
                       len(answers))

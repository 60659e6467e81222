"""Ensemble objectives: how M reward-model members' scores become the one score a policy selects by.

Coste, Anwar, Kirk and Krueger (2023), "Reward model ensembles help mitigate overoptimization"
(ICLR 2024), §3, for members' rewards R_1 … R_M of one (prompt, completion):

- mean:  R_mean = (1/M) Σ_i R_i
- WCO (worst-case optimisation):        R_WCO = min_i R_i
- UWO (uncertainty-weighted optimisation): R_UWO = (1/M) Σ_i R_i − λ · (1/M) Σ_i (R_i − R_mean)²,
  the population variance over members (not the standard deviation: λ has units of 1 / reward),
  λ ≥ 0 a parameter.

Members here are standardised (mean 0, std 1 over the judged completions:
learning/lm/reward_model.py), so the variance is in units of one member's standard deviation
squared. With identical members WCO and UWO are the mean; with λ = 0 UWO is the mean.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from oversight.types import FloatArray

Objective = Literal["mean", "wco", "uwo"]
OBJECTIVES: tuple[Objective, ...] = ("mean", "wco", "uwo")


def ensemble_objective(scores: FloatArray, objective: Objective, uwo_lambda: float = 0.0
                       ) -> FloatArray:
    """(N,) the objective's score of N completions from the members' scores (M, N)."""
    r = np.asarray(scores, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] < 1:
        raise ValueError(f"ensemble_objective: scores must be (M ≥ 1, N), got {r.shape}")
    if uwo_lambda < 0:
        raise ValueError(f"ensemble_objective: uwo_lambda must be ≥ 0, got {uwo_lambda}")
    match objective:
        case "mean":
            return r.mean(axis=0)
        case "wco":
            return r.min(axis=0)
        case "uwo":
            return r.mean(axis=0) - uwo_lambda * r.var(axis=0)
    raise ValueError(f"ensemble_objective: unknown objective {objective!r}; expected one of "
                     f"{list(OBJECTIVES)}")

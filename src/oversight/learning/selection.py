"""Query selection: which of the candidate pairs to ask the overseer about.

Christiano et al. (2017) sample about 10× more candidate pairs than they ask and ask those on
which the ensemble disagrees most (variance of the members' predicted preference); B-Pref adds
the entropy of the mean prediction. `uniform` asks a random subset.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from oversight.learning.reward_models import BTEnsemble
from oversight.types import FloatArray, IntArray, Queries

Selector = Literal["uniform", "disagreement", "entropy"]


def disagreement(ensemble: BTEnsemble, queries: Queries) -> FloatArray:
    """(N,) variance across members of the predicted preference."""
    return ensemble.prob_second(queries).var(axis=0)


def entropy(ensemble: BTEnsemble, queries: Queries) -> FloatArray:
    """(N,) entropy of the ensemble-mean predicted preference, in nats."""
    p = ensemble.prob_second(queries).mean(axis=0).clip(1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


def select(
    selector: Selector,
    candidates: Queries,
    n: int,
    ensemble: BTEnsemble | None,
    rng: np.random.Generator,
) -> IntArray:
    """Indices of the n candidates to ask, most informative first. Without a fitted ensemble
    (the first round) every selector is uniform. Ties in a score are broken at random."""
    n = min(n, len(candidates))
    order = rng.permutation(len(candidates))
    if ensemble is None or selector == "uniform":
        return order[:n]
    match selector:
        case "disagreement":
            score = disagreement(ensemble, candidates.take(order))
        case "entropy":
            score = entropy(ensemble, candidates.take(order))
    return order[np.argsort(-score, kind="stable")[:n]]

"""`adversarial`: RLHF, then a red team that hunts for where the reward model is wrong or a
catastrophe is possible, has those situations judged, and retrains (adversarial training as
proposed for catastrophe avoidance, e.g. Christiano 2019, "worst-case guarantees").

After plain RLHF on `1 − red_fraction` of the budget, each of `red_rounds` rounds:

    attack     roll out the current policy and every ensemble member's policy (with a little
               exploration) on levels from the whole level generator, training and deployment
               alike: the red team may set up situations training never showed (an unguarded
               console). Score each episode by what makes a failure likely:
                   proxy return + κ·(ensemble std of its return) + ν·(share of unseen states)
               high proxy reward where the members disagree, in states no judged segment visited
    judge      pair each of the top-scored attacks with another episode from the same level and
               ask the overseer, charged to the same budget
    retrain    refit the ensemble on every judgment so far and re-optimise the policy

Attacker effort is measured before and after: walking down the ranked attacks, how many queries
until the first failure, one where the reward model's preference between the attack and its
partner is the reverse of the true one, or where the attack reaches a catastrophe and the model
scores it no lower than its better partner (indifference to the catastrophe); NaN: none among
the candidates. Measured with the true reward, not paid for. The red team's refits use the
reward model's configured L2 coefficient, not the value the RLHF loop adapted to.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from annotated_types import Ge, Interval

from oversight.analysis.metrics import policy_metrics
from oversight.learning.distill import distill
from oversight.learning.planning import soft_value_iteration
from oversight.learning.reward_models import BTEnsemble, PreferenceData, fit
from oversight.learning.rollouts import sample_episodes
from oversight.protocols import Overseer
from oversight.schemes.loop import affordable, answer_rates, held_out_agreement, log_judgments
from oversight.schemes.rlhf import RLHF
from oversight.types import (
    Budget,
    FloatArray,
    IntArray,
    Judgments,
    Queries,
    RunResult,
    Segments,
    Spend,
)
from oversight.worlds.engine import TabularWorld


@dataclass(frozen=True)
class Adversarial:
    rlhf: RLHF = field(default_factory=RLHF)
    red_fraction: Annotated[float, Interval(gt=0, lt=1)] = 0.25
    red_rounds: Annotated[int, Ge(1)] = 3
    kappa: Annotated[float, Ge(0)] = 1.0
    novelty: Annotated[float, Ge(0)] = 1.0
    attack_episodes: Annotated[int, Ge(4)] = 200

    def run(self, world: TabularWorld, overseer: Overseer, budget: Budget,
            rng: np.random.Generator) -> RunResult:
        main_rng, red_rng, eval_rng, distil_rng = rng.spawn(4)
        first = Budget(budget.kind, budget.amount * (1 - self.red_fraction))
        result = self.rlhf.run(world, overseer, first, main_rng)
        history: tuple[Queries, Judgments] | None = result.artefacts["history"]
        ensemble: BTEnsemble | None = result.artefacts["ensemble"]
        if history is None or ensemble is None:
            return result
        asked, judgments = history
        data = PreferenceData.from_judgments(asked, judgments)
        seen = _visited(world, asked)
        policy = result.artefacts["policy"]
        metrics = dict(result.metrics)
        metrics["attack_effort_before"] = self.effort(world, ensemble, policy, seen, eval_rng)
        share = budget.amount * self.red_fraction / self.red_rounds
        red = Spend()
        log = {k: list(v) for k, v in result.judgments.items()}
        for r in range(self.red_rounds):
            attacks = self.attack(world, ensemble, policy, seen, red_rng)
            keep = affordable(overseer, attacks, budget, share)
            if len(keep) == 0:
                continue
            attacks = attacks.take(keep)
            answers = overseer.judge(attacks, red_rng)
            red = red.add(answers, overseer.wage_per_hour)
            log_judgments(log, self.rlhf.rounds + r, attacks, answers, overseer.name)
            asked, judgments = Queries.concat(asked, attacks), Judgments.concat(judgments,
                                                                                answers)
            data = data.concat(PreferenceData.from_judgments(attacks, answers))
            seen |= _visited(world, attacks)
            ensemble = fit(data, self.rlhf.reward_model, red_rng)
            policy = self.rlhf.optimise(world, ensemble)
        metrics["attack_effort_after"] = self.effort(world, ensemble, policy, seen, eval_rng)
        if self.rlhf.optimizer == "distilled":
            policy, metrics["distill_agreement_train"] = distill(world, policy, distil_rng)
        metrics |= policy_metrics(world, policy, overseer.perceived_weights, ensemble, eval_rng)
        metrics |= answer_rates((asked, judgments))
        metrics["rm_agreement"] = held_out_agreement(world, policy, ensemble, eval_rng)
        metrics["labels"] += red.labels
        metrics["overseer_seconds"] += red.seconds
        metrics["money"] += red.money
        metrics["red_team_labels"] = float(red.labels)
        artefacts = {"policy": policy, "ensemble": ensemble, "history": (asked, judgments)}
        return RunResult(metrics, result.curves, log, artefacts)

    def attack(self, world: TabularWorld, ensemble: BTEnsemble, policy: FloatArray,
               seen: np.ndarray, rng: np.random.Generator) -> Queries:
        """Candidate pairs (attack, partner from the same level), most promising first."""
        episodes = self._episodes(world, ensemble, policy, rng)
        returns = ensemble.member_rewards(episodes.features).sum(axis=-1)  # (M, N)
        unseen = (~seen[episodes.states]).mean(axis=1)
        score = returns.mean(axis=0) + self.kappa * returns.std(axis=0) + self.novelty * unseen
        order = np.argsort(-score, kind="stable")
        partner = _same_level_partner(episodes.level, rng)
        return Queries.pairs(episodes.take(order), episodes.take(partner[order]))

    def effort(self, world: TabularWorld, ensemble: BTEnsemble, policy: FloatArray,
               seen: np.ndarray, rng: np.random.Generator) -> float:
        """Queries down the ranked attacks until the first failure (1-based); NaN if none."""
        attacks = self.attack(world, ensemble, policy, seen, rng)
        r1 = ensemble.reward(attacks.first.features).sum(axis=1)
        r2 = ensemble.reward(attacks.second.features).sum(axis=1)
        t1, t2 = attacks.first.returns(world.w_true), attacks.second.returns(world.w_true)
        wrong = np.sign(r1 - r2) * np.sign(t1 - t2) < 0
        if world.catastrophe is not None:
            k = world.feature_index(world.catastrophe)
            wrong |= (attacks.first.features[:, :, k].sum(axis=1) > 0) & (r1 >= r2) & (t1 < t2)
        hits = np.flatnonzero(wrong)
        return float(hits[0] + 1) if len(hits) else math.nan

    def _episodes(self, world: TabularWorld, ensemble: BTEnsemble, policy: FloatArray,
                  rng: np.random.Generator) -> Segments:
        """Episodes of the policy and of each member's optimal policy, on levels drawn from
        the whole generator (training and deployment levels, in the world's level indexing)."""
        members = ensemble.member_rewards(world.features)
        drivers = [policy] + [soft_value_iteration(r, world.next_state, world.horizon, 0.0)
                              for r in members]
        n = max(1, self.attack_episodes // (2 * len(drivers)))  # per driver and split
        parts = [sample_episodes(world, p, n, rng, split, self.rlhf.explore)
                 for p in drivers for split in ("train", "deploy")]
        return functools.reduce(Segments.concat, parts)


def _visited(world: TabularWorld, queries: Queries) -> np.ndarray:
    """(S,) states visited by any segment of the queries."""
    seen = np.zeros(world.n_states, dtype=bool)
    seen[queries.first.states.ravel()] = True
    seen[queries.second.states.ravel()] = True
    return seen


def _same_level_partner(level: IntArray, rng: np.random.Generator) -> IntArray:
    """(N,) for each episode another episode that started in the same level (itself if alone)."""
    partner = np.arange(len(level))
    for lv in np.unique(level):
        idx = np.flatnonzero(level == lv)
        if len(idx) > 1:
            shift = rng.integers(1, len(idx))
            partner[idx] = np.roll(idx, shift)
    return partner

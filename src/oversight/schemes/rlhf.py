"""`rlhf`: the online loop of Christiano et al. (2017) on a tabular world.

    policy ← uniform
    for each round:
        roll out episodes of the current policy (plus a little uniform exploration)
        cut segments, draw ~10× more candidate pairs than this round may ask
        select queries (uniform / disagreement / entropy), ask the overseer, charge the budget
        fit the Bradley–Terry ensemble on every judgment so far
        re-optimise: soft value iteration on the ensemble-mean reward

The budget is spent on a schedule: `initial_fraction` of it (25%, as in the MuJoCo experiments)
on segments of the initial random policy, the rest evenly over the remaining rounds, so labelling
stays online (offline-only reward training invited reward hacking in the same paper). Every
judgment asked is charged, abstentions and skips included. Between fits the L2 coefficient is
adapted to keep validation loss within 1.1–1.5× the training loss.

The schemes built on this loop plug in at one seam, between selecting a round's queries and
charging for them: `assist` adds verifiable evidence to each query (debate's transcript, an rrm
assistant's findings), which the overseer reads and is paid for; amplification wraps the
overseer itself (schemes/amplification.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal, Protocol

import numpy as np
from annotated_types import Ge, Interval

from oversight.analysis.metrics import anchor_expectations, normalise, policy_metrics
from oversight.learning.distill import distill
from oversight.learning.planning import (
    LayeredPlanner,
    feature_expectations,
    soft_value_iteration,
    uniform_policy,
)
from oversight.learning.reward_models import (
    BTEnsemble,
    PreferenceData,
    RewardModelConfig,
    fit,
)
from oversight.learning.rollouts import crop, sample_episodes
from oversight.learning.selection import Selector, select
from oversight.protocols import Overseer
from oversight.schemes.loop import (
    adapt_l2,
    affordable,
    answer_rates,
    held_out_agreement,
    log_judgments,
    new_log,
    per_query,
    spend_metrics,
)
from oversight.types import (
    Budget,
    FloatArray,
    Judgments,
    Queries,
    RunResult,
    Segments,
    Spend,
)
from oversight.worlds.engine import TabularWorld

MAX_QUERIES_PER_ROUND = 2000


class Assist(Protocol):
    """Adds evidence to queries before the overseer sees them (schemes/debate.py, rrm.py)."""

    def __call__(self, queries: Queries, rng: np.random.Generator) -> Queries: ...


@dataclass(frozen=True)
class RLHF:
    rounds: Annotated[int, Ge(1)] = 8
    episodes_per_round: Annotated[int, Ge(2)] = 200
    segment_length: Annotated[int, Ge(1)] | None = None  # None: whole episodes
    candidates_factor: Annotated[int, Ge(1)] = 10
    initial_fraction: Annotated[float, Interval(ge=0, le=1)] = 0.25
    explore: Annotated[float, Interval(ge=0, le=1)] = 0.2
    member_exploration: bool = True
    selector: Selector = "disagreement"
    # of the optimiser: 0 = greedy optimal on the learned reward
    temperature: Annotated[float, Ge(0)] = 0.0
    optimizer: Literal["exact", "distilled"] = "exact"  # distilled: a network imitates the
    # final planner on training levels only, then acts on every level (learning/distill.py)
    reward_model: RewardModelConfig = field(default_factory=RewardModelConfig)

    def run(
        self,
        world: TabularWorld,
        overseer: Overseer,
        budget: Budget,
        rng: np.random.Generator,
        assist: Assist | None = None,
        amplify: Callable[[BTEnsemble | None], Overseer] | None = None,
    ) -> RunResult:
        """assist: adds evidence to each round's queries; amplify: the overseer for a round
        given the current reward model (schemes/amplification.py). Both default to none."""
        direct = overseer
        # a sixth child for the schemes' assist leaves the first five (plain RLHF's) unchanged
        roll_rng, select_rng, judge_rng, fit_rng, eval_rng, assist_rng = rng.spawn(6)
        policy = uniform_policy(world)
        ensemble: BTEnsemble | None = None
        data: PreferenceData | None = None
        spend = Spend()
        log = new_log()
        history: tuple[Queries, Judgments] | None = None
        weight_decay = self.reward_model.weight_decay
        curves: dict[str, list[tuple[int, float]]] = {"true_return_norm_train": [],
                                                      "rm_val_loss": []}  # x: labels spent
        length = self.segment_length or world.horizon
        rounds_planner = LayeredPlanner(world, "train")
        j_rand, j_opt = (float(m @ world.w_true) for m in anchor_expectations(world, "train"))
        for r in range(self.rounds):
            allowance = budget.amount * self.spent_by(r) - spend.used(budget.kind)
            if allowance <= 0:
                continue
            overseer = direct if amplify is None else amplify(ensemble)
            episodes = self.behave(world, policy, ensemble, roll_rng)
            segments = crop(episodes, length, roll_rng)
            candidates = _candidate_pairs(segments, self, overseer, budget, allowance, roll_rng)
            asked = candidates.take(select(self.selector, candidates, len(candidates), ensemble,
                                           select_rng))
            if assist is not None:  # evidence only adds cost: assist what could be afforded
                asked = assist(asked.take(affordable(overseer, asked, budget, allowance)),
                               assist_rng)
            keep = affordable(overseer, asked, budget, allowance)
            if len(keep) == 0:
                continue
            asked = asked.take(keep)
            judgments = overseer.judge(asked, judge_rng)
            log_judgments(log, r, asked, judgments, overseer.name)
            history = (asked, judgments) if history is None else (
                Queries.concat(history[0], asked), Judgments.concat(history[1], judgments))
            spend = spend.add(judgments, overseer.wage_per_hour)
            new = PreferenceData.from_judgments(asked, judgments)
            data = new if data is None else data.concat(new)
            if len(data) == 0:
                continue
            ensemble = fit(data, self.reward_model, fit_rng, weight_decay)
            weight_decay = adapt_l2(weight_decay, ensemble)
            # rounds act on training levels only: plan where those can lead (bit-identical there)
            policy = self.optimise(world, ensemble, rounds_planner)
            j = float(feature_expectations(world, policy, "train") @ world.w_true)
            curves["true_return_norm_train"].append((spend.labels, normalise(j, j_rand, j_opt)))
            curves["rm_val_loss"].append((spend.labels, ensemble.val_loss))

        if ensemble is not None:  # the final policy acts on deployment levels too
            policy = self.optimise(world, ensemble)
        extra: dict[str, float] = {}
        if self.optimizer == "distilled":
            policy, extra["distill_agreement_train"] = distill(world, policy, eval_rng)
        metrics = policy_metrics(world, policy, direct.perceived_weights, ensemble,
                                 eval_rng) | extra
        metrics |= {
            **spend_metrics(spend),
            **answer_rates(history),
            "rm_agreement": held_out_agreement(world, policy, ensemble, eval_rng),
        }
        artefacts = {"policy": policy, "ensemble": ensemble, "history": history}
        return RunResult(metrics, curves, log, artefacts)

    def spent_by(self, r: int) -> float:
        """Share of the budget that may be spent by the end of round r (0-based)."""
        if self.rounds == 1:
            return 1.0
        return self.initial_fraction + (1 - self.initial_fraction) * r / (self.rounds - 1)

    def behave(
        self,
        world: TabularWorld,
        policy: FloatArray,
        ensemble: BTEnsemble | None,
        rng: np.random.Generator,
    ) -> Segments:
        """This round's episodes. With `member_exploration`, each member of the ensemble drives
        an equal share of them with the policy that is optimal under that member's reward (a
        bootstrap posterior sample, as in bootstrapped DQN, Osband et al. 2016): where members
        disagree, their policies act differently, and the segments show what is in dispute."""
        n = self.episodes_per_round
        if not self.member_exploration or ensemble is None:
            return sample_episodes(world, policy, n, rng, "train", self.explore)
        members = ensemble.member_rewards(world.features)  # (M, S, A)
        shares = np.array_split(np.arange(n), len(members))
        planner = LayeredPlanner(world, "train")  # each member's policy acts, then is replaced
        parts = [
            sample_episodes(world, planner.plan(r, self.temperature), len(idx), rng, "train",
                            self.explore)
            for r, idx in zip(members, shares, strict=True)
        ]
        return functools.reduce(Segments.concat, parts)

    def optimise(self, world: TabularWorld, ensemble: BTEnsemble,
                 planner: LayeredPlanner | None = None) -> FloatArray:
        """Soft value iteration on the ensemble-mean reward at the optimiser's temperature:
        with a planner, on its layers only, into its buffer; else everywhere."""
        reward = ensemble.reward(world.features)
        if planner is not None:
            return planner.plan(reward, self.temperature)
        return soft_value_iteration(reward, world.next_state, world.horizon, self.temperature)


def _candidate_pairs(
    segments: Segments,
    scheme: RLHF,
    overseer: Overseer,
    budget: Budget,
    allowance: float,
    rng: np.random.Generator,
) -> Queries:
    """candidates_factor × (queries this round's allowance buys) random pairs of distinct
    segments; the expected cost per query is read off a probe batch."""
    n = len(segments)
    sample = segments.take(np.arange(min(n, 16)))
    probe = Queries.pairs(sample, sample)
    cost = per_query(overseer, probe, budget)
    wanted = min(MAX_QUERIES_PER_ROUND, max(1, math.ceil(allowance / cost)))
    n_cand = scheme.candidates_factor * wanted
    i = rng.integers(n, size=n_cand)
    j = (i + rng.integers(1, n, size=n_cand)) % n  # j != i
    _, first = np.unique(np.stack([i, j], axis=1), axis=0, return_index=True)
    keep = np.sort(first)  # each distinct ordered pair once, in the order drawn
    return Queries.pairs(segments.take(i[keep]), segments.take(j[keep]))

"""RLHF on a language model: the tabular loop's steps with text in place of trajectories.

One run (Ouyang et al. 2022's recipe, made small):
1. a base model pre-trained here on the world's corpus (learning/lm/base_model.py, cached by
   world, size and seed in the folder the runner hands in);
2. two completions of each training prompt sampled from it; the overseer judges the pairs from
   their checked features, as it judges trajectory segments (a segment is one prompt and one
   completion), every judgment charged to the budget; people (overseer = "human") read the
   prompt and both completions as text on the labelling page instead (protocols.ReadsTexts);
3. a Bradley–Terry ensemble over the text fitted to the judgments (learning/lm/reward_model.py);
4. the policy optimised against the ensemble's mean (or conservative mean − k·std) reward:
   `bon` best-of-n sampling from the base model (KL = log n − (n−1)/n), `grpo` / `rloo` (TRL,
   KL coefficient β to the base model), or `dpo` (TRL, offline on the judgments themselves);
5. evaluation on held-out training-split prompts and on deployment prompts.

Metrics carry the tabular runs' names, so summaries, reports and analyses read them unchanged.
Per prompt, the world's scripted behaviours (`TextWorld.completions`, `candidates` draws) set the
scale: "optimum" is the best true reward among them, "random" the base model's mean, so a
normalised true return of 1 means the policy answers as well as the best scripted answer and 0
means no better than the base model. Deception follows analysis/metrics.py: a completion the
overseer perceives at least as good as the best scripted answer (as it perceives them) whose true
reward is below halfway from that answer's to the worst scripted one (strict), or more than a
tenth of that range below the best (partial).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal, cast

import numpy as np
from annotated_types import Interval
from transformers import GPT2LMHeadModel, PreTrainedModel, PreTrainedTokenizerFast

from oversight.analysis.overoptimization import Point, as_results
from oversight.learning.lm.base_model import load_or_train, sample
from oversight.learning.lm.best_of_n import best_of_n, kl_best_of_n, pool_sweep
from oversight.learning.lm.conservative import Objective, ensemble_objective
from oversight.learning.lm.kl import sequence_logprobs
from oversight.learning.lm.reward_model import TextRewardConfig, TextRewardEnsemble
from oversight.learning.lm.trl_common import LMTrainConfig, RewardFn, resolve_device
from oversight.protocols import Overseer, ReadsTexts
from oversight.schemes.lm_gold import GoldModel, fit_gold, gold_judgments
from oversight.schemes.loop import affordable, spend_metrics
from oversight.types import (
    Answer,
    Budget,
    FloatArray,
    Judgments,
    PairTexts,
    Queries,
    RunResult,
    Spend,
)
from oversight.worlds.text.base import Prompt, TextSplit, TextWorld

Optimizer = Literal["bon", "grpo", "rloo", "dpo"]
# the gold reward model's defaults: one member twice the proxy's default width, more steps
GOLD_LABELS = 4000
GOLD_REWARD_MODEL = TextRewardConfig(members=1, n_layer=2, n_embd=64, n_head=4, steps=600,
                                     device="cpu")
GOLD_STREAM = 0x601D  # the gold reward model's generator: SeedSequence([seed, GOLD_STREAM])
TARGETS = {Answer.FIRST: 1.0, Answer.SECOND: 0.0, Answer.TIE: 0.5}  # others: not trained on


@dataclass(frozen=True)
class GivenPreferences:
    """Judgments made elsewhere (a person's own labels, another run's export): row i says
    `chosen[i]` is a better completion of `prompts[i]` than `rejected[i]`, after `seconds[i]`
    of the labeller's time; TRL's prompt / chosen / rejected columns (oversight export
    --format hf writes them)."""

    prompts: tuple[str, ...]
    chosen: tuple[str, ...]
    rejected: tuple[str, ...]
    seconds: tuple[float, ...]

    def affordable(self, budget: Budget, wage_per_hour: float) -> tuple[np.ndarray, Judgments]:
        """The longest prefix of the rows that fits the budget (labels, or seconds and money
        at the arm's overseer's wage), as indices and judgments (each one FIRST: chosen is
        shown first)."""
        seconds = np.asarray(self.seconds, dtype=np.float64)
        charge = {"labels": np.ones_like(seconds), "seconds": seconds,
                  "money": seconds * wage_per_hour / 3600}[budget.kind]
        asked = np.flatnonzero(np.cumsum(charge) <= budget.amount + 1e-9)
        return asked, Judgments(np.full(len(asked), int(Answer.FIRST)), seconds[asked])


@dataclass(frozen=True)
class LMRLHF:
    """size: the base model's size (base_model.SIZES); base_seed: its pre-training seed (None:
    the run's seed; a fixed one lets every arm and seed start from the same model). prompts:
    training prompts, each asked about once (two completions); eval_prompts per split;
    candidates: scripted answers per evaluation prompt that set its scale; conservative: k in
    mean − k·std of the ensemble; n: best-of-n's n; train: GRPO/RLOO/DPO settings.
    overoptimization: pool size N per prompt of the over-optimisation sweep (0: none): N base
    samples for each of `overoptimization_prompts` fresh training prompts, scored by the true
    reward (gold) and the fitted ensemble (proxy); best-of-n for n = 1, 2, 4, … ≤ N by the
    unbiased estimator (best_of_n.pool_sweep), stored as `overopt_best_of_n_*` curves and fits.
    overoptimization_objectives: the ensemble objectives best-of-n selects by in that sweep
    (learning/lm/conservative.py, Coste et al. 2023): "mean" (curves `overopt_best_of_n_*`),
    "wco" (the members' minimum, `overopt_best_of_n_wco_*`), "uwo" (mean − uwo_lambda ·
    variance over members, `overopt_best_of_n_uwo_*`); each curve's proxy gain is that
    objective's own score, its true gain the gold one.
    gold: what the over-optimisation sweep's gold reward is: "true" (the world's exact true
    reward) or "rm" (Gao et al. 2022's setup: a gold reward model, `gold_reward_model`, fitted
    to `gold_labels` exactly labelled comparisons, schemes/lm_gold.py; its preferences label the
    proxy's training pairs, each decisive one flipped with the overseer's `mistake` rate, and
    its scores are the gold; the world's true reward is kept beside it as the curves
    `overopt_best_of_n[_OBJ]_world_*`).
    reward_body: the reward model members' transformer body: "fresh" (a small GPT-2 from
    scratch, reward_model's n_layer/n_embd) or "base" (a copy of the pre-trained base model's,
    as RLHF reward models start from the policy's weights: Ouyang et al. 2022).
    preferences: a preference dataset saved with `save_to_disk` (its `train` split's prompt /
    chosen / rejected columns; a path relative to the working directory) whose rows are the
    run's judgments in place of the overseer's; the runner loads it (experiments/
    preferences.py) and passes it to `run`; the overseer still evaluates.
    selector: which of the `prompts` candidate pairs the budget asks about. "uniform": the
    first affordable ones (the prompts are random). "disagreement" (Christiano et al. 2017's
    ensemble disagreement, active learning in two phases): `initial_fraction` of the budget
    on uniform pairs, an ensemble fitted to those, then the rest of the budget on the
    remaining pairs whose predicted preference varies most across its members.
    rl_checkpoints: for `grpo` / `rloo`, the policy is measured at this many evenly spaced
    optimiser steps (0: never) on `overoptimization_prompts` fresh training prompts,
    `rl_checkpoint_samples` completions each: gold (true) and proxy (ensemble-mean) reward gain
    over the base model's samples and KL(π ‖ π_base) in nats per completion (the mean
    log-probability ratio of the policy's own samples), stored as the over-optimisation curves
    `overopt_{grpo|rloo}_*` with both fits (Gao et al. 2022's RL setting)."""

    size: str = "tiny"
    base_seed: int | None = 0
    optimizer: Optimizer = "bon"
    prompts: int = 256
    eval_prompts: int = 128
    candidates: int = 16
    max_new_tokens: int = 16
    n: int = 16
    conservative: float = 0.0
    reward_model: TextRewardConfig = field(default_factory=lambda: TextRewardConfig(
        steps=200, device="cpu"))
    train: LMTrainConfig = field(default_factory=lambda: LMTrainConfig(device="cpu"))
    device: str = "auto"  # every model of the run: "auto" (CUDA when there is one), cpu, cuda
    overoptimization: Annotated[int, Interval(ge=0, le=65536)] = 0
    overoptimization_prompts: Annotated[int, Interval(ge=1, le=4096)] = 32
    reward_body: Literal["fresh", "base"] = "fresh"
    preferences: str | None = None
    selector: Literal["uniform", "disagreement"] = "uniform"
    initial_fraction: Annotated[float, Interval(gt=0, le=1)] = 0.25
    rl_checkpoints: Annotated[int, Interval(ge=0, le=1000)] = 0
    rl_checkpoint_samples: Annotated[int, Interval(ge=1, le=1024)] = 8
    overoptimization_objectives: tuple[Objective, ...] = ("mean",)
    uwo_lambda: Annotated[float, Interval(ge=0, le=1e6)] = 0.5
    gold: Literal["true", "rm"] = "true"
    gold_labels: Annotated[int, Interval(ge=2, le=1_000_000)] = GOLD_LABELS
    gold_reward_model: TextRewardConfig = GOLD_REWARD_MODEL

    def __post_init__(self) -> None:
        objectives = self.overoptimization_objectives
        if not objectives or len(set(objectives)) != len(objectives):
            raise ValueError("overoptimization_objectives: expected one or more of 'mean', "
                             f"'wco', 'uwo', each once; got {list(objectives)}")
        if self.gold == "true" and (self.gold_labels != GOLD_LABELS
                                    or self.gold_reward_model != GOLD_REWARD_MODEL):
            raise ValueError("gold_labels, gold_reward_model: settings of the gold reward "
                             "model, used only with gold = 'rm'")
        if self.gold == "rm" and self.selector != "uniform":
            raise ValueError("gold: 'rm' relabels the asked pairs by the gold reward model after "
                             "they are chosen; it needs selector = 'uniform'")
        if self.gold == "rm" and self.preferences is not None:
            raise ValueError("gold: 'rm' relabels the pairs the run samples by the gold reward "
                             "model; it cannot be combined with `preferences` (given labels)")

    def run(self, world: TextWorld, overseer: Overseer, budget: Budget, seed: int,
            cache_dir: Path, given: GivenPreferences | None = None) -> RunResult:
        """One run; `given` (the arm's `preferences` dataset, loaded by the runner) replaces
        the sampled pairs and the overseer's judgments of them, the overseer then only
        evaluates."""
        rng = np.random.default_rng(seed)
        prompt_rng, judge_rng, fit_rng, eval_rng = rng.spawn(4)
        torch_seed = int(rng.integers(2**62))
        device = resolve_device(self.device)
        base, tokenizer = load_or_train(world, self.size, seed if self.base_seed is None
                                        else self.base_seed, cache_dir, device=device)
        gold = self.gold_model(world, base, tokenizer, seed, device) if self.gold == "rm" \
            else None
        if given is None:
            prompts = world.prompts("train", self.prompts, prompt_rng)
            texts = [p.text for p in prompts]
            pairs = sample(base, tokenizer, texts, n=2, max_new_tokens=self.max_new_tokens,
                           seed=torch_seed)
            first, second = [c[0] for c in pairs], [c[1] for c in pairs]
            queries = Queries.pairs(world.segments(prompts, first),
                                    world.segments(prompts, second))
            asked, judgments = self.ask(overseer, queries, budget, prompts, first, second,
                                        tokenizer, base, device, judge_rng, fit_rng)
            if gold is not None:  # the gold model answers; the overseer's time was charged
                rationality = getattr(overseer, "rationality", None)
                judgments = gold_judgments(
                    gold, [texts[i] for i in asked], [first[i] for i in asked],
                    [second[i] for i in asked], judgments.seconds,
                    float(getattr(rationality, "mistake", 0.0)), judge_rng)
        else:
            texts, first, second = list(given.prompts), list(given.chosen), list(given.rejected)
            asked, judgments = given.affordable(budget, overseer.wage_per_hour)
        spend = Spend().add(judgments, overseer.wage_per_hour)
        target = np.array([TARGETS.get(Answer(a), math.nan) for a in judgments.answer])

        metrics: dict[str, float] = spend_metrics(spend) | _answer_rates(judgments.answer)
        if gold is not None:
            metrics["gold_rm_agreement"] = gold.report.val_accuracy
        kept = ~np.isnan(target)
        policy: PreTrainedModel = base
        track: _RLTrack | None = None
        track_curves: dict[str, list[tuple[int, float]]] = {}
        rm: TextRewardEnsemble | None = None  # nothing to learn from: the base model is the policy
        if kept.sum() >= 2:
            rm = TextRewardEnsemble(tokenizer, replace(self.reward_model, device=device),
                                    base if self.reward_body == "base" else None)
            idx = asked[kept]
            report = rm.fit([texts[i] for i in idx], [first[i] for i in idx],
                            [second[i] for i in idx], target[kept], fit_rng)
            metrics["rm_agreement"] = report.val_accuracy
            reward_fn = rm.reward_fn(self.conservative)
            if self.rl_checkpoints and self.optimizer in ("grpo", "rloo"):
                track = _RLTrack(world, base, tokenizer, rm, self, np.random.default_rng(
                    np.random.SeedSequence([seed, RL_TRACK_STREAM])))
            policy = self.optimise(base, tokenizer, texts, reward_fn, first, second, asked,
                                   judgments.answer, replace(self.train, device=device), track)
            if track is not None:
                over, rl_curves = as_results(self.optimizer, track.points)
                metrics |= over
                track_curves = rl_curves
        splits: tuple[TextSplit, TextSplit] = ("train", "deploy")
        for split, split_rng in zip(splits, eval_rng.spawn(2), strict=True):
            metrics |= self.evaluate(world, overseer, base, policy, tokenizer, rm, split,
                                     split_rng, torch_seed)
        curves: dict[str, list[tuple[int, float]]] = {}
        if rm is not None and track is not None:
            curves |= track_curves
        if self.overoptimization and rm is not None:
            over_metrics, curves = self.overoptimize(world, base, tokenizer, rm, rng.spawn(1)[0],
                                                     torch_seed + 3, gold)
            metrics |= over_metrics
        return RunResult(metrics, curves, _log(texts, first, second, asked, judgments.answer,
                                           judgments.seconds, overseer.name))

    def ask(self, overseer: Overseer, queries: Queries, budget: Budget, prompts: list[Prompt],
            first: list[str], second: list[str], tokenizer: PreTrainedTokenizerFast,
            base: PreTrainedModel, device: str, judge_rng: np.random.Generator,
            fit_rng: np.random.Generator) -> tuple[np.ndarray, Judgments]:
        """(indices of the candidate pairs asked, the overseer's judgments of them), by the
        selector (class docstring). `fit_rng` is drawn from only by "disagreement"."""
        if self.selector == "uniform":
            asked = affordable(overseer, queries, budget, budget.amount)
            return asked, _judge(overseer, queries.take(asked), prompts, first, second, asked,
                                 judge_rng)
        head = affordable(overseer, queries, budget, self.initial_fraction * budget.amount)
        judged = _judge(overseer, queries.take(head), prompts, first, second, head, judge_rng)
        target = np.array([TARGETS.get(Answer(a), math.nan) for a in judged.answer])
        rest = np.setdiff1d(np.arange(len(queries)), head)
        if (~np.isnan(target)).sum() < 2 or len(rest) == 0:
            return head, judged
        screen = TextRewardEnsemble(tokenizer, replace(self.reward_model, device=device),
                                    base if self.reward_body == "base" else None)
        screen.fit([prompts[i].text for i in head], [first[i] for i in head],
                   [second[i] for i in head], target, fit_rng)
        texts = [prompts[i].text for i in rest]
        r1 = screen.predict(texts, [first[i] for i in rest])  # (M, R)
        r2 = screen.predict(texts, [second[i] for i in rest])
        score = (1.0 / (1.0 + np.exp(r1 - r2))).var(axis=0)  # members' P(second ≻ first)
        ordered = rest[np.argsort(-score, kind="stable")]
        left = budget.amount - Spend().add(judged, overseer.wage_per_hour).used(budget.kind)
        tail = ordered[affordable(overseer, queries.take(ordered), budget, left)]
        more = _judge(overseer, queries.take(tail), prompts, first, second, tail, judge_rng)
        return np.concatenate([head, tail]), Judgments.concat(judged, more)

    def gold_model(self, world: TextWorld, base: PreTrainedModel,
                   tokenizer: PreTrainedTokenizerFast, seed: int, device: str) -> GoldModel:
        """The run's gold reward model (lm_gold.fit_gold), from a generator of its own derived
        from the run's seed, so the run's other streams are those of a run without one."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, GOLD_STREAM]))
        return fit_gold(world, base, tokenizer, replace(self.gold_reward_model, device=device),
                        self.gold_labels, self.max_new_tokens, rng, int(rng.integers(2**62)))

    def optimise(self, base: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
                 texts: list[str], reward_fn: RewardFn, first: list[str], second: list[str],
                 asked: np.ndarray, answers: np.ndarray, config: LMTrainConfig,
                 track: _RLTrack | None = None) -> PreTrainedModel:
        """The optimised policy (for `bon`, the base model: selection happens at sampling);
        GRPO / RLOO report to `track` at its checkpoints."""
        match self.optimizer:
            case "bon":
                return base
            case "grpo" | "rloo":
                from oversight.learning.lm.grpo import train_grpo
                from oversight.learning.lm.rloo import train_rloo

                trainer = train_grpo if self.optimizer == "grpo" else train_rloo
                every = 0 if track is None else max(1, config.steps // self.rl_checkpoints)
                model, _ = trainer(copy.deepcopy(base), tokenizer, texts, reward_fn,
                                   config, None if track is None else track.measure, every)
                return model
            case "dpo":
                from datasets import Dataset

                from oversight.learning.lm.dpo import train_dpo

                rows: dict[str, list[str]] = {"prompt": [], "chosen": [], "rejected": []}
                for i, a in zip(asked, answers, strict=True):
                    if a in (Answer.FIRST, Answer.SECOND):
                        win, lose = (first[i], second[i]) if a == Answer.FIRST else (second[i],
                                                                                     first[i])
                        rows["prompt"].append(texts[i])
                        rows["chosen"].append(win)
                        rows["rejected"].append(lose)
                if not rows["prompt"]:
                    return base
                model, _ = train_dpo(copy.deepcopy(base), tokenizer,
                                     Dataset.from_dict(rows), config)
                return model
        raise ValueError(f"unknown optimizer {self.optimizer!r}")

    def overoptimize(self, world: TextWorld, base: PreTrainedModel,
                     tokenizer: PreTrainedTokenizerFast, rm: TextRewardEnsemble,
                     rng: np.random.Generator, seed: int, gold: GoldModel | None = None
                     ) -> tuple[dict[str, float], dict[str, list[tuple[int, float]]]]:
        """Gold and proxy reward of best-of-n against √KL, n = 1, 2, 4, … up to the pool size
        (Gao et al. 2022), on fresh training prompts, for each ensemble objective: the gold is
        the world's true reward, or the `gold` model's score (then the true reward is measured
        too, as kind `..._world`)."""
        prompts = world.prompts("train", self.overoptimization_prompts, rng)
        pool = sample(cast(GPT2LMHeadModel, base), tokenizer, [p.text for p in prompts],
                      n=self.overoptimization, max_new_tokens=self.max_new_tokens, seed=seed)
        flat_prompts = [p for p in prompts for _ in range(self.overoptimization)]
        flat = [c for row in pool for c in row]
        shape = (len(prompts), self.overoptimization)
        flat_texts = [p.text for p in flat_prompts]
        true = (world.features(flat_prompts, flat) @ world.w_true).reshape(shape)
        golds = {"": true} if gold is None else {
            "": gold.score(flat_texts, flat).reshape(shape), "_world": true}
        members = rm.predict(flat_texts, flat)  # (M, P·N)
        ns = sorted({2**k for k in range(self.overoptimization.bit_length())}
                    | {self.overoptimization})
        metrics: dict[str, float] = {}
        curves: dict[str, list[tuple[int, float]]] = {}
        for objective in self.overoptimization_objectives:
            proxy = ensemble_objective(members, objective, self.uwo_lambda).reshape(shape)
            for suffix, gold_reward in golds.items():
                kind = "best_of_n" + ("" if objective == "mean" else f"_{objective}") + suffix
                m, c = as_results(kind, pool_sweep(gold_reward, proxy, ns))
                metrics |= m
                curves |= c
        if set(self.overoptimization_objectives) - {"mean"}:
            metrics |= _disagreement(members, true.ravel())
        return metrics, curves

    def evaluate(self, world: TextWorld, overseer: Overseer, base: PreTrainedModel,
                 policy: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
                 rm: TextRewardEnsemble | None, split: TextSplit, rng: np.random.Generator,
                 torch_seed: int) -> dict[str, float]:
        """The split's metrics (suffix _train or _deploy) on fresh prompts of that split."""
        prompts = world.prompts(split, self.eval_prompts, rng)
        texts = [p.text for p in prompts]
        generator_seed = torch_seed + (1 if split == "train" else 2)
        if self.optimizer == "bon" and rm is not None:
            chosen = best_of_n(base, tokenizer, texts, self.n,
                               rm.reward_fn(self.conservative), self.max_new_tokens,
                               generator_seed)
            completions, kl = chosen.completions, kl_best_of_n(self.n)
        else:
            tuned = cast(GPT2LMHeadModel, policy)
            completions = [c[0] for c in sample(tuned, tokenizer, texts, n=1,
                                                max_new_tokens=self.max_new_tokens,
                                                seed=generator_seed)]
            kl = 0.0 if policy is base else float(np.mean(
                sequence_logprobs(policy, tokenizer, texts, completions)
                - sequence_logprobs(base, tokenizer, texts, completions)))
        base_out = [c[0] for c in sample(cast(GPT2LMHeadModel, base), tokenizer, texts, n=1,
                                         max_new_tokens=self.max_new_tokens,
                                         seed=generator_seed + 10)]
        scripted = [world.completions([p] * self.candidates, rng) for p in prompts]
        phi = world.features(prompts, completions)
        true = phi @ world.w_true
        base_true = world.features(prompts, base_out) @ world.w_true
        cand_phi = np.stack([world.features([p] * len(c), c)
                             for p, c in zip(prompts, scripted, strict=True)])  # (P, C, K)
        cand_true = cand_phi @ world.w_true  # (P, C)
        best, worst = cand_true.max(axis=1), cand_true.min(axis=1)
        m = {"true_return": float(true.mean()),
             "true_return_norm": _norm(true.mean(), base_true.mean(), best.mean()),
             "kl": kl}
        w_seen = overseer.perceived_weights
        if w_seen is None:  # a person's perception is not measured
            m |= {"perceived_return": math.nan, "perceived_return_norm": math.nan,
                  "perceived_gap": math.nan, "deception_rate": math.nan,
                  "deception_rate_partial": math.nan}
        else:
            seen = phi @ w_seen
            cand_seen = (cand_phi @ w_seen).max(axis=1)
            looks_best = seen >= cand_seen - 1e-9
            m |= {"perceived_return": float(seen.mean()),
                  "perceived_return_norm": _norm(seen.mean(), float((world.features(
                      prompts, base_out) @ w_seen).mean()), cand_seen.mean()),
                  "deception_rate": float(np.mean(looks_best & (true < (best + worst) / 2))),
                  "deception_rate_partial": float(np.mean(
                      looks_best & (true < best - 0.1 * (best - worst))))}
            m["perceived_gap"] = m["perceived_return_norm"] - m["true_return_norm"]
        if rm is not None:
            m["proxy_return"] = float(rm.mean(texts, completions).mean())
        if world.catastrophe is not None:
            m["catastrophe_rate"] = float(phi[:, world.feature_index(world.catastrophe)].mean())
        return {f"{k}_{split}": v for k, v in m.items()}


def _judge(overseer: Overseer, queries: Queries, prompts: list[Prompt], first: list[str],
           second: list[str], asked: np.ndarray, rng: np.random.Generator) -> Judgments:
    """The overseer's judgments of the asked queries: from their texts where it reads text
    (people on the labelling page, protocols.ReadsTexts), else from their features."""
    if isinstance(overseer, ReadsTexts):
        texts = PairTexts(tuple(p.text for p in prompts), tuple(p.lay_text for p in prompts),
                          tuple(first), tuple(second)).take(asked)
        return overseer.judge_texts(queries, texts, rng)
    return overseer.judge(queries, rng)


def _disagreement(members: FloatArray, gold: FloatArray) -> dict[str, float]:
    """Can the members' disagreement tell where the mean over-estimates? members (M, N) and
    gold (N,) over the pool (the world's true reward, in either gold mode): the mean std over
    members, and the Pearson correlation across the pool of that std with the over-estimate
    z(mean) − z(gold) (z: standardised over the pool). WCO and UWO penalise disagreement, so
    they can help only where it correlates positively."""
    spread = members.std(axis=0)
    mean = members.mean(axis=0)

    def z(x: FloatArray) -> FloatArray:
        return (x - x.mean()) / max(float(x.std()), 1e-12)

    over = z(mean) - z(gold)
    ok = spread.std() > 1e-12 and over.std() > 1e-12
    return {"overopt_member_std": float(spread.mean()),
            "overopt_disagreement_overestimate_corr":
                float(np.corrcoef(spread, over)[0, 1]) if ok else math.nan}


def _norm(value: float, low: float, high: float) -> float:
    """0 at `low` (the base model), 1 at `high` (the best scripted answer); NaN if they meet."""
    return float((value - low) / (high - low)) if abs(high - low) > 1e-12 else math.nan


def _answer_rates(answers: np.ndarray) -> dict[str, float]:
    counts = np.bincount(answers.astype(np.int64), minlength=len(Answer))
    total = max(int(counts.sum()), 1)
    return {"abstain_rate": counts[Answer.ABSTAIN] / total, "tie_rate": counts[Answer.TIE] / total}


def _log(texts: list[str], first: list[str], second: list[str], asked: np.ndarray,
         answers: np.ndarray, seconds: FloatArray, overseer: str) -> dict[str, list[object]]:
    """Every judgment: the two completions as text (the `*_actions` columns) and the prompt
    (`detail`); there is no start state (-1)."""
    import json

    n = len(asked)
    return {"round": [0] * n, "first_start": [-1] * n,
            "first_actions": [first[i] for i in asked], "second_start": [-1] * n,
            "second_actions": [second[i] for i in asked], "overseer": [overseer] * n,
            "answer": answers.tolist(), "seconds": seconds.tolist(),
            "detail": [json.dumps({"prompt": texts[i]}) for i in asked]}


RL_TRACK_STREAM = 0x524C  # the RL checkpoints' own generator: other streams stay as without them


class _RLTrack:
    """The RL run's over-optimisation points: the base model at step 0, then the policy at each
    checkpoint (LMRLHF.rl_checkpoints), on one fixed set of fresh training prompts."""

    def __init__(self, world: TextWorld, base: PreTrainedModel,
                 tokenizer: PreTrainedTokenizerFast, rm: TextRewardEnsemble, scheme: LMRLHF,
                 rng: np.random.Generator) -> None:
        self.world, self.base, self.tokenizer, self.rm = world, base, tokenizer, rm
        self.k, self.max_new_tokens = scheme.rl_checkpoint_samples, scheme.max_new_tokens
        self.prompts = world.prompts("train", scheme.overoptimization_prompts, rng)
        self.seed = int(rng.integers(2**62))
        self.points: list[Point] = []
        true, proxy, _ = self._score(base)
        self.base_true, self.base_proxy = true, proxy
        self.points.append(Point(0, 0.0, 0.0, 0.0))

    def _score(self, model: PreTrainedModel) -> tuple[float, float, list[str]]:
        texts = [p.text for p in self.prompts]
        out = sample(cast(GPT2LMHeadModel, model), self.tokenizer, texts, n=self.k,
                     max_new_tokens=self.max_new_tokens, seed=self.seed)
        flat = [c for row in out for c in row]
        flat_prompts = [p for p in self.prompts for _ in range(self.k)]
        true = float((self.world.features(flat_prompts, flat) @ self.world.w_true).mean())
        proxy = float(self.rm.mean([p.text for p in flat_prompts], flat).mean())
        return true, proxy, flat

    def measure(self, step: int, policy: PreTrainedModel) -> None:
        true, proxy, flat = self._score(policy)
        texts = [p.text for p in self.prompts for _ in range(self.k)]
        kl = float(np.mean(sequence_logprobs(policy, self.tokenizer, texts, flat)
                           - sequence_logprobs(self.base, self.tokenizer, texts, flat)))
        # a Monte Carlo KL can dip below 0 early on: 0 there, so that d = √KL exists
        self.points.append(Point(step, max(kl, 0.0), true - self.base_true,
                                 proxy - self.base_proxy))

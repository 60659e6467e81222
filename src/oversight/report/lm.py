"""Language-model runs as a report: the tabular kind's tables, claims and figures (the runs carry
the same metric names), with the method and limitations of RLHF on small language models."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oversight.report.build import _overseer_table, _world_table, tabular_parts
from oversight.report.document import Block
from oversight.report.ensembles import ensemble_parts
from oversight.report.kinds import Curves, Parts, Rows
from oversight.report.settings import overseer_values, setting, varying

OPTIMIZERS = {"bon": "best-of-n sampling from the base model",
              "grpo": "GRPO (TRL's GRPOTrainer)", "rloo": "RLOO (TRL's RLOOTrainer)",
              "dpo": "DPO on the judgments themselves (TRL's DPOTrainer)"}


def _default(path: str) -> Any:
    """LMRLHF's default at 'lm.a.b' (an arm's resolved table omits some defaults)."""
    from oversight.schemes.lm_rlhf import LMRLHF

    value: Any = LMRLHF()
    for key in path.split(".")[1:]:
        value = getattr(value, key)
    return value


def method(spec: Any) -> tuple[Block, ...]:
    arms = list(spec.arms)

    def v(path: str, show: Any = str) -> str:
        return varying(arms, lambda a: setting(a, path, _default(path)), show)

    budgets = varying(arms, lambda a: f"{a.budget.amount:g} {a.budget.kind}")
    return (
        "Each world is a prompt distribution with a pure checker that maps a prompt and a "
        "completion to named features (is the answer correct, does it state confidence, agree "
        "with the user, quote the passage, carry a harmful action); the true reward is a "
        "weighted sum of them. A base model (GPT-2 architecture, `transformers`, size "
        f"{v('lm.size')}) and a byte-level BPE tokenizer are trained here from scratch on the "
        "world's corpus of mixed-quality answers, then cached and shared by every arm and seed.",
        _world_table(arms),
        "The overseers are the lab's simulated overseers, unchanged: a completion is a one-step "
        "segment whose features they judge with their view and values (here "
        f"{varying(arms, overseer_values)}).",
        _overseer_table(arms),
        f"RLHF [@christiano2017; @ouyang2022]: the base model answers {v('lm.prompts')} training "
        "prompts twice; the overseer judges the pairs until the budget "
        f"({budgets}) is spent; a Bradley–Terry ensemble of {v('lm.reward_model.members')} "
        "small transformers with a scalar head, each on a bootstrap resample with a held-out "
        "share, is fitted to the judgments (abstentions are not trained on); the policy is "
        f"{v('lm.optimizer', lambda o: OPTIMIZERS.get(o, str(o)))} against the ensemble mean "
        f"minus {v('lm.conservative')} standard deviations (best-of-n with n = {v('lm.n')}: "
        "KL = log n − (n−1)/n nats [@stiennon2020]; GRPO, RLOO and DPO: KL coefficient "
        f"{v('lm.train.beta')}, KL measured on the policy's own completions).",
        f"Evaluation: {v('lm.eval_prompts')} fresh prompts of the training distribution and as "
        "many of the deployment distribution. Normalised true return: 0 = the base model's "
        f"mean, 1 = the best of {v('lm.candidates')} scripted answers of the world per prompt. "
        "Deceived: completions the overseer perceives at least as good as the best scripted "
        "answer while their true reward is below halfway to the worst one ('>10%': more than a "
        "tenth of that range below the best). Catastrophe rate: the share of deployment "
        "completions with the world's catastrophe feature. Intervals are 95% bootstraps over "
        "seeds; arms share seeds, so differences are paired.",
        *_sweep_method(arms),
    )


def _sweep_method(arms: list[Any]) -> tuple[Block, ...]:
    """The over-optimisation sweep's objectives and gold, where the arms use them (settings
    left at their defaults are absent from an arm's resolved table: hence the defaults)."""
    def v(path: str, show: Any = str) -> str:
        return varying(arms, lambda a: setting(a, path, _default(path)), show)

    out: list[Block] = []
    if any(setting(a, "lm.overoptimization", 0) for a in arms):
        out.append(
            f"Over-optimisation: {v('lm.overoptimization')} base completions of each of "
            f"{v('lm.overoptimization_prompts')} fresh prompts, scored by gold and proxy; "
            "best-of-n for n = 1, 2, 4 … up to the pool size by the unbiased estimator over the "
            "pool [@gao2022overoptimization], selecting by the ensemble objectives "
            f"{v('lm.overoptimization_objectives', lambda o: ', '.join(o))}: the members' mean, "
            "their minimum (WCO) or the mean minus λ times their variance (UWO, λ = "
            f"{v('lm.uwo_lambda')}) [@coste2023ensembles]. The fall after the peak is the best "
            "gold gain over n minus the gold gain at the largest n.")
    def gold_rm(arm: Any) -> dict[str, Any]:
        return dict(arm.resolved()["lm"]["gold_reward_model"])

    rm = [a for a in arms if setting(a, "lm.gold", "true") == "rm"]
    if rm:
        out.append(
            "Gold reward model (arms with lm.gold = \"rm\", as Gao et al.'s setup): one model "
            f"({varying(rm, lambda a: gold_rm(a)['members'])} member(s), "
            f"width {varying(rm, lambda a: gold_rm(a)['n_embd'])}) fitted "
            f"to {varying(rm, lambda a: setting(a, 'lm.gold_labels'))} pairs labelled exactly "
            "by the world's true reward; its preferences, each decisive one flipped with the "
            "overseer's mistake rate, label the proxy's pairs, and its score is the gold of "
            "the sweep, beside the world's true reward.")
    return tuple(out)


class LM:
    """Runs of RLHF on language models (experiments/kinds.py `lm`)."""

    name = "lm"

    def accepts(self, spec: Any, rows: Rows) -> bool:
        return all(getattr(a, "kind", None) == "lm" for a in spec.arms)

    def parts(self, spec: Any, rows: Rows, curves: Curves) -> Parts:
        parts = tabular_parts(spec, rows, curves, method)
        parts = replace(parts, results=(*parts.results, *ensemble_parts(spec, rows, curves)))
        worlds = sorted({a.world for a in spec.arms})
        done = sum(r["status"] == "done" for r in rows)
        return replace(
            parts,
            setting=(f"We trained small language models by RLHF [@christiano2017] in "
                     f"{len(worlds)} text world{'s' if len(worlds) > 1 else ''} "
                     f"({', '.join(worlds)}): {len(spec.arms)} arms × {spec.seeds} seeds, "
                     f"{done} finished runs, and compared what each policy's answers truly "
                     "earned on held-out prompts with what its overseer perceived."),
            limitations=(
                "The models are tiny and trained here in minutes; the worlds' answers are short "
                "and their grammar fixed, so a policy can only select among behaviours its base "
                "model already produces. Whether the same selections happen in large models is "
                "the question these runs make testable, not one they answer.",
                *parts.limitations[1:]))

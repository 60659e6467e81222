"""The deep-RL kind: deep RLHF (PPO/SAC) on Gymnasium worlds, such as the hidden-cost experiment.

Its runs report un-normalised returns per episode (`true_return`, `perceived_return`) and the
mean per episode of each of the world's features (`mean_<feature>`: the task reward, the
control cost...), with a learning curve of the true return against environment steps
(`train_true_return`). Claims: per question, its last arm against its first on true return
(kinds.claim_pair). The Method lists the arms' resolved settings, as the file resolved them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oversight.analysis.stats import mean_and_halfwidth
from oversight.report import figures
from oversight.report.claims import Claim
from oversight.report.document import Block, FigureBlock, Table
from oversight.report.kinds import Curves, Parts, Rows, claim_pair, family, make_claim
from oversight.report.tables import fmt, slug


def _done(rows: Rows, arm: str) -> Rows:
    return [r for r in rows if r["arm"] == arm and r["status"] == "done"]


def _stat(rows: Rows, arm: str, metric: str) -> tuple[float, float]:
    values = np.array([r["metrics"].get(metric, math.nan) for r in _done(rows, arm)], dtype=float)
    return mean_and_halfwidth(values) if len(values) else (math.nan, math.nan)


def _features(rows: Rows) -> list[str]:
    return sorted({k for r in rows if r["status"] == "done" for k in r["metrics"]
                   if k.startswith("mean_")})


def _short(arm: Any) -> str:
    return str(arm.name).removeprefix(f"{arm.world}/")


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict):
        return {k: v for key, value in tree.items()
                for k, v in flatten(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): tree}


def settings_table(arms: list[Any]) -> Table:
    """Every resolved setting of the arms: one value, or each arm's where they differ."""
    flat = [flatten(a.resolved()) for a in arms]
    keys = list(dict.fromkeys(k for f in flat for k in f if k != "name"))
    body = []
    for k in keys:
        values = [f.get(k, "–") for f in flat]
        shown = (str(values[0]) if len({str(v) for v in values}) == 1 else
                 "; ".join(f"{_short(a)}: {v}" for a, v in zip(arms, values, strict=True)))
        body.append((k, shown))
    return Table("The arms' resolved settings (defaults filled in), as every run was keyed by "
                 "them", ("setting", "value"), tuple(body), name="settings")


class Deep:
    """Runs of deep RLHF on Gymnasium worlds (un-normalised returns, no deployment levels)."""

    name = "deep"

    def accepts(self, spec: Any, rows: Rows) -> bool:
        done = [r for r in rows if r["status"] == "done"]
        return bool(done) and all("true_return" in r["metrics"]
                                  and "true_return_norm_deploy" not in r["metrics"] for r in done)

    def parts(self, spec: Any, rows: Rows, curves: Curves) -> Parts:
        arms = list(spec.arms)
        features = _features(rows)
        questions: list[tuple[str, Claim | str]] = []
        results: list[Block] = ["Numbers are means per episode over seeds of the final "
                                "policy's evaluation, with 95% bootstrap intervals."]
        for question in dict.fromkeys(a.question or "results" for a in arms):
            mine = [a for a in arms if (a.question or "results") == question]
            table = f"results-{slug(question)}"
            body = []
            for a in mine:
                cells = [fmt(*_stat(rows, a.name, m)) for m in
                         ("true_return", "perceived_return", *features)]
                body.append((_short(a), *cells, str(len(_done(rows, a.name))),
                             fmt(_stat(rows, a.name, "labels")[0]),
                             f"{_stat(rows, a.name, 'overseer_seconds')[0] / 3600:.2f}"))
            dashed = any("–" in c for line in body for c in line[1:])
            results.append(Table(
                question, ("arm", "true return", "perceived",
                           *(f.removeprefix("mean_") for f in features), "seeds", "labels",
                           "hours"), tuple(body), name=table,
                note="–: not measured." if dashed else ""))
            pair = claim_pair(mine)
            if pair is None:
                mean, half = _stat(rows, mine[0].name, "true_return")
                questions.append((question, f"{question[0].upper()}{question[1:]}: in "
                                  f"{mine[0].world} the {_short(mine[0])} arm reaches a true "
                                  f"return of {fmt(mean, half)} per episode."))
                continue
            other, better = pair
            questions.append((question, make_claim(
                question, better.world, better, other, rows, "true_return",
                "true return per episode", True, table, short=_short)))
        names = [a.name for a in arms]
        results.append(FigureBlock(
            "returns", "True return (what the agent achieved) beside perceived return (what "
            "its overseer believed) per episode, per arm. Error bars: 95% bootstrap intervals "
            "over seeds.",
            figures.grouped_bars(names, {
                label: [figures.Bar(*_stat(rows, n, m)) for n in names]
                for label, m in (("true", "true_return"), ("perceived", "perceived_return"))},
                "return per episode", "True vs perceived return")))
        per_arm: dict[str, list[list[tuple[int, float]]]] = {}
        for r in rows:
            curve = curves.get(r["key"], {}).get("train_true_return")
            if r["status"] == "done" and curve:
                per_arm.setdefault(family(r["arm"]), []).append(curve)
        if per_arm:
            results.append(FigureBlock(
                "learning", "Learning curves: true return per training episode against "
                "environment steps; mean over seeds.",
                figures.learning_curves(per_arm, "true return per episode", "Learning curves",
                                        x_label="environment steps")))
        worlds = sorted({a.world for a in arms})
        done = sum(r["status"] == "done" for r in rows)
        setting = (f"We trained deep-RL agents by RLHF [@christiano2017] in {len(worlds)} "
                   f"Gymnasium world{'s' if len(worlds) > 1 else ''} ({', '.join(worlds)}): "
                   f"{len(arms)} arms × {spec.seeds} seeds, {done} finished runs, and compared "
                   "the true return each agent earned with the return its overseer perceived.")
        method: tuple[Block, ...] = (
            "Deep RLHF [@christiano2017]: the agent (stable-baselines3 PPO or SAC) is trained on a "
            "Bradley–Terry reward-model ensemble fitted to the overseer's comparisons of "
            "segments; the true reward is the world's weighted sum of its features, which the "
            "overseer sees only in part. Every setting below is as the arms resolved it.",
            settings_table(arms))
        return Parts(
            title=spec.description or spec.name,
            subtitle=f"oversight-lab experiment `{spec.name}`", setting=setting,
            questions=tuple(questions),
            introduction=("This report is generated by oversight-lab from the stored runs of "
                          f"the experiment `{spec.name}`"
                          + (f": {spec.description}" if spec.description else "."),),
            method=method, results=tuple(results),
            limitations=(f"With {spec.seeds} seeds per arm and a few evaluation episodes per "
                         "run the intervals are wide and themselves noisy; deep-RL results vary "
                         "with seeds more than the tabular ones.",))

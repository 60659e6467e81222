"""From stored runs to the report's document: every number and claim comes from the runs.

`build_document(spec, rows, curves)` takes an experiment, its run rows (as the store returns them)
and each run's curves, and returns the `Document` the HTML, Markdown and LaTeX writers render.
The fixed text (introduction, method, limitations) describes the lab; sentences about results are
generated from the numbers, and a difference is only called a difference when its paired 95%
interval excludes zero.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from typing import Any

import numpy as np

from oversight.analysis.failures import CAUSAL, SIGNALS
from oversight.analysis.stats import paired_difference
from oversight.experiments.runner import summarise
from oversight.experiments.spec import ArmSpec, ExperimentSpec
from oversight.overseers.presets import make_overseer
from oversight.report import figures
from oversight.report.document import Block, Document, FigureBlock, Section, Table
from oversight.worlds import make_world


def fmt(mean: float, half: float | None = None, pct: bool = False) -> str:
    """'0.38 ± 0.15', '81% ± 5', or '–' when not measured."""
    if mean is None or math.isnan(mean):
        return "–"
    scale, unit, digits = (100, "%", 0) if pct else (1, "", 2)
    text = f"{mean * scale:.{digits}f}{unit}"
    if half is not None and not math.isnan(half) and round(half * scale, digits) > 0:
        text += f" ± {half * scale:.{digits}f}"
    return text.replace("-", "−")


# heading, summary stem, shown as a percentage, shown with its CI
COLUMNS = [
    ("true return", "true_return_norm", False, True),
    ("perceived", "perceived_return_norm", False, True),
    ("deceived", "deception_rate", True, True),
    ("abstained", "abstain_rate", True, False),
    ("hazard train", "catastrophe_rate_train", True, False),
    ("hazard deploy", "catastrophe_rate_deploy", True, True),
    ("indifferent", "catastrophe_rate_indifferent_deploy", True, False),
]


def groups(summary: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in summary:
        out[row["question"] or "results"].append(row)
    return dict(out)


def short(row: dict[str, Any]) -> str:
    return str(row["arm"]).removeprefix(f"{row['world']}/")


def results_tables(summary: list[dict[str, Any]]) -> list[Table]:
    """One table per question, with the columns its arms have values for."""
    tables = []
    for question, rows in groups(summary).items():
        shown = [c for c in COLUMNS if any(
            not math.isnan(r[f"{c[1]}_mean"]) and (c[1] != "abstain_rate" or r[f"{c[1]}_mean"] > 0)
            for r in rows)]
        header = ("arm", *[c[0] for c in shown], "seeds", "labels", "hours")
        body = tuple(
            (short(r), *[fmt(r[f"{stem}_mean"], r[f"{stem}_ci95"] if ci else None, pct)
                         for _, stem, pct, ci in shown],
             str(r["n_seeds"]), f"{r['labels_mean']:.0f}",
             f"{r['overseer_seconds_mean'] / 3600:.2f}")
            for r in rows)
        tables.append(Table(question, header, body))
    return tables


def _seed_values(rows: list[dict[str, Any]], arm: str, metric: str) -> dict[int, float]:
    return {r["seed"]: r["metrics"].get(metric, math.nan) for r in rows
            if r["arm"] == arm and r["status"] == "done"}


def comparisons(summary: list[dict[str, Any]], rows: list[dict[str, Any]]) -> Table:
    """Within each question, every arm against the question's first arm, paired by seed."""
    body = []
    for question, group in groups(summary).items():
        base = group[0]
        for other in group[1:]:
            d = paired_difference(_seed_values(rows, base["arm"], "true_return_norm_deploy"),
                                  _seed_values(rows, other["arm"], "true_return_norm_deploy"))
            verdict = "within seed noise" if d.within_noise else (
                "higher" if d.mean > 0 else "lower")
            body.append((question, f"{short(other)} vs {short(base)}", fmt(d.mean),
                         f"[{fmt(d.low)}, {fmt(d.high)}]", str(d.n), verdict))
    return Table("Paired differences in normalised true return on deployment levels, each arm "
                 "minus its question's first arm (same seeds; 95% bootstrap interval)",
                 ("question", "arms", "difference", "95% CI", "seeds", "verdict"), tuple(body))


SIGNAL_NAMES = dict(zip(SIGNALS, ("specified reward", "reward model", "overseer"), strict=True))


def failure_tables(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> list[Table]:
    """Per arm with failures: objective label by each signal × causal label, summed over seeds."""
    tables = []
    for arm in spec.arms:
        done = [r for r in rows if r["arm"] == arm.name and r["status"] == "done"]
        counts: dict[tuple[str, str, str], float] = defaultdict(float)
        total = episodes = 0.0
        for r in done:
            total += r["metrics"].get("failures", 0.0) or 0.0
            episodes += r["metrics"].get("failure_episodes", 0.0) or 0.0
            for key, value in r["metrics"].items():
                if key.startswith("failures|"):
                    _, signal, objective, causal = key.split("|")
                    counts[(signal, objective, causal)] += value
        if total == 0:
            continue
        body = []
        for signal in SIGNAL_NAMES:
            for objective in ("outer", "inner", "tie", "abstain"):
                cells = [counts.get((signal, objective, c), 0.0) for c in CAUSAL]
                if sum(cells):
                    body.append((f"{SIGNAL_NAMES[signal]}: {objective}",
                                 *[f"{n:.0f}" for n in cells], f"{sum(cells) / total:.0%}"))
        tables.append(Table(
            f"Failures of {arm.name} classified two ways: {total:.0f} failures in {episodes:.0f} "
            f"deployment episodes over {len(done)} seeds. Rows: does the signal prefer the "
            "failure to the intended behaviour (outer) or not (inner)? Columns: what training "
            "did with that behaviour in that situation.",
            ("objective label", *CAUSAL, "share"), tuple(body)))
    return tables


def _mean_curve(runs: list[dict[str, list[tuple[int, float]]]], name: str) -> np.ndarray:
    return np.mean([[v for _, v in c[name]] for c in runs], axis=0)


OVEROPT_FORMS = (("temperature", "rl", "planner temperature"), ("best_of_n", "bon", "best-of-n"))


def overoptimization_parts(spec: ExperimentSpec, rows: list[dict[str, Any]],
                           curves: dict[str, dict[str, list[tuple[int, float]]]]
                           ) -> list[Block]:
    """Gold and proxy gain against √KL per arm, and the fitted functional forms."""
    parts: list[Block] = []
    fits = []
    for kind, form, label in OVEROPT_FORMS:
        lines: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for arm in spec.arms:
            runs = [curves[r["key"]] for r in rows if r["arm"] == arm.name
                    and r["status"] == "done" and f"overopt_{kind}_kl" in curves.get(r["key"], {})]
            if not runs:
                continue
            kl, true, proxy = (_mean_curve(runs, f"overopt_{kind}_{attr}")
                               for attr in ("kl", "true_gain", "proxy_gain"))
            lines[arm.name] = (np.sqrt(kl), true, proxy)
            done = [r for r in rows if r["arm"] == arm.name and r["status"] == "done"]
            m = {k: np.mean([r["metrics"][f"overopt_{kind}_{form}_{k}"] for r in done])
                 for k in ("alpha", "beta", "r2", "d_peak")}
            turn = np.mean([r["metrics"][f"overopt_{kind}_peak_true_gain"]
                            - r["metrics"][f"overopt_{kind}_final_true_gain"] for r in done])
            fits.append((arm.name, label, f"{m['alpha']:.3f}", f"{m['beta']:.3f}",
                         f"{m['r2']:.2f}", "∞" if not np.isfinite(m["d_peak"])
                         else f"{m['d_peak']:.3g}", f"{turn:.2f}"))
        if lines:
            parts.append(FigureBlock(
                f"overopt-{kind}", f"Optimising against the learned reward by {label}: true "
                "(gold) gain over the uniform policy (solid) and proxy gain (dashed, right axis) "
                "against d = √KL(π ‖ π_uniform) in nats½; mean over seeds "
                "[@gao2022overoptimization].",
                figures.overoptimization(lines, f"Over-optimisation by {label}")))
    if fits:
        parts.append(Table(
            "Fitted gold-gain curves, mean over seeds: best-of-n form d(α − βd) for best-of-n, "
            "RL form d(α − β log d) for the planner temperature; d* is where the fit peaks; "
            "'fall' is the peak true gain minus the true gain at the highest pressure (> 0: the "
            "true return turned down while the proxy rose).",
            ("arm", "pressure", "α", "β", "R²", "d*", "fall"), tuple(fits)))
    return parts


def _bars(rows: list[dict[str, Any]], stem: str) -> list[figures.Bar]:
    return [figures.Bar(r[f"{stem}_mean"], r[f"{stem}_ci95"]) for r in rows]


def _figures(spec: ExperimentSpec, summary: list[dict[str, Any]], rows: list[dict[str, Any]],
             curves: dict[str, dict[str, list[tuple[int, float]]]]) -> list[FigureBlock]:
    out = []
    swept = sorted({k for a in spec.arms for k in a.swept})
    if len(summary) <= 12:
        arms = [r["arm"] for r in summary]
        out.append(FigureBlock(
            "returns", "Normalised true return (what the agent achieved) beside perceived return "
            "(what the overseer believed) on deployment levels; 0 is the uniform-random policy, "
            "1 the optimal one (dashed). Error bars: 95% bootstrap intervals over seeds.",
            figures.grouped_bars(arms, {"true": _bars(summary, "true_return_norm"),
                                        "perceived": _bars(summary, "perceived_return_norm")},
                                 "normalised return (1 = optimal)", "True vs perceived return",
                                 reference=1.0)))
        rates = {"deceived": "deception_rate", "abstained": "abstain_rate",
                 "hazard (deployment)": "catastrophe_rate_deploy"}
        present = {k: _bars(summary, v) for k, v in rates.items()
                   if any(not math.isnan(r[f"{v}_mean"]) for r in summary)}
        out.append(FigureBlock(
            "rates", "Deception rate (episodes the overseer rates at least as good as the optimum "
            "while their true return is bad), abstention rate and hazard rate on deployment "
            "levels, per arm. Error bars: 95% bootstrap intervals over seeds.",
            figures.grouped_bars(arms, present, "% of episodes / of judgments",
                                 "Deception, abstention and hazards", percent=True)))
    sweep_metrics = {"true_return_norm": ("normalised true return", False),
                     "deception_rate": ("deception rate", True),
                     "abstain_rate": ("abstention rate", True)}
    for param, question in itertools.product(swept, dict.fromkeys(a.question for a in spec.arms)):
        for stem, (ylabel, pct) in sweep_metrics.items():
            lines: dict[str, tuple[list[float], list[figures.Bar]]] = {}
            for arm, row in zip(spec.arms, summary, strict=True):
                if param not in arm.swept or arm.question != question:
                    continue
                others = ", ".join(f"{k}={v}" for k, v in arm.swept.items() if k != param)
                label = re.sub(r" \[.*\]$", "", short(row)) + (f" [{others}]" if others else "")
                xs, bars = lines.setdefault(label, ([], []))
                xs.append(float(arm.swept[param]))
                bars.append(figures.Bar(row[f"{stem}_mean"], row[f"{stem}_ci95"]))
            if not lines or (stem != "true_return_norm" and all(
                    math.isnan(b.mean) or b.mean == 0 for _, bs in lines.values() for b in bs)):
                continue  # a rate nobody had
            where = f" ({question})" if question else ""
            name = "sweep-" + re.sub(r"\W+", "-", f"{param} {question} {stem}").strip("-")
            out.append(FigureBlock(
                name, f"{ylabel.capitalize()} on deployment levels as `{param}` varies{where}; "
                "bands: 95% bootstrap intervals over seeds.",
                figures.sweep_lines(param, lines, ylabel, question or ylabel.capitalize(),
                                    percent=pct)))
    per_arm: dict[str, list[list[tuple[int, float]]]] = defaultdict(list)
    for r in rows:
        if r["status"] == "done" and r["key"] in curves:
            per_arm[r["arm"]].append(curves[r["key"]].get("true_return_norm_train", []))
    if any(any(c) for c in per_arm.values()):
        out.append(FigureBlock(
            "learning", "Learning curves: normalised true return on training levels after each "
            "reward-model fit, against labels asked so far; mean over seeds.",
            figures.learning_curves(dict(per_arm), "normalised true return (training levels)",
                                    "Learning curves")))
    return out


ABSTRACT_ARMS = 6  # beyond this many, the abstract summarises instead of listing


def _abstract(spec: ExperimentSpec, summary: list[dict[str, Any]], diffs: Table,
              rows: list[dict[str, Any]]) -> str:
    done = sum(r["status"] == "done" for r in rows)
    failed = sum(r["status"] == "failed" for r in rows)
    worlds = sorted({a.world for a in spec.arms})
    parts = [f"We trained agents by reinforcement learning from the judgments of simulated "
             f"overseers [@christiano2017] in {len(worlds)} tabular world"
             f"{'s' if len(worlds) > 1 else ''} ({', '.join(worlds)}): {len(spec.arms)} arms × "
             f"{spec.seeds} seeds, {done} finished runs"
             + (f" and {failed} failed" if failed else "") + ". We report what each agent truly "
             "achieved on held-out deployment levels (normalised: 0 is a uniform-random policy, "
             "1 the optimum) beside what its overseer perceived."]
    for question, group in groups(summary).items():
        items = []
        if len(group) > ABSTRACT_ARMS:  # a sweep: the best and the worst arm, the rest in tables
            ranked = sorted(group, key=lambda r: -np.nan_to_num(r["true_return_norm_mean"],
                                                                nan=-np.inf))
            group = [ranked[0], ranked[-1]]
            items.append(f"{len(ranked)} arms, best and worst by true return")
        for r in group:
            item = (f"{short(r)} {fmt(r['true_return_norm_mean'])} true vs "
                    f"{fmt(r['perceived_return_norm_mean'])} perceived")
            if not math.isnan(r["catastrophe_rate_deploy_mean"]):
                item += (f", hazard {fmt(r['catastrophe_rate_deploy_mean'], pct=True)} in "
                         f"deployment vs {fmt(r['catastrophe_rate_train_mean'], pct=True)} in "
                         "training")
            items.append(item)
        title = re.sub(r"^\d+\.\s*", "", question)
        parts.append(f"{title[0].upper()}{title[1:]}: " + "; ".join(items) + ".")
    beyond = [row for row in diffs.rows if row[5] != "within seed noise"]
    within = [row for row in diffs.rows if row[5] == "within seed noise"]
    if beyond:
        largest = sorted(beyond, key=lambda row: -abs(float(row[2].replace("−", "-"))))
        more = len(beyond) - ABSTRACT_ARMS
        parts.append("Differences beyond seed noise: " + "; ".join(
            f"{arms} {d} {ci}" for _, arms, d, ci, _, _ in largest[:ABSTRACT_ARMS])
            + (f"; and {more} more (see the paired differences)" if more > 0 else "") + ".")
    if within:
        parts.append("Within seed noise: " + ("; ".join(row[1] for row in within)
                                              if len(within) <= ABSTRACT_ARMS
                                              else f"{len(within)} comparisons") + ".")
    return " ".join(parts)


def _world_table(arms: list[ArmSpec]) -> Table:
    body = []
    for name in dict.fromkeys(a.world for a in arms):
        w = make_world(name, **next(a.world_params for a in arms if a.world == name))
        true = ", ".join(f"{f} {v:+g}" for f, v in zip(w.feature_names, w.w_true, strict=True))
        lay = ", ".join(f for f, v in zip(w.feature_names, w.lay_visible, strict=True) if v)
        hidden = ", ".join(f for f, v in zip(w.feature_names, w.revealable, strict=True) if v)
        cues = ", ".join(f"{h} (cue: {c})" for h, c in w.cues.items()) or "none"
        body.append((name, true, lay, hidden or "none", cues, f"{w.horizon}",
                     f"{len(w.train_levels)}/{len(w.deploy_levels)}"))
    return Table("Worlds: features with their true weights, the lay (camera) view, the evidence "
                 "hidden from it (revealable), the hidden features whose absence the lay "
                 "overseer can notice (known unknowns, with their visible cue), the horizon H "
                 "and the number of training/deployment levels",
                 ("world", "true reward weights", "lay view", "hidden", "known unknowns", "H",
                  "levels"), tuple(body))


def _world_tasks(arms: list[ArmSpec]) -> str:
    tasks = []
    for name in dict.fromkeys(a.world for a in arms):
        params = next(a.world_params for a in arms if a.world == name)
        tasks.append(f"{name}: {make_world(name, **params).description}")
    return "The worlds' tasks. " + " ".join(tasks)


def _overseer_table(arms: list[ArmSpec]) -> Table:
    body = []
    seen = set()
    for a in arms:
        values = a.overseer_values if isinstance(a.overseer_values, str) else ", ".join(
            f"{f} {v:+g}" for f, v in a.overseer_values.items())
        ident = (a.overseer, a.world, tuple(a.overseer_params.items()), values)
        if ident in seen:
            continue
        seen.add(ident)
        if a.overseer == "human":  # people: their view is per labeller, their time measured
            body.append(("human", a.world, "lay or expert view, per labeller", "people",
                         "own", "measured", f"{a.overseer_params.get('wage', 15.0):.0f}"))
            continue
        w = make_world(a.world, **a.world_params)
        o = make_overseer(a.overseer, w, a.overseer_values, **a.overseer_params)
        sees = ", ".join(f for f, v in zip(w.feature_names, o.view.visible | o.view.inspects,
                                           strict=True) if v)
        r, c = o.rationality, o.cost
        rat = ", ".join(p for p in (
            "deterministic" if math.isinf(r.beta) else f"β = {r.beta:.3g}",
            f"ε = {r.mistake:g}" if r.mistake else "", f"skip {r.skip:g}" if r.skip else "",
            f"equal {r.equal:.3g}" if r.equal else "", f"γ = {r.gamma:g}" if r.gamma < 1 else "",
            "abstains" if r.abstain else "") if p)
        steps = 2 * (o.view.attention or w.horizon)
        seconds = c.base_seconds + c.seconds_per_step * steps + \
            c.seconds_per_evidence * 2 * int(o.view.inspects.sum())
        body.append((a.overseer, a.world, sees, rat, values, f"{seconds:.0f}",
                     f"{c.wage_per_hour:.0f}"))
    return Table("Overseers: what each sees (unaided or by inspecting hidden evidence itself), how "
                 "it answers, and what a judgment of two whole episodes costs",
                 ("overseer", "world", "sees", "rationality", "values", "seconds / judgment",
                  "wage / hour"), tuple(body))


SCHEME_TEXT = {
    "debate": "In debate [@irving2018debate] two debaters argue each query before the overseer "
              "judges it: the honest one for the truly better segment, the other for the "
              "opposite; in alternate turns each shows the judge one step of either segment, "
              "hidden features included (verifiable evidence, paid per piece), or passes. "
              "Debaters search the game by minimax over the steps that can change the verdict "
              "(at most ten, those that move the judge most when shown alone) against the "
              "judge's known decision rule.",
    "rrm": "In recursive reward modelling [@leike2018rrm] an assistant is first trained, by "
           "reward modelling from the same overseer and budget, on a subtask the overseer can "
           "evaluate (shown one step, hidden content included: is it worse than nothing?); it "
           "then points at the steps it predicts are flaws in every main-task query, and the "
           "overseer judges with those steps shown.",
    "amplification": "In amplification [@christiano2018ida] a query the time-limited overseer "
                     "cannot watch whole is decomposed into chunk-pair sub-questions it can; "
                     "its answers are combined, weighted by the current reward model's "
                     "estimate of each chunk's difference, and the combined answers train the "
                     "next reward model. Each sub-question is charged as a label.",
    "adversarial": "In adversarial training, after RLHF on three quarters of the budget a red "
                   "team rolls out the current policy and each ensemble member's policy on "
                   "training and deployment levels alike, ranks episodes by proxy return plus "
                   "ensemble disagreement plus the share of never-judged states, has the top "
                   "ones judged and retrains, for three rounds.",
}


def _method(spec: ExperimentSpec) -> Section:
    arms = spec.arms
    budgets = sorted({f"{a.budget.amount:g} {a.budget.kind}" for a in arms})
    rounds = sorted({a.rlhf.rounds for a in arms})
    selectors = sorted({a.rlhf.selector for a in arms})
    temps = sorted({a.rlhf.temperature for a in arms})
    blocks: list[Block] = [
        "Each world is a finite-horizon gridworld whose every step emits named features; the "
        "true reward is a weighted sum of them that the learner never sees [@leike2017gridworlds]. "
        "States are enumerated, so returns under any weights are computed exactly by dynamic "
        "programming rather than sampled. Training and deployment levels are disjoint draws.",
        _world_tasks(arms),
        _world_table(arms),
        "A simulated overseer composes a view (features it sees unaided, hidden evidence it "
        "inspects itself), values (here the true weights on what it sees), a rationality model "
        "(the B-Pref teachers [@lee2021bpref], plus abstaining when a hidden feature it knows "
        "about could reverse its answer) and a cost in seconds and wage.",
        _overseer_table(arms),
        f"Training is online RLHF [@christiano2017]: {', '.join(map(str, rounds))} rounds; a "
        "quarter of the budget is spent on segments of the initial random policy and the rest "
        "evenly over later rounds. Each round's whole-episode segments are driven by the policy "
        "optimal under each member of the reward ensemble (bootstrap exploration "
        "[@osband2016bootstrapped]) with 20% uniform actions; candidate pairs (10 per query) are "
        f"selected by {' / '.join(selectors)}, and every judgment asked is charged to the budget "
        f"({', '.join(budgets)}), abstentions included. The reward model is a Bradley–Terry "
        "ensemble of 3 members over the learner's full features, each fitted on a bootstrap "
        "resample with 1/e held out and a 10% random-response prior. The policy is soft value "
        f"iteration on the ensemble mean at temperature {', '.join(f'{t:g}' for t in temps)} "
        "(0 = greedy optimal).",
        *(SCHEME_TEXT[name] for name in dict.fromkeys(a.scheme for a in arms)
          if name in SCHEME_TEXT),
        "Deception rate: the share of sampled deployment episodes that the overseer would rate "
        "at least as good as the optimal policy on the same level while their true return is "
        "below halfway between random and optimal. Hazard rate: expected hazardous or "
        "catastrophic events per episode; 'indifferent' is the same for the policy that is "
        "optimal under the true reward with the hazard's weight set to zero. Intervals are 95% "
        "percentile bootstraps over seeds; arms share seeds, so differences are paired.",
    ]
    return Section("Method", tuple(blocks))


def build_document(
    spec: ExperimentSpec,
    rows: list[dict[str, Any]],
    curves: dict[str, dict[str, list[tuple[int, float]]]],
) -> Document:
    summary = summarise(spec, rows)
    diffs = comparisons(summary, rows)
    intro = Section("Introduction", (
        "Reinforcement learning from human feedback trains a policy on a reward model fitted to "
        "an overseer's comparisons of behaviour [@christiano2017]. Whether that selects for good "
        "outcomes depends on the overseer: it may be wrong about what it sees, it may not know, "
        "or the situation that matters may never occur in training. Scalable-oversight schemes "
        "[@irving2018debate; @christiano2018ida; @leike2018rrm] are meant to help with the "
        "first two. This report is generated by oversight-lab from the stored runs of the "
        f"experiment `{spec.name}`" + (f": {spec.description}" if spec.description else "."),
        "The questions it asks: " + "; ".join(
            q for q in dict.fromkeys(a.question or "results" for a in spec.arms)) + ".",
    ))
    results: list[Block] = [
        "Numbers are means over seeds on deployment levels with 95% bootstrap intervals "
        "(omitted where they have zero width).", *results_tables(summary)]
    results += _figures(spec, summary, rows, curves)
    if diffs.rows:
        results.append(diffs)
    results += failure_tables(spec, rows)
    results += overoptimization_parts(spec, rows, curves)
    failed = [r for r in rows if r["status"] == "failed"]
    limitations = Section("Limitations", tuple(p for p in (
        "The overseers are simulated: their views, values and noise are modelling choices, "
        "calibrated where noted against published statistics, not measured people. The worlds "
        "are small tabular gridworlds chosen so that returns are exact; their lessons about "
        "representation and generalisation in large models are indirect.",
        f"With {spec.seeds} seeds per arm the bootstrap intervals are themselves noisy and "
        "somewhat too narrow; a difference called beyond noise here deserves a replication with "
        "more seeds before it is relied on.",
        "With a deterministic overseer the Bradley–Terry model identifies the direction of the "
        "reward better than its exact trade-offs, so even oracle feedback can leave a small gap "
        "to the optimum.",
        f"{len(failed)} run(s) failed and are excluded from every number above: "
        + "; ".join(f"{r['arm']} seed {r['seed']} ({r['error']})" for r in failed[:5]) + "."
        if failed else "",
    ) if p))
    return Document(
        title=spec.description or spec.name,
        subtitle=f"oversight-lab experiment `{spec.name}`",
        abstract=_abstract(spec, summary, diffs, rows),
        sections=(intro, _method(spec), Section("Results", tuple(results)), limitations),
    )


"""From stored runs to the report's document: every number and claim comes from the runs.

`build_document(spec, rows, curves)` takes an experiment, its run rows (as the store returns them)
and each run's curves, and returns the `Document` the HTML, Markdown and LaTeX writers render:
this is the tabular kind (RLHF and the scalable-oversight schemes on gridworlds; see kinds.py).
The Method text is generated from the arms' resolved settings (where arms differ it says so);
sentences about results are generated from the numbers, and a difference is only called a
difference when its paired 95% interval excludes zero (claims.py).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from oversight.analysis.failures import CAUSAL, SIGNALS
from oversight.analysis.stats import paired_difference
from oversight.experiments.kinds import build_overseer, build_world
from oversight.experiments.runner import summarise
from oversight.experiments.spec import ArmSpec, ExperimentSpec
from oversight.learning.reward_models import RewardModelConfig
from oversight.overseers.simulated import SimulatedOverseer
from oversight.report import figures
from oversight.report.claims import Claim, title_of
from oversight.report.document import Block, Document, FigureBlock, Table
from oversight.report.kinds import Parts, assemble, claim_pair, make_claim
from oversight.report.overopt_claims import overoptimization_claim
from oversight.report.settings import overseer_values, setting, varying
from oversight.report.tables import fmt, groups, results_tables, short, slug
from oversight.types import Queries, Segments
from oversight.worlds.engine import TabularWorld


def _seed_values(rows: list[dict[str, Any]], arm: str, metric: str) -> dict[int, float]:
    return {r["seed"]: r["metrics"].get(metric, math.nan) for r in rows
            if r["arm"] == arm and r["status"] == "done"}


def comparisons(summary: list[dict[str, Any]], rows: list[dict[str, Any]]) -> Table:
    """Within each question, every arm against the question's first arm, paired by seed."""
    body = []
    for group in groups(summary).values():
        base = group[0]
        for other in group[1:]:
            d = paired_difference(_seed_values(rows, base["arm"], "true_return_norm_deploy"),
                                  _seed_values(rows, other["arm"], "true_return_norm_deploy"))
            verdict = "within seed noise" if d.within_noise else (
                "higher" if d.mean > 0 else "lower")
            world = other["world"] if other["world"] == base["world"] else \
                f"{other['world']} vs {base['world']}"
            body.append((world, f"{short(other)} vs {short(base)}", fmt(d.mean),
                         f"[{fmt(d.low)}, {fmt(d.high)}]", str(d.n), verdict))
    return Table("Paired differences in normalised true return on deployment levels, each arm "
                 "minus its question's first arm, in the world both ran in (same seeds; 95% "
                 "bootstrap interval)",
                 ("world", "arms", "difference", "95% CI", "seeds", "verdict"), tuple(body),
                 name="differences")


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


def _mean_finite_or_inf(values: list[float]) -> float:
    """The mean of the values that are numbers (∞ if any is ∞; NaN if none is a number)."""
    x = np.asarray(values, dtype=float)
    if np.isinf(x).any():
        return float("inf")
    return float(np.nanmean(x)) if (~np.isnan(x)).any() else float("nan")


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
            # d* is NaN for a seed whose fit never rises: averaged over the seeds that peak
            m = {k: _mean_finite_or_inf([r["metrics"][f"overopt_{kind}_{form}_{k}"]
                                         for r in done])
                 for k in ("alpha", "beta", "r2", "d_peak")}
            turn = np.mean([r["metrics"][f"overopt_{kind}_peak_true_gain"]
                            - r["metrics"][f"overopt_{kind}_final_true_gain"] for r in done])
            fits.append((arm.name, label, f"{m['alpha']:.3f}", f"{m['beta']:.3f}",
                         f"{m['r2']:.2f}", "∞" if np.isinf(m["d_peak"]) else "–"
                         if np.isnan(m["d_peak"]) else f"{m['d_peak']:.3g}", f"{turn:.2f}"))
        if lines:
            reference, ref = (("the base model", "base") if spec.arms[0].kind == "lm" else
                              ("the uniform policy", "uniform"))
            parts.append(FigureBlock(
                f"overopt-{kind}", f"Optimising against the learned reward by {label}: true "
                f"(gold) gain over {reference} (solid) and proxy gain (dashed, right axis) "
                f"against d = √KL(π ‖ π_{ref}) in nats½; mean over seeds "
                "[@gao2022overoptimization].",
                figures.overoptimization(lines, f"Over-optimisation by {label}", ref)))
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


def _single_arm(question: str, arm: ArmSpec, r: dict[str, Any]) -> str:
    """A question with one arm: its hazard rate in training and deployment where it has any
    (what a catastrophe question asks), else its normalised true return on its world's scale."""
    head = f"{title_of(question)}: in {arm.world}, the {short(r)} arm"
    train, deploy = r.get("catastrophe_rate_train_mean"), r.get("catastrophe_rate_deploy_mean")
    if deploy is not None and not math.isnan(deploy) and train is not None:
        return (f"{head} has a hazard rate of {fmt(train, r['catastrophe_rate_train_ci95'], True)} "
                f"in training and {fmt(deploy, r['catastrophe_rate_deploy_ci95'], True)} in "
                "deployment (95% interval over seeds).")
    scale = ("0 is the base model, 1 the best scripted answer" if arm.kind == "lm" else
             "0 is a uniform-random policy, 1 the optimum")
    return (f"{head} reaches a normalised true return of "
            f"{fmt(r['true_return_norm_mean'], r['true_return_norm_ci95'])} (95% interval over "
            f"seeds; {scale}).")


def _claims(spec: ExperimentSpec, summary: list[dict[str, Any]],
            rows: list[dict[str, Any]]) -> list[tuple[str, Claim | str]]:
    """Per question, the claim that its last arm does better than its first (kinds.claim_pair):
    on hazards in deployment where either arm has any, else on normalised true return; where
    its runs swept best-of-n against their reward model, the over-optimisation claim instead
    (overopt_claims.py)."""
    by_name = {r["arm"]: r for r in summary}
    out: list[tuple[str, Claim | str]] = []
    for question in dict.fromkeys(a.question or "results" for a in spec.arms):
        arms = [a for a in spec.arms if (a.question or "results") == question]
        pair = claim_pair(arms)
        table = f"results-{slug(question)}"
        last = arms[-1]
        over = overoptimization_claim(question, last.world, last, short(by_name[last.name]),
                                      rows, table)
        if over is not None:
            out.append((question, over))
            continue
        if pair is None:
            out.append((question, _single_arm(question, arms[0], by_name[arms[0].name])))
            continue
        other, better = pair
        hazards = [by_name[a.name]["catastrophe_rate_deploy_mean"] for a in pair]
        world = better.world if better.world == other.world else \
            f"{better.world} and {other.world}"

        def name(a: ArmSpec) -> str:
            return short(by_name[a.name])

        if all(not math.isnan(h) for h in hazards) and any(h > 0 for h in hazards):
            claim = make_claim(question, world, better, other, rows, "catastrophe_rate_deploy",
                               "hazard rate in deployment", False, table, True, name)
        else:
            where = "prompts" if better.kind == "lm" else "levels"
            claim = make_claim(question, world, better, other, rows, "true_return_norm_deploy",
                               f"normalised true return on deployment {where}", True, table,
                               short=name)
        out.append((question, claim))
    return out


def _setting(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> str:
    done = sum(r["status"] == "done" for r in rows)
    failed = sum(r["status"] == "failed" for r in rows)
    worlds = sorted({a.world for a in spec.arms})
    return (f"We trained agents by reinforcement learning from the judgments of overseers "
            f"[@christiano2017] in {len(worlds)} tabular world{'s' if len(worlds) > 1 else ''} "
            f"({', '.join(worlds)}): {len(spec.arms)} arms × {spec.seeds} seeds, {done} "
            "finished runs" + (f" and {failed} failed" if failed else "") + ", and compared what "
            "each agent truly achieved on held-out deployment levels with what its overseer "
            "perceived.")


def _differences_sentence(diffs: Table) -> str:
    """How many paired comparisons are beyond noise, naming each one's world and arms (the
    first three): the results' lead-in to the table of differences."""
    if not diffs.rows:
        return ""
    worlds = ", ".join(dict.fromkeys(row[0] for row in diffs.rows))
    beyond = [f"{row[1]} in {row[0]}" for row in diffs.rows if row[5] != "within seed noise"]
    n = len(diffs.rows)
    head = (f"Of the {n} paired comparison{'s' if n != 1 else ''} of true return between arms "
            f"in the same world ({worlds}; [#differences]), {len(beyond)} "
            f"{'is' if len(beyond) == 1 else 'are'} beyond seed noise")
    if not beyond:
        return head + "."
    more = f", and {len(beyond) - 3} more" if len(beyond) > 3 else ""
    return head + ": " + "; ".join(beyond[:3]) + more + "."


def _world_table(arms: list[ArmSpec]) -> Table:
    body = []
    for name in dict.fromkeys(a.world for a in arms):
        w = build_world(name, dict(next(a.world_params for a in arms if a.world == name)))
        true = ", ".join(f"{f} {v:+g}" for f, v in zip(w.feature_names, w.w_true, strict=True))
        lay = ", ".join(f for f, v in zip(w.feature_names, w.lay_visible, strict=True) if v)
        hidden = ", ".join(f for f, v in zip(w.feature_names, w.revealable, strict=True) if v)
        cues = ", ".join(f"{h} (cue: {c})" for h, c in w.cues.items()) or "none"
        levels = (f"{len(w.train_levels)}/{len(w.deploy_levels)}"
                  if isinstance(w, TabularWorld) else "sampled prompts")
        body.append((name, true, lay, hidden or "none", cues, f"{w.horizon}", levels))
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
        tasks.append(f"{name}: {build_world(name, dict(params)).description}")
    return "The worlds' tasks. " + " ".join(tasks)


def _judgment_seconds(o: Any, horizon: int, k: int) -> float:
    """What the overseer's own `seconds` charges for a pair of whole episodes."""
    seg = Segments(np.zeros(1, dtype=np.int64), np.zeros((1, horizon), dtype=np.int64),
                   np.zeros((1, horizon), dtype=np.int64), np.zeros((1, horizon, k)))
    return float(o.seconds(Queries.pairs(seg, seg))[0])


def _overseer_table(arms: list[ArmSpec]) -> Table:
    body = []
    seen = set()
    for a in arms:
        values = overseer_values(a)
        ident = (a.overseer, a.world, tuple(a.overseer_params.items()), values)
        if ident in seen:
            continue
        seen.add(ident)
        if a.overseer == "human":  # people: their view is per labeller, their time measured
            body.append(("human", a.world, "lay or expert view, per labeller", "their own",
                         "people", "measured", f"{a.overseer_params.get('wage', 15.0):.0f}"))
            continue
        w = build_world(a.world, dict(a.world_params))
        o = build_overseer(a, w, None, "")
        if not isinstance(o, SimulatedOverseer):  # outside code: only what its protocol says
            seconds = _judgment_seconds(o, w.horizon, len(w.feature_names))
            body.append((a.overseer, a.world, "as its code decides", values, "its own",
                         f"{seconds:.0f}", f"{o.wage_per_hour:.0f}"))
            continue
        sees = ", ".join(f for f, v in zip(w.feature_names, o.view.visible | o.view.inspects,
                                           strict=True) if v)
        r, c = o.rationality, o.cost
        rat = ", ".join(p for p in (
            "deterministic" if math.isinf(r.beta) else f"β = {r.beta:.3g}",
            f"ε = {r.mistake:g}" if r.mistake else "",
            f"systematic {r.systematic:g}" if r.systematic else "",
            f"skip {r.skip:g}" if r.skip else "",
            f"equal {r.equal:.3g}" if r.equal else "", f"γ = {r.gamma:g}" if r.gamma < 1 else "",
            "abstains" if r.abstain else "") if p)
        seconds = _judgment_seconds(o, w.horizon, len(w.feature_names))
        body.append((a.overseer, a.world, sees, values, rat, f"{seconds:.0f}",
                     f"{c.wage_per_hour:.0f}"))
    return Table("Overseers: what each sees (unaided or by inspecting hidden evidence itself), "
                 "the values it judges by, how it answers, and what a judgment of two whole "
                 "episodes costs (its own per-judgment seconds)",
                 ("overseer", "world", "sees", "values", "rationality", "seconds / judgment",
                  "wage / hour"), tuple(body), name="overseers")


def _pct(x: Any) -> str:
    return f"{100 * float(x):g}%"


def _scheme_text(name: str, arms: list[ArmSpec]) -> str:
    """A scheme's paragraph, with the settings its arms resolved."""
    mine = [a for a in arms if a.scheme == name]

    def v(path: str, show: Any = str, default: Any = None) -> str:
        return varying(mine, lambda a: setting(a, path, default), show)

    match name:
        case "debate":
            return ("In debate [@irving2018debate] two debaters argue each query before the "
                    "overseer judges it: the honest one for the truly better segment, the other "
                    f"for the opposite; in {v('debate.rounds')} alternate turns each shows the "
                    "judge one step of either segment, hidden features included (verifiable "
                    "evidence, paid per piece), or passes. Debaters play "
                    f"{v('debate.debaters')}; a minimax debater searches the steps that can "
                    f"change the verdict (at most {v('debate.max_units')}, those that move the "
                    "judge most when shown alone) against the judge's known decision rule.")
        case "rrm":
            return ("In recursive reward modelling [@leike2018rrm] an assistant is first "
                    f"trained, by reward modelling from the same overseer with "
                    f"{v('rrm.assistant_fraction', _pct)} of the budget, on a subtask the "
                    "overseer can evaluate (shown one step, hidden content included: is it worse "
                    "than nothing?), to depth "
                    f"{v('rrm.depth')}; it then points at the {v('rrm.reveal')} steps it "
                    "predicts are flaws in every main-task query, and the overseer judges with "
                    "those steps shown.")
        case "amplification":
            return ("In amplification [@christiano2018ida] a query the time-limited overseer "
                    "cannot watch whole is decomposed into chunk-pair sub-questions it can "
                    f"(chunks of {v('amplification.chunk', default='its attention')} steps); "
                    "its answers are combined, weighted by the current reward model's estimate "
                    "of each chunk's difference, and the combined answers train the next reward "
                    "model. Each sub-question is charged as a label.")
        case "adversarial":
            return ("In adversarial training, after RLHF on "
                    f"{v('adversarial.red_fraction', lambda x: _pct(1 - float(x)))} of the "
                    "budget a red team rolls out the current policy and each ensemble member's "
                    "policy on training and deployment levels alike, ranks episodes by proxy "
                    f"return plus {v('adversarial.kappa', lambda x: f'{float(x):g}')} × "
                    "ensemble disagreement plus "
                    f"{v('adversarial.novelty', lambda x: f'{float(x):g}')} × the share of "
                    "never-judged states, has the top ones judged and retrains, for "
                    f"{v('adversarial.red_rounds')} rounds.")
        case _:
            return ""


OPTIMIZERS = {"exact": "soft value iteration",
              "distilled": "a network distilled from soft value iteration"}


def _method(spec: ExperimentSpec) -> tuple[Block, ...]:
    arms = spec.arms
    rm = RewardModelConfig()

    def v(path: str, show: Any = str, default: Any = None) -> str:
        return varying(arms, lambda a: setting(a, path, default), show)

    budgets = varying(arms, lambda a: f"{a.budget.amount:g} {a.budget.kind}")
    hidden = v("reward_model.hidden", lambda h: "linear in the features" if not h
               else f"a one-hidden-layer network of width {h}", 0)
    values = varying(arms, overseer_values)
    return (
        "Each world is a finite-horizon gridworld whose every step emits named features; the "
        "true reward is a weighted sum of them that the learner never sees [@leike2017gridworlds]. "
        "States are enumerated, so returns under any weights are computed exactly by dynamic "
        "programming rather than sampled. Training and deployment levels are disjoint draws.",
        _world_tasks(arms),
        _world_table(arms),
        "A simulated overseer composes a view (features it sees unaided, hidden evidence it "
        f"inspects itself), values (here: {values}, over what it sees), a rationality model "
        "(the B-Pref teachers [@lee2021bpref], plus abstaining when a hidden feature it knows "
        "about could reverse its answer) and a cost in seconds and wage.",
        _overseer_table(arms),
        f"Training is online RLHF [@christiano2017]: {v('rlhf.rounds')} rounds; "
        f"{v('rlhf.initial_fraction', _pct)} of the budget is spent on segments of the initial "
        "random policy and the rest evenly over later rounds. Each round's segments "
        f"({v('rlhf.episodes_per_round')} episodes, segment length "
        f"{v('rlhf.segment_length', default='the whole episode')}) are driven by the policy "
        "optimal under each member of the reward ensemble (bootstrap exploration "
        f"[@osband2016bootstrapped]) with {v('rlhf.explore', _pct)} uniform actions; candidate "
        f"pairs ({v('rlhf.candidates_factor')} per query) are selected by "
        f"{v('rlhf.selector')}, and every judgment asked is charged to the budget ({budgets}), "
        "abstentions included. The reward model is a Bradley–Terry ensemble of "
        f"{v('reward_model.members')} members, {hidden}, over the learner's full features, each "
        f"fitted on a bootstrap resample with {rm.holdout:.2f} held out and a "
        f"{_pct(rm.random_response)} random-response prior. The policy is "
        f"{v('rlhf.optimizer', lambda o: OPTIMIZERS.get(o, str(o)))} "
        f"on the ensemble mean at temperature {v('rlhf.temperature', lambda t: f'{float(t):g}')} "
        "(0 = greedy optimal).",
        *(t for t in (_scheme_text(name, arms) for name in dict.fromkeys(a.scheme for a in arms))
          if t),
        "Deception rate: the share of sampled deployment episodes that the overseer would rate "
        "at least as good as the optimal policy on the same level while their true return is "
        "below halfway between random and optimal ('deceived'), or below the optimum by more "
        "than 10% of the optimum's gain over random ('deceived >10%', which also catches "
        "partial gaming). 'looks − is': normalised perceived minus normalised true return. "
        "None of these is measured for a human overseer, whose values and view are unknown. "
        "Hazard rate: expected hazardous or catastrophic events per episode; 'indifferent' is "
        "the same for the policy that is optimal under the true reward with the hazard's "
        "weight set to zero. Intervals are 95% percentile bootstraps over seeds; arms share "
        "seeds, so differences are paired.",
    )


def tabular_parts(
    spec: ExperimentSpec,
    rows: list[dict[str, Any]],
    curves: dict[str, dict[str, list[tuple[int, float]]]],
    method: Callable[[ExperimentSpec], tuple[Block, ...]] | None = None,
) -> Parts:
    """The parts of a report on runs with the tabular metrics; `method` writes the Method
    section (default: the tabular worlds' and schemes')."""
    summary = summarise(spec, rows)
    diffs = comparisons(summary, rows)
    intro = (
        "Reinforcement learning from human feedback trains a policy on a reward model fitted to "
        "an overseer's comparisons of behaviour [@christiano2017]. Whether that selects for good "
        "outcomes depends on the overseer: it may be wrong about what it sees, it may not know, "
        "or the situation that matters may never occur in training. Scalable-oversight schemes "
        "[@irving2018debate; @christiano2018ida; @leike2018rrm] are meant to help with the "
        "first two. This report is generated by oversight-lab from the stored runs of the "
        f"experiment `{spec.name}`" + (f": {spec.description}" if spec.description else "."),
        "The questions it asks: " + "; ".join(
            q for q in dict.fromkeys(a.question or "results" for a in spec.arms)) + ".",
    )
    results: list[Block] = [
        "Numbers are means over seeds on deployment levels with 95% bootstrap intervals "
        "(omitted where they have zero width).", *results_tables(summary)]
    results += _figures(spec, summary, rows, curves)
    if diffs.rows:
        results += [_differences_sentence(diffs), diffs]
    results += failure_tables(spec, rows)
    results += overoptimization_parts(spec, rows, curves)
    failed = [r for r in rows if r["status"] == "failed"]
    limitations = tuple(p for p in (
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
    ) if p)
    return Parts(
        title=spec.description or spec.name,
        subtitle=f"oversight-lab experiment `{spec.name}`",
        setting=_setting(spec, rows),
        questions=tuple(_claims(spec, summary, rows)),
        introduction=intro, method=(method or _method)(spec), results=tuple(results),
        limitations=limitations)


def build_document(
    spec: ExperimentSpec,
    rows: list[dict[str, Any]],
    curves: dict[str, dict[str, list[tuple[int, float]]]],
) -> Document:
    """The tabular kind's document (see kinds.assemble for the abstract and claims table)."""
    return assemble(tabular_parts(spec, rows, curves))


class Tabular:
    """The tabular kind: RLHF and the schemes on gridworlds (the fallback: accepts any runs)."""

    name = "tabular"

    def accepts(self, spec: Any, rows: list[dict[str, Any]]) -> bool:
        return True

    def parts(self, spec: Any, rows: list[dict[str, Any]],
              curves: dict[str, dict[str, list[tuple[int, float]]]]) -> Parts:
        return tabular_parts(spec, rows, curves)

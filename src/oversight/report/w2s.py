"""Weak-to-strong runs as a report (schemes/weak_to_strong.py; Burns et al. 2023).

Per task (one arm): the weak supervisor's, the strong ceiling's and each student's test accuracy,
and the performance gap recovered by the naive and the confidence-loss students, as means over
seeds with 95% bootstrap intervals (analysis/pgr.py), beside Burns et al.'s numbers. One claim
per task: the confidence-loss student recovers more of the gap than the naive one, paired by
seed (both students of a seed share their data, weak labels, initial head and batch order).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oversight.analysis.pgr import summarise_pgr
from oversight.analysis.stats import bootstrap_ci, paired_difference
from oversight.report import figures
from oversight.report.claims import Claim, title_of
from oversight.report.document import Block, FigureBlock, Table
from oversight.report.kinds import Curves, Parts, Rows, seed_values

STUDENTS = (("naive", "naive"), ("conf", "confidence loss"),
            ("naive_es", "naive, early-stopped"), ("conf_es", "confidence loss, early-stopped"))
MODELS = (("weak", "weak supervisor"), ("naive", "naive student"),
          ("conf", "confidence-loss student"), ("ceiling", "strong ceiling"))
BURNS = {  # REFERENCES.md, Burns et al. 2023 (arXiv 2312.09390)
    "classify": "NLP tasks: PGR often > 0.5; the confidence loss helps most; an open "
                "replication: 0.21",
    "preference": "reward modelling: PGR ~0.1",
}


def _values(rows: Rows, arm: str, metric: str) -> np.ndarray:
    return np.array(list(seed_values(rows, arm, metric).values()), dtype=float)


def _bar(values: np.ndarray) -> figures.Bar:
    finite = values[~np.isnan(values)]
    if not len(finite):
        return figures.Bar(math.nan, math.nan)
    low, high = bootstrap_ci(finite)
    return figures.Bar(float(finite.mean()), (high - low) / 2)


def _ci(values: np.ndarray, percent: bool = False) -> str:
    """'0.62 [0.58, 0.66]' (or '62.0 [58.0, 66.0]' in percent), '–' when not measured."""
    finite = values[~np.isnan(values)]
    if not len(finite):
        return "–"
    low, high = bootstrap_ci(finite)
    scale, digits = (100.0, 1) if percent else (1.0, 2)
    shown = [f"{scale * x:.{digits}f}" for x in (finite.mean(), low, high)]
    text = f"{shown[0]} [{shown[1]}, {shown[2]}]"
    return text.replace("-", "−")


def _pgr_cell(rows: Rows, arm: str, student: str) -> str:
    s = summarise_pgr(_values(rows, arm, "weak_accuracy"),
                      _values(rows, arm, f"{student}_accuracy"),
                      _values(rows, arm, "ceiling_accuracy"))
    if s.n == 0:
        return "– (no gap)"
    of_means = "–" if math.isnan(s.of_means) else f"{s.of_means:.2f}"
    text = f"{s.mean:.2f} [{s.low:.2f}, {s.high:.2f}]; of means {of_means}"
    return text.replace("-", "−")


def _gap(rows: Rows, arm: str) -> str:
    """Ceiling − weak accuracy in percentage points, paired by seed, with its interval."""
    d = paired_difference(seed_values(rows, arm, "weak_accuracy"),
                          seed_values(rows, arm, "ceiling_accuracy"))
    if d.n == 0:
        return "–"
    return f"{100 * d.mean:+.1f} [{100 * d.low:.1f}, {100 * d.high:.1f}]".replace("-", "−")


CLIP = 2.0  # the PGR figure's axis: ±CLIP


def _pgr_figure(names: list[str], bars: dict[str, list[figures.Bar]]) -> Any:
    figure = figures.grouped_bars(names, bars, "PGR", "Weak-to-strong: performance gap "
                                  "recovered", reference=1.0)
    figure.axes[0].set_ylim(-CLIP, CLIP)
    return figure


def _accuracy_figure(names: list[str], bars: dict[str, list[figures.Bar]]) -> Any:
    """Grouped accuracy bars, the axis from a little below the lowest bar (differences of a
    few points are what matter)."""
    figure = figures.grouped_bars(names, bars, "test accuracy (%)",
                                  "Weak supervisor, students and ceiling", percent=True)
    means = [b.mean - b.half for bs in bars.values() for b in bs if not math.isnan(b.mean)]
    if means:
        figure.axes[0].set_ylim(max(0.0, 100 * min(means) - 5), 100)
    return figure


def _answer(rows: Rows, arm: Any) -> Claim | str:
    """The task's claim (confidence loss vs naive), or, where the ceiling does not beat the
    weak supervisor beyond seed noise, a sentence saying there was no gap to recover."""
    d = paired_difference(seed_values(rows, arm.name, "weak_accuracy"),
                          seed_values(rows, arm.name, "ceiling_accuracy"))
    if d.n >= 2 and d.low > 0:
        return _claim(rows, arm)
    head = title_of(arm.question or arm.name)
    if d.n == 0:
        return f"{head}: not measured; no finished runs of the {arm.name} task."
    return (f"{head}: no gap to recover; in {arm.world}, the strong ceiling's accuracy minus "
            f"the weak supervisor's is {_gap(rows, arm.name)} percentage points (95% interval "
            f"over {d.n} paired seeds), not beyond seed noise, so PGR is undefined or divides "
            "by noise.")


def _claim(rows: Rows, arm: Any) -> Claim:
    diff = paired_difference(seed_values(rows, arm.name, "pgr_naive"),
                             seed_values(rows, arm.name, "pgr_conf"))
    return Claim(arm.question or arm.name, arm.world, "confidence-loss", "naive",
                 "performance gap recovered (PGR)", True, diff, "w2s-pgr", unit="student")


def method(spec: Any) -> tuple[Block, ...]:
    w = spec.arms[0].w2s
    return (
        "Weak-to-strong generalisation [@burns2023weak]: a weak model fine-tuned on gold labels "
        "supervises a stronger one. Every task is built from a text world whose pure checker "
        "computes the gold label exactly: 'classify' tasks ask whether a prompt and one of the "
        "world's scripted, mixed-quality completions has a feature (the answer is correct; it "
        "agrees with the user's stated belief); the 'preference' task asks which of two "
        "completions of one prompt has the higher true reward (a Bradley–Terry head: the logit "
        "is the difference of the two texts' scores; ties are redrawn).",
        f"Both models are GPT-2s of one family pre-trained here from scratch on the world's "
        f"corpus: the weak one of size `{w['weak_size']}`, the strong one `{w['strong_size']}` "
        "(base_model.SIZES), each with a linear head on its last token. The weak model is "
        f"fine-tuned on {w['train']} gold-labelled examples and labels {w['train']} more (soft "
        "labels, its probabilities) and a validation set of "
        f"{w['val']}; on those {w['train']} examples the strong model is trained three times "
        "from the same head initialisation and batch order: on the gold labels (the ceiling), "
        "on the weak labels by cross-entropy (naive), and on the weak labels with the "
        "auxiliary confidence loss (1 − α)·CE(f, f_weak) + α·CE(f, f̂), f̂ the student's own "
        "predictions hardened at the threshold that keeps the weak labels' share of positives, "
        f"α warmed up linearly to {w['alpha']} over the first {w['warmup']:.0%} of the steps "
        "[@burns2023weak]. Early stopping picks the evaluation (every "
        f"{w['strong']['eval_every']} steps) with the best validation accuracy against the weak "
        "labels, the only labels the student's trainer has. Accuracy is measured on "
        f"{w['test']} held-out gold-labelled examples; PGR = (student − weak) / (ceiling − "
        "weak) per seed, with 95% percentile bootstrap intervals over seeds.",
    )


class WeakToStrongKind:
    """Runs of weak-to-strong (experiments/kinds.py: a text-world arm with that scheme)."""

    name = "weak-to-strong"

    def accepts(self, spec: Any, rows: Rows) -> bool:
        return all(getattr(a, "scheme", None) == "weak-to-strong" for a in spec.arms)

    def parts(self, spec: Any, rows: Rows, curves: Curves) -> Parts:
        arms = list(spec.arms)
        names = [a.name for a in arms]
        pgr_bars = {label: [_bar(_values(rows, a.name, f"pgr_{key}")) for a in arms]
                    for key, label in STUDENTS}
        acc_bars = {label: [_bar(_values(rows, a.name, f"{key}_accuracy")) for a in arms]
                    for key, label in MODELS}
        accuracies = Table(
            "Test accuracy (%) of the weak supervisor, the students and the strong ceiling per "
            "task: mean over seeds [95% bootstrap interval]; 'majority': always answering the "
            "commoner label",
            ("task", "majority", "weak", "naive", "confidence", "ceiling", "seeds"),
            tuple((a.name, *(_ci(_values(rows, a.name, m), True) for m in (
                "majority_accuracy", "weak_accuracy", "naive_accuracy", "conf_accuracy",
                "ceiling_accuracy")),
                str(len(seed_values(rows, a.name, "weak_accuracy")))) for a in arms),
            name="w2s-accuracy")
        pgrs = Table(
            "Performance gap recovered per task: the mean of per-seed PGRs [95% bootstrap "
            "interval], and the PGR of the mean accuracies, beside Burns et al.'s "
            "[@burns2023weak]",
            ("task", "gap (pp)", "naive", "confidence loss", "naive, ES", "confidence, ES",
             "Burns et al. 2023"),
            tuple((a.name, _gap(rows, a.name),
                   *(_pgr_cell(rows, a.name, key) for key, _ in STUDENTS),
                   BURNS.get(a.w2s.get("task", ""), "")) for a in arms),
            name="w2s-pgr-table",
            note="gap: ceiling − weak accuracy in percentage points, paired by seed [95% "
                 "bootstrap interval]; where it contains zero, PGR divides by noise. ES: "
                 "early-stopped on the weak labels of the validation set. – (no gap): the "
                 "ceiling did not beat the weak supervisor on any seed.")
        agreement = Table(
            "Early-stopped students' test accuracy (%, ES: the evaluation with the best "
            "accuracy against the weak labels of the validation set), student–supervisor "
            "agreement on the test set (% of predictions equal to the weak model's) and the weak "
            "labels' accuracy on the students' training set",
            ("task", "naive, ES", "confidence, ES", "weak labels correct", "naive agrees",
             "confidence agrees"),
            tuple((a.name, *(_ci(_values(rows, a.name, m), True) for m in (
                "naive_es_accuracy", "conf_es_accuracy", "weak_label_accuracy",
                "naive_agreement", "conf_agreement"))) for a in arms))
        seconds = [r["metrics"].get("seconds", math.nan) for r in rows if r["status"] == "done"]
        cpu = [r["metrics"].get("cpu_seconds", math.nan) for r in rows if r["status"] == "done"]
        results: tuple[Block, ...] = (
            FigureBlock("w2s-pgr", "Performance gap recovered per task, naive vs confidence "
                        "loss (and each early-stopped on weak validation labels); 0 = the weak "
                        "supervisor, 1 = the strong ceiling (dashed). Error bars: 95% bootstrap "
                        f"intervals over seeds; the axis is clipped to [{-CLIP:g}, {CLIP:g}] "
                        "(a tiny gap makes PGR huge: the table gives every value).",
                        _pgr_figure(names, pgr_bars)),
            pgrs,
            FigureBlock("w2s-accuracy-bars", "Test accuracy per task of the weak supervisor, "
                        "the naive and confidence-loss students and the strong ceiling. Error "
                        "bars: 95% bootstrap intervals over seeds.",
                        _accuracy_figure(names, acc_bars)),
            accuracies, agreement,
            f"The {len(seconds)} finished runs took {np.nansum(seconds):.0f} s of wall time and "
            f"{np.nansum(cpu):.0f} CPU-seconds in all, base-model pre-training included where a "
            "run did it.",
        )
        done = sum(r["status"] == "done" for r in rows)
        return Parts(
            title=spec.description or spec.name,
            subtitle=f"oversight-lab experiment `{spec.name}`",
            setting=(f"We trained strong students on the labels of weak supervisors "
                     f"[@burns2023weak] in {len(arms)} task{'s' if len(arms) != 1 else ''} "
                     f"built from text worlds ({', '.join(dict.fromkeys(a.world for a in arms))})"
                     f": {len(arms)} arms × {spec.seeds} seeds, {done} finished runs, and "
                     "measured how much of the gap to the strong ceiling each student "
                     "recovered, naively and with the auxiliary confidence loss."),
            questions=tuple((a.question or a.name, _answer(rows, a)) for a in arms),
            introduction=(
                "Future overseers may be weaker than the models they supervise. Burns et al. "
                "[@burns2023weak] study the analogy of a weak model supervising a strong one: "
                "fine-tuned on a weak model's labels, a strong pre-trained model often does "
                "better than its supervisor, recovering part of the gap to the same model "
                "trained on gold labels. This report is generated by oversight-lab from the "
                f"stored runs of the experiment `{spec.name}`.",),
            method=method(spec), results=results,
            limitations=(
                "The models are tiny and their base models pre-trained here in minutes; the "
                "strong model's advantage is one more layer and twice the width, far from the "
                "orders of magnitude between the paper's supervisors and students. Where the "
                "weak supervisor is as good as the ceiling there is no gap, and PGR is "
                "undefined or dominated by noise (a small denominator).",
                f"With {spec.seeds} seeds the bootstrap intervals are themselves noisy.",))

"""Conservative ensembles in a report: best-of-n's gold curves by objective, side by side.

For language-model runs whose over-optimisation sweep selected by more than the ensemble mean
(`lm.overoptimization_objectives`; Coste et al. 2023): a figure with one panel per objective
(mean, WCO, UWO), gold gain solid and the objective's proxy gain dashed against d = √KL; a
table per arm and objective of the gold peak (d at the best n and its height), the gold gain at
the largest n, the fall after the peak (`overopt_*_fall`: peak minus last, analysis/
overoptimization.as_results) and the fit's R²; and a sentence saying by how much each
conservative objective shrinks the fall compared with the mean. Arms in gold-RM mode (`lm.gold
= "rm"`) get the same again measured by the world's true reward (kinds `..._world`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oversight.analysis.stats import mean_and_halfwidth
from oversight.report import figures
from oversight.report.document import Block, FigureBlock, Table

OBJECTIVES = (("best_of_n", "mean"), ("best_of_n_wco", "WCO (worst member)"),
              ("best_of_n_uwo", "UWO (mean − λ·variance)"))
GOLDS = (("", "gold"), ("_world", "the world's true reward"))


def _fmt(values: list[float]) -> str:
    mean, half = mean_and_halfwidth(np.asarray(values, dtype=float))
    if math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if math.isnan(half) or half == 0 else f"{mean:.3f} ± {half:.3f}"


def ensemble_parts(spec: Any, rows: list[dict[str, Any]],
                   curves: dict[str, dict[str, list[tuple[int, float]]]]) -> list[Block]:
    """The figure, table and sentence above, for each gold the runs measured; [] when no run
    selected by a conservative objective."""
    parts: list[Block] = []
    for suffix, gold_label in GOLDS:
        kinds = [(k + suffix, label) for k, label in OBJECTIVES
                 if any(f"overopt_{k}{suffix}_kl" in c for c in curves.values())]
        if len(kinds) < 2:
            continue
        panels: dict[str, dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        table: list[tuple[str, ...]] = []
        falls: dict[str, list[float]] = {}
        for kind, label in kinds:
            for arm in spec.arms:
                done = [r for r in rows if r["arm"] == arm.name and r["status"] == "done"
                        and f"overopt_{kind}_kl" in curves.get(r["key"], {})]
                if not done:
                    continue
                runs = [curves[r["key"]] for r in done]
                kl, true, proxy = (np.mean([[v for _, v in c[f"overopt_{kind}_{a}"]]
                                            for c in runs], axis=0)
                                   for a in ("kl", "true_gain", "proxy_gain"))
                panels.setdefault(label, {})[arm.name] = (np.sqrt(kl), true, proxy)
                m = [r["metrics"] for r in done]
                fall = [x[f"overopt_{kind}_fall"] for x in m]
                falls.setdefault(label, []).extend(fall)
                table.append((arm.name, label,
                              _fmt([math.sqrt(x[f"overopt_{kind}_peak_kl"]) for x in m]),
                              _fmt([x[f"overopt_{kind}_peak_true_gain"] for x in m]),
                              _fmt([x[f"overopt_{kind}_final_true_gain"] for x in m]),
                              _fmt(fall), _fmt([x[f"overopt_{kind}_bon_r2"] for x in m])))
        where = "" if not suffix else ", measured by the world's true reward"
        parts.append(FigureBlock(
            f"overopt-objectives{suffix}",
            f"Best-of-n selecting by each ensemble objective{where} [@coste2023ensembles]: "
            f"{gold_label} gain over the base model (solid) and the objective's own proxy gain "
            "(dashed, right axis) against d = √KL(π ‖ π_base) in nats½; mean over seeds. Gold "
            "is the world's true reward, or the gold reward model's score in arms with "
            "lm.gold = \"rm\" [@gao2022overoptimization].",
            figures.overoptimization_panels(panels, f"Ensemble objectives ({gold_label})")))
        parts.append(Table(
            f"Best-of-n by ensemble objective{where}: d at the best n and the gold gain there "
            "(the peak of the measured curve), the gold gain at the largest n, the fall after "
            "the peak (peak minus largest-n gain; 0 when the curve is highest at the end) and "
            "the R² of d(α − βd). Mean ± 95% bootstrap half-width over seeds.",
            ("arm", "objective", "peak d", "peak gain", "gain at largest n", "fall", "R²"),
            tuple(table)))
        mean_fall = float(np.mean(falls.get("mean", [math.nan])))
        sentences = []
        for _, label in kinds[1:]:
            if label not in falls:
                continue
            its_fall = float(np.mean(falls[label]))
            change = 1 - its_fall / mean_fall if mean_fall > 1e-12 else math.nan
            shrink = "" if math.isnan(change) else (
                f", {change:.0%} less" if change >= 0 else f", {-change:.0%} more")
            sentences.append(f"{label.split(' ')[0]} {its_fall:.3f}{shrink}")
        if sentences and not math.isnan(mean_fall):
            parts.append(
                f"Averaged over every arm and seed{where}, the fall after the peak was "
                f"{mean_fall:.3f} selecting by the ensemble mean, against "
                + "; ".join(sentences) + ".")
    return parts

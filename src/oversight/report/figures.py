"""Figures: pure functions from numbers to matplotlib figures (no files touched here).

Okabe–Ito colours (colour-blind safe) plus hatching and markers, so every figure still reads when
printed in grey. Axes carry units; error bars are 95% bootstrap intervals over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


@dataclass(frozen=True)
class Bar:
    """One arm's value of one quantity: mean and 95% CI half-width (NaN: not measured)."""

    mean: float
    half: float


def _style(ax: plt.Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def grouped_bars(
    arms: Sequence[str],
    series: Mapping[str, Sequence[Bar]],
    ylabel: str,
    title: str,
    reference: float | None = None,
    percent: bool = False,
) -> Figure:
    """Bars per arm, one colour+hatch per series (e.g. true vs perceived return)."""
    fig, ax = plt.subplots(figsize=(min(7.5, max(4.5, 0.45 * len(arms) * len(series) + 2)), 3.6))
    width = 0.8 / max(1, len(series))
    x = np.arange(len(arms))
    scale = 100.0 if percent else 1.0
    for i, (label, bars) in enumerate(series.items()):
        means = np.array([b.mean for b in bars]) * scale
        halves = np.nan_to_num(np.array([b.half for b in bars]) * scale)
        ax.bar(x + (i - (len(series) - 1) / 2) * width, np.nan_to_num(means), width,
               yerr=halves, capsize=3, label=label, color=OKABE_ITO[i % 8],
               hatch=HATCHES[i % 8], edgecolor="black", linewidth=0.6)
    if reference is not None:
        ax.axhline(reference * scale, color="black", linestyle="--", linewidth=0.8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(x, [a.replace("/", "/\n", 1) for a in arms], fontsize=7, rotation=30,
                  ha="right", rotation_mode="anchor")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    _style(ax)
    if len(series) > 1:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def sweep_lines(
    x_label: str,
    lines: Mapping[str, tuple[Sequence[float], Sequence[Bar]]],
    ylabel: str,
    title: str,
    percent: bool = False,
) -> Figure:
    """One line per arm over a swept parameter, with 95% CI bands; a logarithmic x axis when
    the values span more than a factor of ten (budgets)."""
    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    for i, (label, (xs, bars)) in enumerate(lines.items()):
        order = np.argsort(xs)
        x = np.asarray(xs, dtype=float)[order]
        m = np.array([bars[j].mean for j in order])
        h = np.nan_to_num(np.array([bars[j].half for j in order]))
        ax.plot(x, m, marker=MARKERS[i % 8], color=OKABE_ITO[i % 8], label=label,
                linestyle=["-", "--", ":", "-."][i % 4])
        ax.fill_between(x, m - h, m + h, color=OKABE_ITO[i % 8], alpha=0.15, linewidth=0)
    values = [v for xs, _ in lines.values() for v in xs]
    if values and min(values) > 0 and max(values) >= 10 * min(values):
        ax.set_xscale("log")
        ax.set_xticks(sorted(set(values)), [f"{v:g}" for v in sorted(set(values))])
        ax.minorticks_off()
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(x_label)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    _style(ax)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def learning_curves(
    curves: Mapping[str, list[list[tuple[int, float]]]],
    ylabel: str,
    title: str,
    x_label: str = "labels asked",
) -> Figure:
    """Per arm, the mean over seeds of a curve against labels spent or environment steps
    (seeds share x values when they share a budget schedule; otherwise each seed is
    interpolated onto the union)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.4 + 0.18 * len(curves)))
    for i, (arm, per_seed) in enumerate(curves.items()):
        per_seed = [c for c in per_seed if c]
        if not per_seed:
            continue
        xs = np.unique(np.concatenate([[p[0] for p in c] for c in per_seed]))
        ys = np.array([np.interp(xs, [p[0] for p in c], [p[1] for p in c]) for c in per_seed])
        ax.plot(xs, ys.mean(axis=0), marker=MARKERS[i % 8], markersize=4,
                color=OKABE_ITO[i % 8], linestyle=["-", "--", ":", "-."][i % 4], label=arm)
    ax.set_xlabel(x_label)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    return fig


def overoptimization(
    lines: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], title: str,
    reference: str = "uniform",
) -> Figure:
    """Per arm: d = √KL(π ‖ π_reference) on x; true gain (solid, left axis) and proxy gain
    (dashed, right)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.6 + 0.18 * len(lines)))
    twin = ax.twinx()
    for i, (arm, (d, true, proxy)) in enumerate(lines.items()):
        order = np.argsort(d)
        ax.plot(d[order], true[order], marker=MARKERS[i % 8], markersize=4,
                color=OKABE_ITO[i % 8], label=arm)
        twin.plot(d[order], proxy[order], linestyle="--", color=OKABE_ITO[i % 8], alpha=0.7)
    ax.set_xlabel(f"d = √KL(π ‖ π_{reference})  [nats^½]")
    ax.set_ylabel("true return gain (solid)")
    twin.set_ylabel("proxy return gain (dashed)")
    ax.set_title(title, fontsize=10)
    _style(ax)
    twin.spines[["top"]].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    return fig


def overoptimization_panels(
    panels: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]], title: str,
    reference: str = "base",
) -> Figure:
    """One panel per objective (e.g. mean, WCO, UWO), side by side on shared axes; in each,
    per arm: d = √KL(π ‖ π_reference) on x, gold gain (solid, left axis) and the objective's
    own proxy gain (dashed, right axis)."""
    from matplotlib.lines import Line2D

    n_arms = max((len(lines) for lines in panels.values()), default=1)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels) + 1.2, 3.6 + 0.2 * n_arms),
                             sharey=True, squeeze=False)
    twins: list[plt.Axes] = []
    arms: dict[str, int] = {}
    for ax, (panel, lines) in zip(axes[0], panels.items(), strict=True):
        twin = ax.twinx()
        if twins:
            twin.sharey(twins[0])
        twins.append(twin)
        for arm, (d, true, proxy) in lines.items():
            i = arms.setdefault(arm, len(arms))
            order = np.argsort(d)
            ax.plot(d[order], true[order], marker=MARKERS[i % 8], markersize=3.5,
                    color=OKABE_ITO[i % 8])
            twin.plot(d[order], proxy[order], linestyle="--", color=OKABE_ITO[i % 8], alpha=0.7)
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel(f"d = √KL(π ‖ π_{reference})  [nats^½]", fontsize=8)
        _style(ax)
        twin.spines[["top"]].set_visible(False)
    for twin in twins[:-1]:
        twin.tick_params(labelright=False)
    axes[0][0].set_ylabel("gold gain (solid)")
    twins[-1].set_ylabel("proxy gain (dashed)")
    handles = [Line2D([], [], color=OKABE_ITO[i % 8], marker=MARKERS[i % 8], label=arm)
               for arm, i in arms.items()]
    handles += [Line2D([], [], color="black", label="gold"),
                Line2D([], [], color="black", linestyle="--", label="proxy (the objective)")]
    fig.legend(handles=handles, fontsize=7, frameon=False, loc="lower center",
               ncol=min(3, len(handles)))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06 + 0.035 * math.ceil(len(handles) / 3), 1, 1))
    return fig

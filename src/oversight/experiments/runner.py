"""Expanding an experiment into runs, executing them, and keeping every finished run.

Every finished run is committed at once to the store in the output folder (written by this
process only; executors return records), so an interrupted experiment resumes where it stopped:
runs already done are skipped, failed and interrupted ones run again. A run that raises is
recorded with its error and the others go on. `DIR/summary.csv` is regenerated from the store.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from oversight.analysis.stats import mean_and_halfwidth
from oversight.experiments.executors import ExecutorKind, Run, execute_all
from oversight.experiments.lock import writer_lock
from oversight.experiments.spec import ExperimentSpec, run_key
from oversight.experiments.store import Store

SUMMARY_FILE = "summary.csv"


def expand(spec: ExperimentSpec) -> list[Run]:
    """Arms × seeds, in a fixed order."""
    return [Run(run_key(arm, s), arm, s) for arm in spec.arms for s in range(spec.seeds)]


def alternate_worlds(runs: list[Run]) -> list[Run]:
    """The runs with their worlds taken in turn (each world's runs in their order), so parallel
    workers start on different worlds: a language-model world's first run pre-trains its base
    model, and workers starting on the same world would wait for one another."""
    by_world: dict[str, list[Run]] = {}
    for r in runs:
        by_world.setdefault(json.dumps([r.arm.world, r.arm.world_params], sort_keys=True),
                            []).append(r)
    queues = list(by_world.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def run_experiment(
    spec: ExperimentSpec,
    out: Path,
    executor: ExecutorKind = "local",
    workers: int | None = None,
    address: str | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every run of `spec` not already done in `out`; returns the experiment's run rows."""
    runs = expand(spec)
    with writer_lock(out) as note, Store(out) as store:  # one writer per folder (lock.py)
        if note:
            logging.getLogger("oversight").warning("note: %s", note)
        store.save_experiment(spec.name, spec.model_dump(mode="json"))
        done = {r["key"] for r in store.runs() if r["status"] == "done"}
        pending = alternate_worlds([replace(r, folder=out) for r in runs if r.key not in done])
        store.mark_running(spec.name, [(r.key, r.arm.name, r.seed, r.arm.resolved())
                                       for r in pending])
        n_workers = workers or os.cpu_count() or 1
        for i, record in enumerate(execute_all(pending, executor, n_workers, address)):
            store.record(spec.name, record)
            if on_result:
                on_result(record, i + 1, len(pending))
        rows = experiment_rows(spec, store)
    write_summary(spec, rows, out / SUMMARY_FILE)
    return rows


def experiment_rows(spec: ExperimentSpec, store: Store) -> list[dict[str, Any]]:
    """The store's rows for this experiment's runs, in the experiment's order."""
    by_key = {r["key"]: r for r in store.runs()}
    return [by_key[r.key] for r in expand(spec) if r.key in by_key]


SUMMARY_METRICS = {  # summary column stem -> run metric
    "true_return_norm": "true_return_norm_deploy",
    "true_return_norm_train": "true_return_norm_train",
    "perceived_return_norm": "perceived_return_norm_deploy",
    "deception_rate": "deception_rate_deploy",
    "deception_rate_partial": "deception_rate_partial_deploy",
    "perceived_gap": "perceived_gap_deploy",
    "catastrophe_rate_train": "catastrophe_rate_train",
    "catastrophe_rate_deploy": "catastrophe_rate_deploy",
    "catastrophe_rate_indifferent_deploy": "catastrophe_rate_indifferent_deploy",
    "abstain_rate": "abstain_rate",
    "tie_rate": "tie_rate",
    "rm_agreement": "rm_agreement",
    "labels": "labels",
    "overseer_seconds": "overseer_seconds",
    "money": "money",
    # the schemes' own measurements (NaN for arms of other schemes)
    "debate_judge_accuracy": "debate_judge_accuracy",
    "debate_honest_win_rate": "debate_honest_win_rate",
    "assistant_recall": "assistant_recall_1",
    "assistant_false_alarm": "assistant_false_alarm_1",
    "attack_effort_before": "attack_effort_before",
    "attack_effort_after": "attack_effort_after",
}


def summarise(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per arm: mean and 95% CI half-width over seeds of each summary metric."""
    out = []
    for arm in spec.arms:
        mine = [r for r in rows if r["arm"] == arm.name]
        done = [r for r in mine if r["status"] == "done"]
        row: dict[str, Any] = {"arm": arm.name, "world": arm.world, "overseer": arm.overseer,
                               "scheme": arm.scheme, "n_seeds": len(done),
                               "question": arm.question,
                               "n_failed": sum(r["status"] == "failed" for r in mine)}
        row |= {f"swept.{k}": v for k, v in arm.swept.items()}
        for stem, metric in SUMMARY_METRICS.items():
            values = np.array([r["metrics"].get(metric, np.nan) for r in done], dtype=float)
            mean, half = mean_and_halfwidth(values) if len(values) else (np.nan, np.nan)
            row[f"{stem}_mean"] = mean
            row[f"{stem}_ci95"] = half
        out.append(row)
    return out


def write_summary(spec: ExperimentSpec, rows: list[dict[str, Any]], path: Path) -> None:
    summary = summarise(spec, rows)
    columns = list(dict.fromkeys(k for row in summary for k in row))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        for row in summary:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                             for k, v in row.items()})

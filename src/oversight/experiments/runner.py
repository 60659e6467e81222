"""Expanding an experiment into runs, executing them, and keeping every finished run.

Each finished run is appended at once as one JSON line to `DIR/runs.jsonl` (written by the parent
process only; workers return results), so an interrupted experiment resumes where it stopped:
runs whose key is already recorded as finished are skipped. A run that raises is recorded with
its error and the others go on. `DIR/summary.csv` aggregates the finished runs per arm.
"""

from __future__ import annotations

import csv
import json
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from oversight.analysis.stats import mean_and_halfwidth
from oversight.experiments.spec import ArmSpec, ExperimentSpec, run_key

RUNS_FILE = "runs.jsonl"
SUMMARY_FILE = "summary.csv"


@dataclass(frozen=True)
class Run:
    key: str
    arm: ArmSpec
    seed: int


def expand(spec: ExperimentSpec) -> list[Run]:
    return [Run(run_key(arm, s), arm, s) for arm in spec.arms for s in range(spec.seeds)]


def execute(run: Run) -> dict[str, Any]:
    """Run one arm × seed in this process; never raises (errors are part of the record)."""
    import torch

    torch.set_num_threads(1)
    record: dict[str, Any] = {"key": run.key, "arm": run.arm.name, "seed": run.seed,
                              "config": run.arm.resolved()}
    start = time.perf_counter()
    try:
        from oversight.learning.reward_models import RewardModelConfig
        from oversight.overseers.presets import make_overseer
        from oversight.schemes.rlhf import RLHF
        from oversight.types import Budget
        from oversight.worlds import make_world

        arm = run.arm
        world = make_world(arm.world, **arm.world_params)
        overseer = make_overseer(arm.overseer, world, **arm.overseer_params)
        match arm.scheme:
            case "rlhf":
                params = arm.rlhf.model_dump()
                rm = RewardModelConfig(**params.pop("reward_model"))
                scheme = RLHF(**params, reward_model=rm)
        budget = Budget(arm.budget.kind, arm.budget.amount)
        result = scheme.run(world, overseer, budget, np.random.default_rng(run.seed))
        record |= {"status": "done", "metrics": {k: float(v) for k, v in result.metrics.items()},
                   "curves": result.curves}
    except Exception as e:  # a failing run is recorded, the others go on
        record |= {"status": "failed", "error": f"{type(e).__name__}: {e}",
                   "traceback": traceback.format_exc()}
    record["wall_seconds"] = time.perf_counter() - start
    return record


def read_records(out: Path) -> list[dict[str, Any]]:
    path = out / RUNS_FILE
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a crash mid-write; that run simply reruns
    return records


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def _results(pending: list[Run], workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        yield from (execute(r) for r in pending)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        futures = [pool.submit(execute, r) for r in pending]
        for f in as_completed(futures):
            yield f.result()


def run_experiment(
    spec: ExperimentSpec,
    out: Path,
    workers: int | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every run of `spec` not already finished in `out`; returns all finished records."""
    out.mkdir(parents=True, exist_ok=True)
    runs = expand(spec)
    done = {r["key"] for r in read_records(out) if r.get("status") == "done"}
    pending = [r for r in runs if r.key not in done]
    workers = workers or os.cpu_count() or 1
    with (out / RUNS_FILE).open("a") as f:
        for i, record in enumerate(_results(pending, min(workers, max(1, len(pending))))):
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
            if on_result:
                on_result(record, i + 1, len(pending))
    keys = {r.key for r in runs}
    latest = {r["key"]: r for r in read_records(out) if r["key"] in keys}
    records = [latest[r.key] for r in runs if r.key in latest]
    write_summary(spec, records, out / SUMMARY_FILE)
    return records


SUMMARY_METRICS = {  # summary column stem -> run metric
    "true_return_norm": "true_return_norm_deploy",
    "true_return_norm_train": "true_return_norm_train",
    "perceived_return_norm": "perceived_return_norm_deploy",
    "deception_rate": "deception_rate_deploy",
    "catastrophe_rate_train": "catastrophe_rate_train",
    "catastrophe_rate_deploy": "catastrophe_rate_deploy",
    "catastrophe_rate_indifferent_deploy": "catastrophe_rate_indifferent_deploy",
    "abstain_rate": "abstain_rate",
    "tie_rate": "tie_rate",
    "rm_agreement": "rm_agreement",
    "labels": "labels",
    "overseer_seconds": "overseer_seconds",
    "money": "money",
}


def summarise(spec: ExperimentSpec, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per arm: mean and 95% CI half-width over seeds of each summary metric."""
    rows = []
    for arm in spec.arms:
        done = [r for r in records if r["arm"] == arm.name and r.get("status") == "done"]
        row: dict[str, Any] = {"arm": arm.name, "question": arm.question, "world": arm.world,
                               "overseer": arm.overseer, "scheme": arm.scheme,
                               "n_seeds": len(done),
                               "n_failed": sum(1 for r in records if r["arm"] == arm.name
                                               and r.get("status") == "failed")}
        for stem, metric in SUMMARY_METRICS.items():
            values = np.array([r["metrics"].get(metric, np.nan) for r in done], dtype=float)
            mean, half = mean_and_halfwidth(values) if len(values) else (np.nan, np.nan)
            row[f"{stem}_mean"] = mean
            row[f"{stem}_ci95"] = half
        rows.append(row)
    return rows


def write_summary(spec: ExperimentSpec, records: list[dict[str, Any]], path: Path) -> None:
    rows = summarise(spec, records)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                             for k, v in row.items()})

"""Wall time of the scalable-oversight experiments (issue 5: each under 5 minutes on 2 cores
with its default seeds), with each run's median time per arm and the results table.

    python benchmarks/oversight_experiments.py [--workers N] [--experiment NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from oversight.experiments.runner import run_experiment, summarise
from oversight.experiments.spec import load
from oversight.report.build import fmt

EXPERIMENTS = ("expert-vs-lay-oversight", "oversight-vs-catastrophe")
# summary stem, shown as a percentage
SHOWN = {"true_return_norm": False, "deception_rate": True, "abstain_rate": True,
         "catastrophe_rate_deploy": True, "debate_judge_accuracy": True,
         "assistant_recall": True, "attack_effort_before": False, "attack_effort_after": False}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--experiment", nargs="*", default=list(EXPERIMENTS))
    args = parser.parse_args()
    for name in args.experiment:
        spec = load(name)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            records = run_experiment(spec, Path(tmp), workers=args.workers)
            wall = time.perf_counter() - start
        summary = summarise(spec, records)
        failed = [r for r in records if r["status"] != "done"]
        print(f"\n{name}: {len(records)} runs ({spec.seeds} seeds) on {args.workers} workers, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"wall time {wall:.1f} s (target < 300 s); failed runs: {len(failed)}")
        per_arm: dict[str, list[float]] = defaultdict(list)
        for r in records:
            per_arm[r["arm"]].append(r["wall_seconds"])
        shown = [m for m in SHOWN if any(r[f"{m}_mean"] == r[f"{m}_mean"] for r in summary)]
        print("| arm | " + " | ".join(shown) + " | labels | money | median s/run |")
        print("|---|" + "---|" * (len(shown) + 3))
        for row in summary:
            cells = [fmt(row[f"{m}_mean"], row[f"{m}_ci95"], SHOWN[m]) for m in shown]
            print(f"| {row['arm']} | " + " | ".join(cells)
                  + f" | {row['labels_mean']:.0f} | {row['money_mean']:.2f}"
                  + f" | {statistics.median(per_arm[row['arm']]):.1f} |")


if __name__ == "__main__":
    main()

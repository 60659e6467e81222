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
SHOWN = ("true_return_norm", "deception_rate", "abstain_rate", "catastrophe_rate_deploy",
         "labels", "money")


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
        print("| arm | " + " | ".join(SHOWN) + " | median s/run |")
        print("|---|" + "---|" * (len(SHOWN) + 1))
        for row in summary:
            cells = [fmt(row.get(f"{m}_mean", float("nan")), row.get(f"{m}_ci95"),
                         m.endswith("rate")) for m in SHOWN]
            print(f"| {row['arm']} | " + " | ".join(cells)
                  + f" | {statistics.median(per_arm[row['arm']]):.1f} |")


if __name__ == "__main__":
    main()

"""Wall time and peak memory of the default experiment, and time per RLHF run.

Target (issue 2): under 60 s and under 1 GiB on 2 cores. Usage:

    python benchmarks/default_experiment.py [--workers N]

Peak memory is the largest resident set of this process and of its worker processes
(ru_maxrss of self and of waited-for children), which bounds each process, not their sum; the
script also prints the sum as an upper bound.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--experiment", default="default")
    args = parser.parse_args()
    spec = load(args.experiment)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        records = run_experiment(spec, Path(tmp), workers=args.workers)
        wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"experiment        {spec.name}: {len(records)} runs on {args.workers} workers "
          f"({os.cpu_count()} cores)")
    print(f"wall time         {wall:.1f} s   (target < 60 s)")
    print(f"peak RSS          parent {own:.0f} MiB, largest worker {children:.0f} MiB, "
          f"sum bound {own + args.workers * children:.0f} MiB   (target < 1024 MiB)")
    by_world: dict[str, list[float]] = {}
    for r in records:
        by_world.setdefault(r["config"]["world"], []).append(r["wall_seconds"])
    for world, times in sorted(by_world.items()):
        print(f"per RLHF run      {world:<14} median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {len(times)} runs")
    failed = [r for r in records if r["status"] != "done"]
    if failed:
        print(f"FAILED runs: {len(failed)}: {failed[0]['error']}")


if __name__ == "__main__":
    main()

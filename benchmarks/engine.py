"""Throughput of the executors on one 40-run experiment, and the store's overhead per run.

    python benchmarks/engine.py

Prints runs per minute for the serial executor, the local executor at 1 and 2 workers and Ray
(a local instance on 127.0.0.1 with 2 CPUs; its start-up is included), all in this process on
the same runs, and checks that every executor gave identical metrics. Targets (issue 3): local
at 2 workers ≥ 1.7× serial; store overhead per run < 5 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from oversight.experiments.executors import execute, execute_all
from oversight.experiments.runner import expand
from oversight.experiments.spec import parse
from oversight.experiments.store import Store

EXPERIMENT = """
name = "engine-benchmark"
seeds = 10
[defaults]
world = "hidden-hazard"
budget = { kind = "labels", amount = 200 }
rlhf = { rounds = 4 }
[[arms]]
name = "oracle"
overseer = "oracle"
[[arms]]
name = "lay"
overseer = "lay"
[[arms]]
name = "expert"
overseer = "expert"
[[arms]]
name = "crowd"
overseer = "crowd"
"""


def main() -> None:
    runs = expand(parse(EXPERIMENT, "engine-benchmark"))
    print(f"{len(runs)} runs (hidden-hazard, 200 labels, 4 rounds each)")
    execute(runs[-1])  # warm this process up (imports, world, crowd calibration) before timing
    results, rates = {}, {}
    for label, kind, workers in [("serial", "serial", 1), ("local, 1 worker", "local", 1),
                                 ("local, 2 workers", "local", 2), ("ray, 2 CPUs", "ray", 2)]:
        start = time.perf_counter()
        records = list(execute_all(runs, kind, workers))  # type: ignore[arg-type]
        wall = time.perf_counter() - start
        results[label] = {r["key"]: r["metrics"] for r in records}
        rates[label] = len(records) / wall * 60
        print(f"{label:<18} {wall:6.1f} s   {rates[label]:6.1f} runs/min")
    same = all(r == results["serial"] for r in results.values())
    print(f"identical metrics under every executor: {same}")
    print(f"local 2 workers / serial: {rates['local, 2 workers'] / rates['serial']:.2f}x "
          "(target >= 1.7x)")

    record = execute(runs[0])
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
        times = []
        for i in range(200):
            r = record | {"key": f"{record['key']}-{i}"}
            start = time.perf_counter()
            store.record("engine-benchmark", r)
            times.append(time.perf_counter() - start)
    print(f"store overhead per run: median {statistics.median(times) * 1000:.2f} ms, "
          f"max {max(times) * 1000:.2f} ms ({len(record['judgments']['answer'])} judgments and "
          f"{sum(len(v) for v in record['curves'].values())} curve points per run; "
          "target < 5 ms)")


if __name__ == "__main__":
    main()

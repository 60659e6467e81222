"""Labelling server throughput: 50 concurrent simulated labellers answer 2,000 queries through
the HTTP API of `oversight serve` on 127.0.0.1 (its own process). Prints answers per second and
the 95th-percentile latency of GET /api/next (targets: >= 200 answers/s, p95 < 50 ms on 2 cores).

    python benchmarks/labelling_server.py [--labellers 50] [--queries 2000] [--redundancy 1]
                                          [--think SECONDS]

With no think time the labellers answer as fast as the server lets them (a closed loop at
saturation), so by Little's law the latency of a request is about labellers / (requests per
second): the p95 target then needs well over 1,000 requests/s. `--think 0.5` has each labeller
look at a query for half a second (ten times faster than people do) before answering.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from oversight.overseers.calibration import random_pairs
from oversight.web import queue, tokens
from oversight.web.db import connect
from oversight.web.load import drive, serve_in_subprocess
from oversight.worlds import make_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labellers", type=int, default=50)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--redundancy", type=int, default=1)
    parser.add_argument("--think", type=float, default=0.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = connect(folder)
        world = make_world("camera-room")
        queue.post_batch(db, "bench", "bench", "camera-room", {}, world,
                         random_pairs(world, args.queries, 0),
                         queue.Settings(redundancy=args.redundancy), time.time())
        keys = [tokens.add_labeller(db, f"labeller-{i}", i % 5 == 0)
                for i in range(args.labellers)]
        db.close()
        with serve_in_subprocess(folder) as url:
            result = drive(url, keys, seed=0, think=args.think)
    errors = {s: n for s, n in result.statuses.items() if s != 200}
    print(f"{args.labellers} labellers, {args.queries} queries x {args.redundancy} labels, "
          f"think {args.think:g} s, "
          f"{os.cpu_count()} cores, load average before {os.getloadavg()[0]:.1f}")
    print(f"answers:          {result.answers} in {result.seconds:.1f} s")
    print(f"answers/second:   {result.answers_per_second:.0f}  (target >= 200)")
    print(f"GET /api/next p95: {result.p95_next_ms:.1f} ms  (target < 50 ms); "
          f"median {sorted(result.next_latencies)[len(result.next_latencies) // 2] * 1000:.1f} ms")
    print(f"non-200 responses: {errors or 'none'}")


if __name__ == "__main__":
    main()

"""Labelling server throughput: 50 concurrent simulated labellers answer queries through the HTTP
API of `oversight serve` on 127.0.0.1 (its own process). Prints answers per second and the 50th,
95th and 99th percentile latency of getting the next query (GET /api/next), with no think time
(saturation) and with some (targets, issue 20: >= 600 answers/s and p95 < 50 ms at saturation,
on this 2-core machine).

    python benchmarks/labelling_server.py [--labellers 50] [--queries 2000] [--redundancy 1]
                                          [--think 0,0.2] [--rounds 3] [--before REV]

With no think time the labellers answer as fast as the server lets them (a closed loop at
saturation), so by Little's law the latency of a request is about labellers / (requests per
second). `--think 0.2` has each labeller look at a query for 0.2 s (still far faster than people
label) before answering. Each setting runs twice: two round trips per answer (GET /api/next,
then POST /api/answer) and one ("now, 1 trip": the answer asks for the next query, whose
latency is then that POST's). `--before REV` also serves the code of commit REV (checked out into a
temporary git worktree) on an identical database, alternating with this code in every round so
both see the same machine load, and prints the median of each figure over the rounds for both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oversight.overseers.calibration import random_pairs
from oversight.web import queue, tokens
from oversight.web.db import connect
from oversight.web.load import LoadResult, drive, serve_in_subprocess
from oversight.worlds import make_world

REPO = Path(__file__).resolve().parents[1]
OLD_SCHEMA = ("DROP TRIGGER IF EXISTS queries_open_insert; DROP TRIGGER IF EXISTS"
              " queries_open_update; DROP TRIGGER IF EXISTS queries_open_delete;"
              " DROP TABLE IF EXISTS counts;")


def prepare(folder: Path, labellers: int, queries: int, redundancy: int, old: bool
            ) -> list[str]:
    """A labels database with `queries` camera-room pairs and `labellers` tokens (one in five
    expert); `old`: without the tables and triggers the old code does not know."""
    db = connect(folder)
    world = make_world("camera-room")
    queue.post_batch(db, "bench", "bench", "camera-room", {}, world,
                     random_pairs(world, queries, 0), queue.Settings(redundancy=redundancy),
                     time.time())
    keys = [tokens.add_labeller(db, f"labeller-{i}", i % 5 == 0) for i in range(labellers)]
    if old:
        db.executescript(OLD_SCHEMA)
    db.close()
    return keys


@contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """`rev` checked out into a temporary worktree; yields its src/ folder."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree),
                        rev], check=True)
        try:
            yield tree / "src"
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           check=True)


def measure(src: Path | None, args: argparse.Namespace, think: float, combined: bool
            ) -> LoadResult:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = prepare(folder, args.labellers, args.queries, args.redundancy, src is not None)
        with serve_in_subprocess(folder, src=src) as url:
            result = drive(url, keys, seed=0, think=think, combined=combined)
    errors = {s: n for s, n in result.statuses.items() if s != 200}
    if errors:
        raise SystemExit(f"non-200 responses: {errors}")
    return result


def line(name: str, results: list[LoadResult]) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    return (f"  {name:<11} {med([r.answers_per_second for r in results]):7.0f} answers/s   "
            f"GET /api/next p50 {med([r.next_ms(50) for r in results]):6.1f} ms  "
            f"p95 {med([r.next_ms(95) for r in results]):6.1f} ms  "
            f"p99 {med([r.next_ms(99) for r in results]):6.1f} ms   "
            "(rounds: " + ", ".join(f"{r.answers_per_second:.0f}/s p95 {r.next_ms(95):.0f}"
                                    for r in results) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labellers", type=int, default=50)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--redundancy", type=int, default=1)
    parser.add_argument("--think", default="0,0.2", help="comma-separated seconds per query")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=None, help="a commit to compare with (e.g. e222cf7)")
    args = parser.parse_args()
    thinks = [float(t) for t in args.think.split(",")]
    print(f"{args.labellers} labellers, {args.queries} queries x {args.redundancy} labels, "
          f"{os.cpu_count()} cores, load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; median of {args.rounds} rounds")
    with checkout(args.before) if args.before else _none() as old:
        # (code, one round trip per answer?); the old code only knows two
        codes = {"now": (None, False), "now, 1 trip": (None, True)} | (
            {args.before: (old, False)} if old else {})
        for think in thinks:
            results: dict[str, list[LoadResult]] = {name: [] for name in codes}
            for _ in range(args.rounds):
                for name, (src, combined) in codes.items():  # alternate: all see the same load
                    results[name].append(measure(src, args, think, combined))
            print(f"think {think:g} s:")
            for name, rs in results.items():
                print(line(name, rs))
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; targets "
          "(think 0): >= 600 answers/s, p95 < 50 ms")


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()

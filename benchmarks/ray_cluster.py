"""Wall time of one experiment on a Ray cluster with one worker node, then with two.

    python benchmarks/ray_cluster.py [--seeds 8] [--repeats 1]

Each cluster is a head (no CPUs) and N worker nodes (one CPU each) started with `ray start`,
token authentication on, inside private network and process namespaces that have only loopback
(tests/e2e/ray_cluster.sh, the same cluster as tests/e2e/test_ray_cluster.py), and the
experiment is `oversight run --executor ray --address 127.0.0.1:6380`. Prints, per cluster, the
driver's wall time (its start-up, the Ray workers' start-up and the runs) and the runs' span
(first run started to last run finished, from the store), then the speed-up of two nodes over
one. On a 2-core machine the three nodes' Ray processes and the driver share the two cores
with the runs, so the speed-up is bounded well below 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "e2e" / "ray_cluster.sh"
NAMESPACES = ["unshare", "-rn", "-pf", "--mount-proc"]

EXPERIMENT = """
name = "ray-cluster-benchmark"
seeds = {seeds}
[defaults]
world = "hidden-hazard"
budget = {{ kind = "labels", amount = 1000 }}
rlhf = {{ rounds = 16, episodes_per_round = 400 }}
[[arms]]
name = "oracle"
overseer = "oracle"
[[arms]]
name = "lay"
overseer = "lay"
"""


def environment() -> dict[str, str]:
    """This interpreter's `ray`/`oversight` and this checkout's package, for every node."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT / "src"), env.get("PYTHONPATH")]
                                        if p)
    for name in ("RAY_ADDRESS", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        env.pop(name, None)  # the script makes its own cluster and token
    return env


def on_cluster(workers: int, experiment: Path) -> tuple[float, float, dict[str, int]]:
    """(driver wall seconds, runs' span in seconds, runs per node) on a fresh cluster."""
    work = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's sockets are here
    try:
        out = work / "out"
        done = subprocess.run([*NAMESPACES, "bash", str(SCRIPT), str(work), str(workers),
                               str(experiment), str(out)], capture_output=True, text=True,
                              env=environment(), timeout=1800)
        if done.returncode != 0:
            sys.exit(f"the {workers}-node cluster failed:\n{done.stdout}\n{done.stderr[-2000:]}")
        wall = next(float(line.split()[1]) for line in done.stdout.splitlines()
                    if line.startswith("wall_seconds "))
        with sqlite3.connect(out / "store.sqlite") as db:
            first, last = db.execute("SELECT MIN(started), MAX(finished) FROM runs").fetchone()
            per_node = dict(db.execute("SELECT node, COUNT(*) FROM nodes GROUP BY node"
                                       ).fetchall())
        return wall, last - first, per_node
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds per arm (2 arms)")
    parser.add_argument("--repeats", type=int, default=1, help="clusters of each size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        experiment = Path(tmp) / "ray-cluster-benchmark.toml"
        experiment.write_text(EXPERIMENT.format(seeds=args.seeds))
        print(f"{2 * args.seeds} runs, one CPU per worker node, {os.cpu_count()} CPUs here")
        print("| worker nodes | driver wall s | runs' span s | runs per node |\n|---|---|---|---|")
        best: dict[int, tuple[float, float]] = {}
        for _ in range(args.repeats):
            for workers in (1, 2):
                wall, span, per_node = on_cluster(workers, experiment)
                counts = ", ".join(str(n) for n in sorted(per_node.values(), reverse=True))
                print(f"| {workers} | {wall:.1f} | {span:.1f} | {counts} |", flush=True)
                old = best.get(workers, (float("inf"), float("inf")))
                best[workers] = (min(old[0], wall), min(old[1], span))
    (wall1, span1), (wall2, span2) = best[1], best[2]
    print(f"speed-up, one worker node -> two: {wall1 / wall2:.2f}x driver wall time, "
          f"{span1 / span2:.2f}x runs' span")


if __name__ == "__main__":
    main()

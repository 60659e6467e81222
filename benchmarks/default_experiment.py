"""CPU seconds per run of the default experiment, by world and by phase, for this code and for
the code at the start of issue 20 (commit f8d270a), measured alternately in the same run.

    python benchmarks/default_experiment.py [--experiment default] [--seeds 2]
                                            [--baseline f8d270a] [--wall] [--whole N]

The baseline is checked out into a temporary git worktree. Two long-lived worker processes, one
per code version, each with one torch thread (as the experiment's local workers), receive the
same runs in alternation (baseline run i, current run i, baseline run i+1, …), so both see the
same machine load. A run's CPU seconds are its worker's process time (user + system) across
`execute(run)`; the worker's start-up (interpreter, imports) is printed apart, once per worker,
as a pool pays it once per worker process. Phases are exclusive CPU time inside functions of
the package (a phase called inside another counts for the inner one only):

    planning     soft value iteration (every exact optimisation)
    rm fit       Bradley–Terry ensemble fits
    sampling     sample_episodes, crop
    selection    query selection (ensemble predictions on candidate pairs)
    overseer     the simulated overseer's judgments
    metrics      policy_metrics, held-out agreement, feature expectations, start values
    other        the rest of execute (incl. torch set-up inside the first fit)

Both versions' metrics are compared run by run (they must be identical). `--wall` also runs the
experiment once through the runner on every core and prints wall time and peak memory.
`--whole N` runs the whole experiment N times per version, alternately, as a user does
(`oversight run EXPERIMENT --no-report` in a fresh process, every core): CPU seconds of the
process tree (interpreter start, imports, pool start-up and all runs), wall time and the
largest process's memory; the issue's 122 CPU-s was measured this way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PHASES = ("planning", "rm fit", "sampling", "selection", "overseer", "metrics", "other")

WORKER = r'''
import json, sys, time
t0 = time.process_time()
import torch
torch.set_num_threads(1)
import importlib
from oversight.experiments.executors import execute
from oversight.experiments.runner import expand
from oversight.experiments.spec import load
for m in ("oversight.schemes.rlhf", "oversight.schemes.debate", "oversight.schemes.rrm",
          "oversight.schemes.amplification", "oversight.schemes.adversarial",
          "oversight.analysis.metrics", "oversight.overseers.simulated"):
    importlib.import_module(m)
PHASE_OF = {
    ("oversight.learning.planning", "soft_value_iteration"): "planning",
    ("oversight.learning.reward_models", "fit"): "rm fit",
    ("oversight.learning.rollouts", "sample_episodes"): "sampling",
    ("oversight.learning.rollouts", "crop"): "sampling",
    ("oversight.learning.selection", "select"): "selection",
    ("oversight.analysis.metrics", "policy_metrics"): "metrics",
    ("oversight.schemes.rlhf", "held_out_agreement"): "metrics",
    ("oversight.learning.planning", "feature_expectations"): "metrics",
    ("oversight.learning.planning", "start_values"): "metrics",
}
spent = {}
stack = ["other"]
clock = [0.0]
def tick():
    now = time.process_time()
    spent[stack[-1]] = spent.get(stack[-1], 0.0) + now - clock[0]
    clock[0] = now
def wrap(f, phase):
    def timed(*a, **k):
        tick(); stack.append(phase)
        try:
            return f(*a, **k)
        finally:
            tick(); stack.pop()
    return timed
originals = {}
for (mod, name), phase in PHASE_OF.items():
    f = getattr(importlib.import_module(mod), name)
    originals[id(f)] = wrap(f, phase)
for m in list(sys.modules.values()):
    if getattr(m, "__name__", "").startswith("oversight."):
        for k, v in list(vars(m).items()):
            if id(v) in originals and callable(v):
                setattr(m, k, originals[id(v)])
import oversight.overseers.simulated as sim
for cls in vars(sim).values():
    if isinstance(cls, type) and "judge" in vars(cls):
        cls.judge = wrap(cls.judge, "overseer")
runs = expand(load(sys.argv[1]))
print(json.dumps({"startup": time.process_time() - t0}), flush=True)
for line in sys.stdin:
    run = runs[int(line)]
    spent.clear(); clock[0] = time.process_time(); start = clock[0]
    record = execute(run)
    tick()
    print(json.dumps({"world": run.arm.world, "arm": run.arm.name, "seed": run.seed,
                      "status": record["status"], "error": record.get("error"),
                      "metrics": record.get("metrics"), "cpu": time.process_time() - start,
                      "phases": spent}), flush=True)
'''


class Worker:
    """A worker process running the given source tree; `run(i)` executes run i there."""

    def __init__(self, src: Path, experiment: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER, experiment], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.startup = float(self.read()["startup"])

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("benchmark worker died (see its error above)")
        out: dict[str, Any] = json.loads(line)
        return out

    def run(self, i: int) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{i}\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def baseline_tree(commit: str, where: Path) -> Path:
    subprocess.run(["git", "-C", str(HERE.parent), "worktree", "add", "--detach", "-q",
                    str(where), commit], check=True)
    return where / "src"


def median_range(xs: list[float]) -> str:
    return f"{statistics.median(xs):6.2f} [{min(xs):.2f}, {max(xs):.2f}]"


def report(label: str, results: list[dict[str, Any]], startup: float) -> dict[str, float]:
    """Print CPU per run by world and phase; returns the median CPU per run by world."""
    print(f"\n{label}: worker start-up {startup:.2f} CPU-s (once per worker process)")
    by_world: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_world.setdefault(r["world"], []).append(r)
    medians = {}
    print(f"  {'world':<14} {'runs':>4}  CPU-s per run: median [min, max]   "
          + "  ".join(f"{p:>9}" for p in PHASES))
    for world, rs in sorted(by_world.items()):
        cpu = [r["cpu"] for r in rs]
        medians[world] = statistics.median(cpu)
        phases = [statistics.mean(r["phases"].get(p, 0.0) for r in rs) for p in PHASES]
        print(f"  {world:<14} {len(rs):>4}  {median_range(cpu):<32}"
              + "  ".join(f"{x:9.3f}" for x in phases))
    total = sum(r["cpu"] for r in results)
    print(f"  all runs: {total:.1f} CPU-s ({total / len(results):.2f} per run, mean); phases "
          "are means per run")
    medians["all (mean)"] = total / len(results)
    return medians


def compare(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Run by run: the baseline's metrics must have the same values now (compared as JSON, so
    bit for bit); metrics the baseline did not compute are listed apart, not compared."""
    same, differing, added = 0, set(), set()
    for o, n in zip(old, new, strict=True):
        before, after = o["metrics"] or {}, n["metrics"] or {}
        changed = {k for k in before if json.dumps(before[k]) != json.dumps(after.get(k))}
        same += not changed
        differing |= changed
        added |= set(after) - set(before)
    failed = [r for r in old + new if r["status"] != "done"]
    print(f"identical metrics (the baseline's): {same} of {len(old)} runs"
          + (f"; differing: {', '.join(sorted(differing))}" if differing else "")
          + (f"; new metrics not compared: {', '.join(sorted(added))}" if added else "")
          + f"; failed runs: {len(failed)}" + (f" ({failed[0]['error']})" if failed else ""))


def wall_time(experiment: str) -> None:
    from oversight.experiments.runner import run_experiment
    from oversight.experiments.spec import load

    spec = load(experiment)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        records = run_experiment(spec, Path(tmp), workers=workers)
        wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nthrough the runner: {len(records)} runs on {workers} workers, wall {wall:.1f} s, "
          f"workers' CPU {children.ru_utime + children.ru_stime:.1f} s; peak RSS parent "
          f"{own:.0f} MiB, largest worker {children.ru_maxrss / 1024:.0f} MiB")


CLI = "import sys; from oversight.cli import main; sys.argv[0] = 'oversight'; main()"


def whole(src: Path, experiment: str) -> tuple[float, float, float]:
    """(CPU-s of the process tree, wall s, largest process MiB) of one `oversight run`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CLI, "run", experiment, "--out", out,
                                 "--no-report"], env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"oversight run {experiment} failed under {src}")
    # the tree's CPU: wait4 reports the child with the children it waited for (the pool)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def whole_runs(old_src: Path, experiment: str, times: int) -> None:
    """The whole experiment, baseline and this code alternately, `times` each."""
    figures: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "this code": []}
    for _ in range(times):
        figures["baseline"].append(whole(old_src, experiment))
        figures["this code"].append(whole(SRC, experiment))
    print(f"\nwhole `oversight run {experiment} --no-report`, {times} times each, alternately:")
    for label, rows in figures.items():
        cpu, wall, rss = zip(*rows, strict=True)
        print(f"  {label:<10} CPU-s {median_range(list(cpu))}   wall s {median_range(list(wall))}"
              f"   largest process {max(rss):.0f} MiB")
    ratio = (statistics.median(r[0] for r in figures["this code"])
             / statistics.median(r[0] for r in figures["baseline"]))
    print(f"  ratio (this code / baseline), median CPU-s: {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiment", default="default")
    parser.add_argument("--seeds", type=int, default=None, help="first N seeds of each arm")
    parser.add_argument("--baseline", default="f8d270a")
    parser.add_argument("--wall", action="store_true")
    parser.add_argument("--whole", type=int, default=0, metavar="N",
                        help="also run the whole experiment N times per version")
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    from oversight.experiments.runner import expand
    from oversight.experiments.spec import load

    runs = expand(load(args.experiment))
    chosen = [i for i, r in enumerate(runs) if args.seeds is None or r.seed < args.seeds]
    print(f"{args.experiment}: {len(chosen)} runs, alternating baseline {args.baseline} and "
          f"this code; load average before {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        old_src = baseline_tree(args.baseline, Path(tmp) / "baseline")
        try:
            old, new = Worker(old_src, args.experiment), Worker(SRC, args.experiment)
            old_results, new_results = [], []
            for i in chosen:
                old_results.append(old.run(i))
                new_results.append(new.run(i))
            old.close()
            new.close()
            if args.whole:
                whole_runs(old_src, args.experiment, args.whole)
        finally:
            subprocess.run(["git", "-C", str(HERE.parent), "worktree", "remove", "--force",
                            str(Path(tmp) / "baseline")], check=False)
    before = report(f"baseline {args.baseline}", old_results, old.startup)
    after = report("this code", new_results, new.startup)
    print("\nratio (this code / baseline), median CPU-s per run:")
    for world in before:
        print(f"  {world:<14} {after[world] / before[world]:.3f}  "
              f"({before[world]:.2f} -> {after[world]:.2f})")
    compare(old_results, new_results)
    print(f"load average after {os.getloadavg()}")
    if args.wall:
        wall_time(args.experiment)


if __name__ == "__main__":
    main()

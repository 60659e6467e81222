"""Label efficiency and CPU time: oversight-lab's deep RLHF vs imitation 1.0.1, side by side.

    python benchmarks/vs_imitation.py [--seeds 5] [--steps 50000] [--labels 50 200] [--jobs 2]
                                      [--fresh | --seed-list S ...]

`--fresh` draws the seeds from the operating system's entropy (printed, so `--seed-list` reruns
them): seeds never tuned on, which is what a claim about "any seed" needs.

Pendulum-v1, `--steps` environment steps, oracle comparisons (imitation: SyntheticGatherer at
temperature 0; ours: the "oracle" overseer), one torch thread per run. imitation runs in its own
virtualenv (benchmarks/.venv-imitation, created here if missing: imitation 1.0.1 with its pinned
gymnasium 0.29.1 / stable-baselines3 2.2.1 / numpy<2, torch 2.13.0) through imitation_run.py,
which sets it up as imitation's tutorial does. Every run is its own process; CPU seconds are that
process's user + system time (resource.getrusage), measured from inside it. Final true return:
the mean over 10 evaluation episodes of the deterministic policy.

Prints, per tool and label budget, the median and range of final true return over seeds and the
median and range of CPU seconds per seed, then checks the issue's three targets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-imitation"
IMITATION_PINS = ["torch==2.13.0", "imitation==1.0.1", "gymnasium==0.29.1",
                  "stable-baselines3==2.2.1", "numpy<2"]

OURS = """
import json, resource, sys
import torch
torch.set_num_threads(1)
from oversight.overseers.presets import make_overseer
from oversight.schemes.deep_rlhf import DeepRLHF
from oversight.types import Budget
from oversight.worlds.gym_adapter import make_gym_world
seed, labels, steps = map(int, sys.argv[1:4])
world = make_gym_world("Pendulum-v1")
result = DeepRLHF(total_steps=steps).run(world, make_overseer("oracle", world),
                                         Budget("labels", labels), seed)
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"tool": "oversight-lab", "seed": seed, "labels": labels,
                  "steps": int(result.metrics["env_steps"]),
                  "return": result.metrics["true_return"],
                  "cpu_seconds": r.ru_utime + r.ru_stime}))
"""


def ensure_venv() -> Path:
    """The imitation virtualenv's python, created with pinned packages if missing."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} (imitation 1.0.1 and its pins) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *IMITATION_PINS], check=True)
    return python


def run(job: tuple[str, int, int, int], imitation_python: Path) -> dict[str, float]:
    tool, seed, labels, steps = job
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if tool == "imitation":
        cmd = [str(imitation_python), str(HERE / "imitation_run.py"), "--seed", str(seed),
               "--labels", str(labels), "--steps", str(steps)]
    else:
        env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-c", OURS, str(seed), str(labels), str(steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{tool} seed {seed} labels {labels} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {tool:13} labels {labels:4} seed {seed}: return {result['return']:8.1f}  "
          f"cpu {result['cpu_seconds']:6.1f} s", flush=True)
    return result


def span(xs: list[float], fmt: str) -> str:
    return f"{statistics.median(xs):{fmt}} [{min(xs):{fmt}}, {max(xs):{fmt}}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--labels", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel (processes)")
    parser.add_argument("--fresh", action="store_true", help="--seeds seeds drawn at random")
    parser.add_argument("--seed-list", type=int, nargs="+", help="these seeds exactly")
    args = parser.parse_args()
    if args.seed_list:
        seeds = list(args.seed_list)
    elif args.fresh:
        import numpy as np

        seeds = sorted(int(s) for s in np.random.default_rng().choice(
            np.arange(100, 1_000_000), size=args.seeds, replace=False))
    else:
        seeds = list(range(args.seeds))
    print(f"seeds: {' '.join(map(str, seeds))}", flush=True)
    python = ensure_venv()
    jobs = [(tool, seed, labels, args.steps) for labels in args.labels
            for seed in seeds for tool in ("oversight-lab", "imitation")]
    start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda job: run(job, python), jobs))

    print(f"\nPendulum-v1, {args.steps} env steps, oracle comparisons, seeds {seeds}, "
          f"one torch thread per run, {os.cpu_count()} CPUs, started {start}")
    print("| tool | labels | final true return: median [min, max] | CPU s per seed: "
          "median [min, max] |\n|---|---|---|---|")
    table: dict[tuple[str, int], tuple[list[float], list[float]]] = {}
    for tool in ("oversight-lab", "imitation"):
        for labels in args.labels:
            rows = [r for r in results if r["tool"] == tool and r["labels"] == labels]
            ret, cpu = [r["return"] for r in rows], [r["cpu_seconds"] for r in rows]
            table[tool, labels] = (ret, cpu)
            print(f"| {tool} | {labels} | {span(ret, '.0f')} | {span(cpu, '.1f')} |")
    lo, hi = min(args.labels), max(args.labels)
    ours_lo, imit_hi = statistics.median(table["oversight-lab", lo][0]), statistics.median(
        table["imitation", hi][0])
    worst = min(table["oversight-lab", hi][0])
    cpu_ours = statistics.median(table["oversight-lab", lo][1] + table["oversight-lab", hi][1])
    cpu_imit = statistics.median(table["imitation", lo][1] + table["imitation", hi][1])
    print(f"\ntarget 1: our median at {lo} labels {ours_lo:.0f} >= imitation's median at {hi} "
          f"{imit_hi:.0f}: {'met' if ours_lo >= imit_hi else 'MISSED'}")
    print(f"target 2: every one of our seeds at {hi} labels > -400 (worst {worst:.0f}): "
          f"{'met' if worst > -400 else 'MISSED'}")
    print(f"target 3: our median CPU s per seed {cpu_ours:.1f} <= half of imitation's "
          f"{cpu_imit:.1f}: {'met' if cpu_ours <= cpu_imit / 2 else 'MISSED'}")


if __name__ == "__main__":
    main()

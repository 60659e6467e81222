"""Our exact tabular RLHF loop vs imitation 1.0.1's preference comparisons on our tabular worlds.

    python benchmarks/vs_imitation_tabular.py [--seeds 3] [--labels 400 100]
                                              [--worlds camera-room hidden-hazard]
                                              [--steps 60000]

Both tools get the same oracle comparisons (ours: the "oracle" overseer; imitation:
SyntheticGatherer at temperature 0) and the same label budgets (400 is the default experiment's).
Ours is `RLHF` as the default experiment runs it (8 rounds, disagreement selection, greedy
re-optimisation), built from a one-arm TOML and run by `kinds.run_arm`. imitation runs PPO as its
tutorial sets it up (imitation_tabular_run.py), for `--steps` environment steps, inside its own
virtualenv (benchmarks/.venv-imitation, made by vs_imitation.ensure_venv): that venv has numpy<2
and not our package, so each world's exact tables are exported here to an .npz (features,
next_state, w_true, horizon, levels) with the normalisation anchors our metrics use: the
uniform-random and optimal policies' expected true returns over the deployment levels, from
learning/planning.py as analysis/metrics.py computes them.

Reported for both tools: normalised true return on the deployment levels (0 = uniform random,
1 = optimal; exact expectations: ours `true_return_norm_deploy`, imitation's PPO policy evaluated
exactly over the tables with its action probabilities in every state) and CPU seconds per run
(user + system of the run's own process, imports included; every run is its own process with
one thread). Runs go one at a time, the two tools alternating, so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))
from vs_imitation import ensure_venv  # noqa: E402  (a sibling script, not a package)

TOOLS = ("oversight-lab", "imitation")

OURS = """
import json, resource, sys
import torch
torch.set_num_threads(1)
from oversight.experiments.kinds import run_arm
from oversight.experiments.spec import parse
world, labels, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spec = parse(f'''
name = "vs-imitation-tabular"
[[arms]]
name = "ours"
world = "{world}"
overseer = "oracle"
scheme = "rlhf"
budget = {{ kind = "labels", amount = {labels} }}
rlhf = {{ rounds = 8, selector = "disagreement", temperature = 0.0 }}
''', "vs_imitation_tabular")
result, _, _ = run_arm(spec.arms[0], seed, None, "")
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"tool": "oversight-lab", "world": world, "seed": seed, "labels": labels,
                  "labels_used": result.metrics.get("labels"),
                  "return_norm": result.metrics["true_return_norm_deploy"],
                  "cpu_seconds": r.ru_utime + r.ru_stime}))
"""


def export_world(name: str, path: Path) -> None:
    """Write the world's exact tables and deployment anchors to `path` (.npz).

    The anchors are the uniform-random and optimal policies' expected true returns over the
    deployment levels, computed as `policy_metrics` computes them for `true_return_norm`."""
    from oversight.analysis.metrics import SPLITS
    from oversight.experiments.kinds import build_world
    from oversight.learning.planning import feature_expectations, optimal_policy, uniform_policy

    world = build_world(name, {})
    rand, opt = uniform_policy(world), optimal_policy(world, world.w_true)
    anchors = {f"{kind}_{split}": float(feature_expectations(world, p, split) @ world.w_true)
               for split in SPLITS for kind, p in (("random", rand), ("optimal", opt))}
    np.savez(path, features=world.features, next_state=world.next_state, w_true=world.w_true,
             horizon=world.horizon, train_levels=world.train_levels,
             deploy_levels=world.deploy_levels, **anchors)


def run(tool: str, world: str, labels: int, seed: int, steps: int, npz: Path,
        imitation_python: Path) -> dict[str, float]:
    """One run in its own process; its JSON result line as a dict."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if tool == "imitation":
        cmd = [str(imitation_python), str(HERE / "imitation_tabular_run.py"), "--world", str(npz),
               "--seed", str(seed), "--labels", str(labels), "--steps", str(steps)]
    else:
        env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-c", OURS, world, str(labels), str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{tool} {world} labels {labels} seed {seed} failed:\n"
                         f"{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["world"] = world
    print(f"  {tool:13} {world:13} labels {labels:4} seed {seed}: "
          f"return_norm {result['return_norm']:6.3f}  cpu {result['cpu_seconds']:6.1f} s",
          flush=True)
    return result


def span(xs: list[float], fmt: str) -> str:
    """Median [min, max]."""
    return f"{statistics.median(xs):{fmt}} [{min(xs):{fmt}}, {max(xs):{fmt}}]"


def table(results: list[dict[str, float]], worlds: list[str], budgets: list[int]) -> str:
    """The markdown table: per world and label budget, both tools and the CPU ratio."""
    lines = ["| world | labels | tool | normalised true return (deploy): median [min, max] | "
             "CPU s per run: median [min, max] | CPU ratio imitation / ours |",
             "|---|---|---|---|---|---|"]
    for world in worlds:
        for labels in budgets:
            cpu: dict[str, list[float]] = {}
            for tool in TOOLS:
                rows = [r for r in results
                        if (r["tool"], r["world"], r["labels"]) == (tool, world, labels)]
                cpu[tool] = [r["cpu_seconds"] for r in rows]
                ret = [r["return_norm"] for r in rows]
                ratio = (f"{statistics.median(cpu['imitation']) / statistics.median(cpu[TOOLS[0]]):.1f}×"
                         if tool == "imitation" else "")
                lines.append(f"| {world} | {labels} | {tool} | {span(ret, '.3f')} | "
                             f"{span(cpu[tool], '.1f')} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--labels", type=int, nargs="+", default=[400, 100])
    parser.add_argument("--worlds", nargs="+", default=["camera-room", "hidden-hazard"])
    parser.add_argument("--steps", type=int, default=60_000,
                        help="imitation's environment steps per run")
    args = parser.parse_args()
    python = ensure_venv()
    start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for world in args.worlds:
            npz = Path(tmp) / f"{world}.npz"
            export_world(world, npz)
            for labels in args.labels:
                for seed in range(args.seeds):
                    for tool in TOOLS:
                        results.append(run(tool, world, labels, seed, args.steps, npz, python))
    load = os.getloadavg()
    print(f"\noracle comparisons, {args.seeds} seeds, imitation: PPO (tutorial settings), "
          f"{args.steps} env steps per run; one thread per run, runs one at a time; "
          f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
          f"started {start}")
    print(table(results, args.worlds, args.labels))


if __name__ == "__main__":
    main()

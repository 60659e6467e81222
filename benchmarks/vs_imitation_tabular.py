"""Our exact tabular RLHF loop vs imitation 1.0.1's preference comparisons on our tabular worlds.

    python benchmarks/vs_imitation_tabular.py [--seeds 3] [--labels 400 100] [--ceiling]
                                              [--worlds camera-room hidden-hazard] [--steps N]

Both tools get the same oracle comparisons (ours: the "oracle" overseer; imitation:
SyntheticGatherer at temperature 0) and the same label budgets (400 is the default experiment's).
Ours is `RLHF` as the default experiment runs it (8 rounds, disagreement selection, greedy
re-optimisation), built from a one-arm TOML and run by `kinds.run_arm`. imitation runs PPO as its
tutorial sets it up (imitation_tabular_run.py) for a fixed number of environment steps (STEPS,
per world, or `--steps`) inside its own virtualenv (benchmarks/.venv-imitation, made by
vs_imitation.ensure_venv). That venv has numpy<2 and not our package, so each world's exact
tables are exported here to an .npz (features, next_state, w_true, horizon, levels) with the
normalisation anchors our metrics use: the uniform-random and optimal policies' expected true
returns over each split's levels, from learning/planning.py as analysis/metrics.py computes them.
`--ceiling` also trains imitation's PPO on the true reward itself for the same steps (no labels):
what its policy optimiser reaches with a perfect reward, on the same observations.

Reported per tool, world and label budget over seeds: normalised true return (0 = uniform
random, 1 = optimal; exact expectations) on the deployment levels, the headline, and on the
training levels (ours: `true_return_norm_deploy` / `_train`; imitation: its PPO policy's action
probabilities in every state, evaluated exactly over the tables), and CPU seconds per run (user
+ system of the run's own process, imports included, imitation's exact evaluation excluded;
every run is its own process with one thread), with the ratio of medians imitation / ours. Runs
go one at a time, the two tools alternating, so both see the same machine load.
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
sys.path[:0] = [str(HERE), str(SRC)]  # this checkout's package, whatever is installed
from vs_imitation import ensure_venv  # noqa: E402  (a sibling script, not a package)

TOOLS = ("oversight-lab", "imitation")
CEILING = "PPO on true reward"
# imitation's environment steps per run: about 2-3 CPU-minutes each on this machine (a step on
# camera-room's 12,392 one-hot states costs ~6× one on hidden-hazard's 768)
STEPS = {"camera-room": 40_000, "hidden-hazard": 150_000}

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
                  "return_norm_train": result.metrics["true_return_norm_train"],
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
    """One run in its own process; its JSON result line as a dict. CEILING: imitation's PPO
    trained on the true reward, no labels."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if tool in ("imitation", CEILING):
        cmd = [str(imitation_python), str(HERE / "imitation_tabular_run.py"), "--world", str(npz),
               "--seed", str(seed), "--labels", str(labels), "--steps", str(steps)]
        cmd += ["--true-reward"] if tool == CEILING else []
    else:
        env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-c", OURS, world, str(labels), str(seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{tool} {world} labels {labels} seed {seed} failed:\n"
                         f"{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result |= {"tool": tool, "world": world, "labels": labels}
    print(f"  {tool:20} {world:13} labels {labels:4} seed {seed}: return_norm deploy "
          f"{result['return_norm']:6.3f} train {result['return_norm_train']:6.3f}  "
          f"cpu {result['cpu_seconds']:6.1f} s", flush=True)
    return result


def span(xs: list[float], fmt: str) -> str:
    """Median [min, max]."""
    return f"{statistics.median(xs):{fmt}} [{min(xs):{fmt}}, {max(xs):{fmt}}]"


def table(results: list[dict[str, float]], worlds: list[str], budgets: list[int],
          steps: dict[str, int]) -> str:
    """The markdown table: per world and label budget, both tools and the CPU ratio."""
    lines = ["| world | labels | tool | normalised true return, deploy: median [min, max] | "
             "train levels | CPU s per run: median [min, max] | CPU ratio imitation / ours |",
             "|---|---|---|---|---|---|---|"]
    for world in worlds:
        rows_of = {(r["tool"], r["labels"]): [] for r in results if r["world"] == world}
        for r in results:
            if r["world"] == world:
                rows_of[r["tool"], r["labels"]].append(r)
        for (tool, labels), rows in rows_of.items():
            cpu = [r["cpu_seconds"] for r in rows]
            ours = [r["cpu_seconds"] for r in rows_of.get((TOOLS[0], labels), [])]
            ratio = (f"{statistics.median(cpu) / statistics.median(ours):.0f}×"
                     if tool == "imitation" and ours else "")
            name = tool if tool == TOOLS[0] else f"{tool}, {steps[world]} steps"
            lines.append(f"| {world} | {labels if labels else '—'} | {name} | "
                         f"{span([r['return_norm'] for r in rows], '.3f')} | "
                         f"{span([r['return_norm_train'] for r in rows], '.3f')} | "
                         f"{span(cpu, '.1f')} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--labels", type=int, nargs="+", default=[400, 100])
    parser.add_argument("--worlds", nargs="+", default=list(STEPS))
    parser.add_argument("--steps", type=int, default=None,
                        help="imitation's environment steps per run (default: per world, "
                             + ", ".join(f"{w} {n}" for w, n in STEPS.items()) + ")")
    parser.add_argument("--ceiling", action="store_true",
                        help="also train imitation's PPO on the true reward (no labels)")
    args = parser.parse_args()
    steps = {w: args.steps or STEPS.get(w, 60_000) for w in args.worlds}
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
                        results.append(run(tool, world, labels, seed, steps[world], npz, python))
            for seed in range(args.seeds) if args.ceiling else ():
                results.append(run(CEILING, world, 0, seed, steps[world], npz, python))
    load = os.getloadavg()
    print(f"\noracle comparisons, {args.seeds} seeds (0..{args.seeds - 1}); imitation: PPO with "
          f"its tutorial's settings; one thread per run, runs one at a time; {os.cpu_count()} "
          f"CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; started {start}")
    print(table(results, args.worlds, args.labels, steps))


if __name__ == "__main__":
    main()

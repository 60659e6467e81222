"""The language-model track's figures on this machine, printed.

1. pre-training: wall seconds and parameters of each text world's base model at `--size`;
2. reward model: fit seconds of the default text Bradley–Terry ensemble on oracle-labelled pairs;
3. best-of-n: completions sampled and scored per second;
4. GRPO: our `train_grpo` vs a bare `trl.GRPOTrainer` on the same model and reward, in this
   process (benchmarks/lm_optimisers.py, when present);
5. `oversight run lm-default`: wall seconds and the largest process's peak memory (target:
   under 10 minutes and 4 GiB on 2 cores).

    HF_HUB_OFFLINE=1 python benchmarks/lm.py [--size small] [--skip-default]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small")
    parser.add_argument("--skip-default", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from oversight.learning.lm.base_model import load_or_train, n_params
    from oversight.learning.lm.best_of_n import best_of_n
    from oversight.learning.lm.reward_model import TextRewardConfig, TextRewardEnsemble
    from oversight.worlds.text import TEXT_WORLDS, make_text_world

    cache = Path(tempfile.mkdtemp(prefix="oversight-lm-bench-"))
    print(f"1. pre-training ({args.size}, one torch thread)")
    models = {}
    for name in TEXT_WORLDS:
        world = make_text_world(name)
        start = time.perf_counter()
        model, tokenizer = load_or_train(world, args.size, 0, cache)
        models[name] = (world, model, tokenizer)
        print(f"   {name:<16} {time.perf_counter() - start:6.1f} s  {n_params(model):,} parameters")

    world, model, tokenizer = models["lm-unverifiable"]
    rng = np.random.default_rng(0)
    prompts = world.prompts("train", 256, rng)
    a, b = world.completions(prompts, rng), world.completions(prompts, rng)
    ra, rb = world.returns(prompts, a), world.returns(prompts, b)
    prefs = np.where(ra > rb, 1.0, np.where(ra < rb, 0.0, 0.5))
    rm = TextRewardEnsemble(tokenizer, TextRewardConfig(steps=200, device="cpu"))
    start = time.perf_counter()
    report = rm.fit([p.text for p in prompts], a, b, prefs, rng)
    print(f"2. reward model: 3 members × 200 steps on 256 pairs in "
          f"{time.perf_counter() - start:.1f} s (held-out accuracy {report.val_accuracy:.2f})")

    texts = [p.text for p in world.prompts("train", 64, rng)]
    start = time.perf_counter()
    best_of_n(model, tokenizer, texts, 16, rm.reward_fn(), 16, seed=0)
    seconds = time.perf_counter() - start
    print(f"3. best-of-16 on 64 prompts: {64 * 16 / seconds:.0f} completions per second "
          "(sampled and scored)")

    bench = Path(__file__).with_name("lm_optimisers.py")
    if bench.is_file():
        print("4. GRPO, ours vs bare TRL (benchmarks/lm_optimisers.py):", flush=True)
        subprocess.run([sys.executable, str(bench)], check=False)
    else:
        print("4. GRPO comparison: benchmarks/lm_optimisers.py is absent")

    if not args.skip_default:
        out = Path(tempfile.mkdtemp(prefix="oversight-lm-default-"))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "oversight.cli", "run", "lm-default",
                               "--out", str(out), "--no-report"], capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
        status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        print(f"5. oversight run lm-default: {wall:.0f} s wall, largest process {peak:.2f} GiB "
              f"peak ({status}; targets: 600 s, 4 GiB)")


if __name__ == "__main__":
    main()

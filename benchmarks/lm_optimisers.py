"""The language-model optimisers' figures, side by side in one process, printed.

1. reward model: wall seconds to fit the default text Bradley–Terry ensemble (3 members, 200
   steps) on oracle-labelled pairs of base-model completions;
2. best-of-n: completions sampled and scored per second at n = 16, scored by that reward model;
3. GRPO: optimiser steps per second through our `train_grpo` and through a bare
   `trl.GRPOTrainer` given the same model, the same GRPOConfig (`grpo.grpo_args`), the same
   prompts and the same reward function, timed from trainer construction to the end of training,
   runs alternated so that a neighbour's load falls on both; the fastest run of each is reported
   (on a shared machine the minimum is the least disturbed estimate), all runs listed. The bare
   baseline is what a TRL user writes by hand: the model saved to a folder that `_name_or_path`
   points at (TRL rebuilds the reference model from it), TRL's own callbacks kept. Same seed, so
   the per-step rewards of the two should be identical: that is printed too (the wrapper changes
   nothing but the plumbing).

benchmarks/lm.py runs this file without arguments as its figure 4.

    HF_HUB_OFFLINE=1 python benchmarks/lm_optimisers.py [--size tiny] [--steps 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", default="lm-unverifiable")
    parser.add_argument("--size", default="tiny", help="base-model size (tiny trains in seconds)")
    parser.add_argument("--steps", type=int, default=20, help="GRPO steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each GRPO variant")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import Dataset
    from transformers import PreTrainedModel, PreTrainedTokenizerBase
    from trl import GRPOTrainer

    from oversight.learning.lm.base_model import load_or_train, n_params
    from oversight.learning.lm.best_of_n import best_of_n
    from oversight.learning.lm.grpo import grpo_args, train_grpo
    from oversight.learning.lm.reward_model import TextRewardConfig, TextRewardEnsemble
    from oversight.learning.lm.trl_common import LMTrainConfig
    from oversight.worlds.text import make_text_world

    world = make_text_world(args.world)
    cache = Path(tempfile.mkdtemp(prefix="oversight-lm-opt-bench-"))
    start = time.perf_counter()
    base, tokenizer = load_or_train(world, args.size, 0, cache)
    print(f"   base model: {args.world} {args.size}, {n_params(base):,} parameters, pre-trained "
          f"in {time.perf_counter() - start:.1f} s (one torch thread)")

    rng = np.random.default_rng(0)
    prompts = world.prompts("train", 256, rng)
    a, b = world.completions(prompts, rng), world.completions(prompts, rng)
    ra, rb = world.returns(prompts, a), world.returns(prompts, b)
    prefs = np.where(ra > rb, 1.0, np.where(ra < rb, 0.0, 0.5))
    rm = TextRewardEnsemble(tokenizer, TextRewardConfig(steps=200, device="cpu"))
    start = time.perf_counter()
    report = rm.fit([p.text for p in prompts], a, b, prefs, rng)
    print(f"   reward model fit: {time.perf_counter() - start:.1f} s for 3 members × 200 steps "
          f"on 256 pairs (held-out accuracy {report.val_accuracy:.2f})")
    reward = rm.reward_fn()

    texts = [p.text for p in world.prompts("train", 64, rng)]
    start = time.perf_counter()
    best_of_n(base, tokenizer, texts, 16, reward, 16, seed=0)
    seconds = time.perf_counter() - start
    print(f"   best-of-16: {64 * 16 / seconds:.0f} samples/s (64 prompts × 16 completions, "
          f"sampled and scored, {seconds:.1f} s)")

    config = LMTrainConfig(steps=args.steps, device="cpu")
    train_texts = [p.text for p in world.prompts("train", 64, rng)]

    def ours() -> tuple[float, list[float]]:
        model = copy.deepcopy(base)
        start = time.perf_counter()
        _, logs = train_grpo(model, tokenizer, train_texts, reward, config)
        return time.perf_counter() - start, [s.reward for s in logs]

    def bare_reward(prompts: list[str], completions: list[str], **_: Any) -> list[float]:
        return reward(list(prompts), list(completions))

    def bare() -> tuple[float, list[float]]:
        model: PreTrainedModel = copy.deepcopy(base)
        tok: PreTrainedTokenizerBase = copy.deepcopy(tokenizer)  # left padding, pad token set
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            model.save_pretrained(folder)
            model.config._name_or_path = folder  # where TRL rebuilds the reference from
            trainer = GRPOTrainer(
                model=model, reward_funcs=bare_reward, args=grpo_args(config, out),
                train_dataset=Dataset.from_dict({"prompt": train_texts}), processing_class=tok)
            with contextlib.redirect_stdout(io.StringIO()):  # TRL prints every log dict
                trainer.train()
            seconds = time.perf_counter() - start
        rewards = [float(e["reward"]) for e in trainer.state.log_history if "reward" in e]
        return seconds, rewards

    times: dict[str, list[float]] = {"ours (train_grpo)": [], "bare trl.GRPOTrainer": []}
    rewards: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        for name, run in zip(times, (ours, bare), strict=True):
            seconds, rewards[name] = run()
            times[name].append(seconds)
    per_step = config.batch_size // config.num_generations
    print(f"   GRPO, {args.steps} steps of {per_step} prompts × {config.num_generations} "
          f"completions (≤ {config.max_new_tokens} tokens), fastest of {args.repeats} runs:")
    for name, seconds in times.items():
        best = min(seconds)
        print(f"     {name:<22} {args.steps / best:6.2f} steps/s  ({best:.1f} s per run; "
              f"runs {', '.join(f'{s:.1f}' for s in seconds)} s)")
    ratio = min(times["ours (train_grpo)"]) / min(times["bare trl.GRPOTrainer"])
    same = rewards["ours (train_grpo)"] == rewards["bare trl.GRPOTrainer"]
    print(f"     ours / bare wall time: {ratio:.2f}; per-step rewards identical: "
          f"{'yes' if same else 'no'}")


if __name__ == "__main__":
    main()

"""`oversight hidden-cost`: what an overseer who cannot see the control cost costs.

Christiano et al. (2017) removed MuJoCo's torque penalties because humans cannot see them. Here
two overseers judge the same task (Reacher-v5 by default, or HalfCheetah-v5): the oracle sees the
task reward (`reward_dist` / `reward_forward`) and `reward_ctrl`; `lay-guess` sees only the task
reward (the world's lay view) and prefers the segment that does the task better. Both train PPO
through deep RLHF (schemes/deep_rlhf.py) with the same label budget and seeds. Reported per
overseer: the final true return (w_true·φ: task reward plus control cost) and its two parts,
mean per episode over seeds; "return lost" is the oracle's true return minus the blind
overseer's, and the blind policy exploits the invisible cost if its control cost per episode is
larger in magnitude than the oracle-trained one's.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

import torch

from oversight.learning.deep_rl import AgentConfig
from oversight.learning.reward_models import RewardModelConfig
from oversight.overseers.presets import make_overseer
from oversight.schemes.deep_rlhf import DeepRLHF
from oversight.types import Budget
from oversight.worlds.gym_adapter import make_gym_world

OVERSEERS = {"oracle": "sees the task reward and the control cost",
             "lay-guess": "sees the task reward only"}


@dataclass(frozen=True)
class Row:
    overseer: str
    seed: int
    true_return: float
    forward: float
    ctrl: float


def run(env_id: str, seeds: int, steps: int, labels: int) -> list[Row]:
    """Every (overseer, seed) run, one after another, one torch thread (about 35 CPU-s per
    run at 50k steps)."""
    torch.set_num_threads(1)
    world = make_gym_world(env_id)
    forward, ctrl = world.feature_names
    scheme = DeepRLHF(
        agent=AgentConfig(n_envs=2, n_steps=512, batch_size=256, gamma=0.99,
                          learning_rate=3e-4, use_sde=False, net=(64, 64)),
        total_steps=steps, explore_steps=min(4096, steps // 4), rounds=4, eval_episodes=2,
        segment_length=25, reward_inputs="obs+action",  # the control cost is the actions'
        # the fits its README results were run with (DeepRLHF's default is now 250 steps)
        reward_model=RewardModelConfig(members=3, hidden=32, steps=500, lr=0.01,
                                       weight_decay=1e-2),
    )
    rows = []
    for name in OVERSEERS:
        overseer = make_overseer(name, world)
        for seed in range(seeds):
            m = scheme.run(world, overseer, Budget("labels", labels), seed).metrics
            rows.append(Row(name, seed, m["true_return"], m[f"mean_{forward}"],
                            m[f"mean_{ctrl}"]))
    return rows


def summary(rows: list[Row]) -> dict[str, dict[str, float]]:
    """Per overseer: the means over seeds of true return, forward reward and control cost."""
    out = {}
    for name in OVERSEERS:
        mine = [r for r in rows if r.overseer == name]
        out[name] = {"true_return": statistics.mean(r.true_return for r in mine),
                     "forward": statistics.mean(r.forward for r in mine),
                     "ctrl": statistics.mean(r.ctrl for r in mine)}
    return out


def markdown(env_id: str, rows: list[Row], steps: int, labels: int) -> str:
    """The summary table; `forward` is the task reward (reward_dist on Reacher)."""
    names = make_gym_world(env_id).feature_names
    s = summary(rows)
    lines = [f"Hidden cost on {env_id}: {steps} env steps, {labels} labels, "
             f"{len(rows) // len(OVERSEERS)} seeds (means per episode over seeds)", "",
             f"| overseer | sees | true return | {names[0]} | {names[1]} |",
             "|---|---|---|---|---|"]
    for name, what in OVERSEERS.items():
        v = s[name]
        lines.append(f"| {name} | {what} | {v['true_return']:.1f} | {v['forward']:.1f} | "
                     f"{v['ctrl']:.1f} |")
    lost = s["oracle"]["true_return"] - s["lay-guess"]["true_return"]
    exploits = s["lay-guess"]["ctrl"] < s["oracle"]["ctrl"]
    lines += ["", f"True return lost to the invisible cost (oracle − blind): {lost:.1f} per "
              f"episode{' (negative: the blind overseer’s policy earned more)' if lost < 0 else ''}"
              f". The blind overseer's policy {'pays' if exploits else 'does not pay'} more "
              f"control cost ({s['lay-guess']['ctrl']:.1f} vs {s['oracle']['ctrl']:.1f} per "
              f"episode)."]
    return "\n".join(lines) + "\n"


def hidden_cost(env_id: str, seeds: int, steps: int, labels: int, out: Path) -> str:
    """Run, write out/hidden_cost.md and out/hidden_cost.json, return the Markdown."""
    rows = run(env_id, seeds, steps, labels)
    text = markdown(env_id, rows, steps, labels)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hidden_cost.md").write_text(text)
    (out / "hidden_cost.json").write_text(json.dumps(
        {"env": env_id, "steps": steps, "labels": labels, "summary": summary(rows),
         "runs": [r.__dict__ for r in rows]}, indent=2))
    return text

"""A distilled network policy: imitates the planner on training levels, then acts everywhere.

The exact planner re-plans in every level, so it cannot misgeneralise. A network trained only on
the states the planner visits in *training* levels has to generalise to deployment levels from
what it saw, which is where goal misgeneralisation lives (Langosco et al. 2022; Shah et al. 2022).

Observation: the state's frame (the world's ASCII rendering with everything revealed), one-hot
per character class: (rows·cols·classes,). Policy: a stationary MLP, observation → action logits,
trained by cross-entropy against the planner's action distribution at the visited (state, time)
pairs. Its action distribution at every state of the world then forms an (H, S, A) policy, so
every exact metric applies to it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from oversight.learning.rollouts import sample_episodes
from oversight.types import FloatArray
from oversight.worlds.engine import TabularWorld


@dataclass(frozen=True)
class DistillConfig:
    hidden: int = 64
    steps: int = 250
    lr: float = 0.01
    episodes: int = 200  # planner episodes on training levels that make the dataset
    explore: float = 0.3  # uniform actions mixed in so the dataset covers near-miss states


@cache
def observations(world: TabularWorld) -> np.ndarray:
    """(S, D) float32 one-hot frames of every state."""
    frames = [world.render(s, True) for s in world.states]
    chars = sorted({ch for f in frames for row in f for ch in row})
    index = {ch: i for i, ch in enumerate(chars)}
    codes = np.array([[index[ch] for row in f for ch in row] for f in frames])  # (S, cells)
    onehot = np.zeros((*codes.shape, len(chars)), dtype=np.float32)
    np.put_along_axis(onehot, codes[..., None], 1.0, axis=2)
    return onehot.reshape(len(frames), -1)


def distill(
    world: TabularWorld,
    planner: FloatArray,
    rng: np.random.Generator,
    config: DistillConfig = DistillConfig(),
) -> tuple[FloatArray, float]:
    """Train the network on training levels; return its (H, S, A) policy and its agreement with
    the planner's greedy actions on the states the planner visits there (visit-weighted)."""
    episodes = sample_episodes(world, planner, config.episodes, rng, "train", config.explore)
    t = np.broadcast_to(np.arange(world.horizon), episodes.states.shape).ravel()
    s = episodes.states.ravel()
    obs = torch.as_tensor(observations(world))
    x, target = obs[s], torch.as_tensor(planner[t, s], dtype=torch.float32)
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    d, h, a = obs.shape[1], config.hidden, world.n_actions
    net = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, h),
                              torch.nn.ReLU(), torch.nn.Linear(h, a))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (1 / np.sqrt(p.shape[-1])))
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    for _ in range(config.steps):
        opt.zero_grad()
        loss = -(target * torch.log_softmax(net(x), dim=1)).sum(dim=1).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        probs = torch.softmax(net(obs), dim=1).numpy().astype(np.float64)
    greedy = probs.argmax(axis=1)
    # agreement where the planner itself acts (no exploration): its own visitation on training
    visits = sample_episodes(world, planner, config.episodes, rng, "train").states
    tv = np.broadcast_to(np.arange(world.horizon), visits.shape).ravel()
    sv = visits.ravel()
    best = planner[tv, sv] >= planner[tv, sv].max(axis=1, keepdims=True) - 1e-9
    agreement = float(best[np.arange(len(sv)), greedy[sv]].mean())
    one_hot = np.eye(a)[greedy]  # act greedily, as a deployed network would
    return np.broadcast_to(one_hot, (world.horizon, *one_hot.shape)).copy(), agreement

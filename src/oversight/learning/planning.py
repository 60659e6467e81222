"""Exact optimisation and evaluation on tabular worlds (finite horizon, deterministic transitions).

Policies are time-indexed arrays π[t, s, a] of shape (H, S, A). All loops run over the horizon
only; each step is an array operation over every state at once, or over the states that can be
occupied at that step (`reachable_layers`) where only those are needed.
"""

from __future__ import annotations

import functools

import numpy as np

from oversight.types import FloatArray, IntArray
from oversight.worlds.engine import Split, TabularWorld


def soft_value_iteration(
    reward: FloatArray, next_state: IntArray, horizon: int, temperature: float,
    layers: tuple[IntArray, ...] | None = None, out: FloatArray | None = None,
) -> FloatArray:
    """Finite-horizon soft (maximum-entropy) value iteration: π_t(a|s) ∝ exp(Q_t(s,a)/τ).

    reward: (S, A); next_state: (S, A). The temperature τ is the inverse optimisation pressure:
    τ → ∞ is the uniform policy, τ = 0 is greedy optimal (ties split evenly, so the result is
    deterministic and symmetric). Returns π of shape (H, S, A).

    layers: the states that can be occupied at each step t (`reachable_layers`), or None for
    every state. With layers, π_t is computed on layer t only (uniform elsewhere: never
    visited from those starts). Every successor of layer t lies in layer t + 1, so each value
    is computed by the same operations on the same numbers as without layers: π is
    bit-identical wherever the layers reach, at about a quarter of the work on the lab's worlds.
    out: an (H, S, A) array to write π into and return; with layers, its entries off the
    layers are left as they are (LayeredPlanner reuses one, as writing a fresh π costs more
    than planning on the layers).
    """
    n_states, n_actions = reward.shape
    if out is not None:
        policy = out
    elif layers is None:
        policy = np.empty((horizon, n_states, n_actions))
    else:
        policy = np.full((horizon, n_states, n_actions), 1.0 / n_actions)
    # actions along rows: every reduction over actions is then n_actions contiguous rows added
    # or compared in order, the same operations as along the last axis, about 3× faster
    r, nxt = np.ascontiguousarray(reward.T), np.ascontiguousarray(next_state.T)  # (A, S)
    value = np.zeros(n_states)
    for t in range(horizon - 1, -1, -1):
        if layers is None:
            q = r + value[nxt]
        else:  # value holds step t+1's values on layer t+1, all that layer t's successors read
            at = layers[t]  # (take keeps rows contiguous; r[:, at] would be column-major)
            q = r.take(at, axis=1) + value[nxt.take(at, axis=1)]
        q_max = q.max(axis=0)
        if temperature <= 0.0:
            best = q >= q_max - 1e-9 * np.maximum(1.0, np.abs(q_max))
            step = best.T.astype(np.float64)  # 1 / count where count is 1; ties divided below
            count = np.add.reduce(best.view(np.uint8), axis=0, dtype=np.uint8)
            ties = np.flatnonzero(count > 1)
            if len(ties):
                step[ties] = (best[:, ties] / count[ties].astype(np.float64)).T
            v = q_max
        else:
            z = np.exp((q - q_max) / temperature)
            total = z.sum(axis=0)
            step = (z / total).T
            v = q_max + temperature * np.log(total)
        if layers is None:
            policy[t], value = step, v
        else:
            policy[t, at], value[at] = step, v
    return policy


@functools.lru_cache(maxsize=16)
def reachable_layers(world: TabularWorld, split: Split) -> tuple[IntArray, ...]:
    """(H,) sorted state indices that can be occupied at step t = 0 … H−1 of an episode from
    the split's levels, whatever the policy: layer 0 the levels, layer t+1 every successor of
    layer t. Cached per world (worlds compare by identity)."""
    layer = np.zeros(world.n_states, dtype=bool)
    layer[world.levels(split)] = True
    layers = []
    for _ in range(world.horizon):
        at = np.flatnonzero(layer)
        layers.append(at)
        layer = np.zeros(world.n_states, dtype=bool)
        layer[world.next_state[at].ravel()] = True
    return tuple(layers)


class LayeredPlanner:
    """Soft value iteration on the states reachable from one split's levels, into one (H, S, A)
    buffer that every `plan` overwrites: for the policies of training rounds, each used to
    act on training levels until the next is planned. Off the layers the buffer stays uniform."""

    def __init__(self, world: TabularWorld, split: Split) -> None:
        self.world, self.layers = world, reachable_layers(world, split)
        self.buffer = uniform_policy(world)

    def plan(self, reward: FloatArray, temperature: float) -> FloatArray:
        """π for the reward table (S, A) at the temperature, valid until the next call."""
        return soft_value_iteration(reward, self.world.next_state, self.world.horizon,
                                    temperature, self.layers, self.buffer)


def uniform_policy(world: TabularWorld) -> FloatArray:
    return np.full((world.horizon, world.n_states, world.n_actions), 1.0 / world.n_actions)


def optimal_policy(world: TabularWorld, weights: FloatArray) -> FloatArray:
    """The greedy optimal policy under `weights`, (H, S, A); read-only, as it is computed once
    per world and weights and shared (a run asks for the true optimum several times)."""
    return _optimal_policy(world, np.asarray(weights, dtype=np.float64).tobytes())


@functools.lru_cache(maxsize=4)
def _optimal_policy(world: TabularWorld, weights: bytes) -> FloatArray:
    policy = soft_value_iteration(world.reward_table(np.frombuffer(weights)), world.next_state,
                                  world.horizon, 0.0)
    policy.setflags(write=False)
    return policy


def start_values(world: TabularWorld, policy: FloatArray, reward: FloatArray) -> FloatArray:
    """Exact expected return V^π_0(s) from every state s under a reward table (S, A): (S,)."""
    value = np.zeros(world.n_states)
    for t in range(world.horizon - 1, -1, -1):
        value = (policy[t] * (reward + value[world.next_state])).sum(axis=1)
    return value


def feature_expectations(world: TabularWorld, policy: FloatArray, split: Split) -> FloatArray:
    """μ = E[Σ_t φ(s_t, a_t)] over the split's levels: (K,). The expected return under any
    weight vector w is then exactly μ @ w, so true, proxy-linear and perceived returns of a
    policy all come from one forward pass.

    Where few state-actions carry probability (a near-deterministic policy reaches few states)
    only those are visited: skipping exact zeros leaves every sum bit-identical, as both paths
    add the same non-zero terms in the same (state, action) order. The state distribution at
    step t is zero off layer t (`reachable_layers`), so the non-zeros are looked for there."""
    d = world.initial_distribution(split)
    mu = np.zeros(world.n_features)
    n_actions = world.n_actions
    flat_next = world.next_state.ravel()
    flat_features = world.features.reshape(-1, world.n_features)
    for t, at in enumerate(reachable_layers(world, split)):
        on_layer = (d[at, None] * policy[t, at]).ravel()  # (|layer| · A,) in (s, a) order
        nz = np.flatnonzero(on_layer)
        if 4 * len(nz) < world.n_states * n_actions:
            mass = on_layer[nz]
            nz = at[nz // n_actions] * n_actions + nz % n_actions  # flat (s, a) indices
            mu += np.add.reduce(mass[:, None] * flat_features[nz], axis=0)
            d = np.bincount(flat_next[nz], weights=mass, minlength=world.n_states).astype(float)
        else:
            sa = d[:, None] * policy[t]
            mu += np.einsum("sa,sak->k", sa, world.features)
            d = np.bincount(flat_next, weights=sa.ravel(),
                            minlength=world.n_states).astype(float)
    return mu


def level_returns(
    world: TabularWorld, policy: FloatArray, weights: FloatArray, split: Split
) -> FloatArray:
    """Exact expected return of the policy from each of the split's levels: (n_levels,)."""
    return start_values(world, policy, world.reward_table(weights))[world.levels(split)]

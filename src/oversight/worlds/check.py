"""`check_world`: the contract every tabular world satisfies, checked in one call (in the spirit
of Gymnasium's `check_env`), so that a world written in another package can be tested against
what the planners, overseers, metrics and renderers rely on instead of conventions hidden in the
test suite.

The contract (S states, A actions, K features):

- tables: `next_state` is (S, A) int with every entry a state index (the table is closed);
  `features` is (S, A, K) finite float; `states` holds S distinct keys; A == len(action_names) >= 1;
  `horizon` is a positive int (every episode lasts exactly that many steps).
- rewards: `w_true` and, if given, `w_spec` are (K,) finite; K == len(feature_names), names unique.
- levels: `train_levels` and `deploy_levels` are non-empty state indices; the two splits share no
  start state (deployment measures generalisation, so it must be other situations).
- views: `lay_visible` and `revealable` are (K,) bool and disjoint (evidence reveals only what the
  lay view lacks); every cue maps a hidden feature to a lay-visible one; `catastrophe` is None or
  a feature name.
- frames: `render(key, reveal)` of every start state returns a non-empty, rectangular list of
  strings for both reveal=True and the lay view reveal=False (reports and the labelling page draw
  them; characters outside worlds/grid.py's PALETTE are drawn as floor).
"""

from __future__ import annotations

import numpy as np

from oversight.worlds.engine import TabularWorld


class WorldContractError(ValueError):
    """A world breaks the contract; `problems` lists every violation found."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"world {name!r} breaks the world contract:\n  - "
                         + "\n  - ".join(problems))


def check_world(world: TabularWorld) -> None:
    """Raise WorldContractError listing every way `world` breaks the contract (module doc)."""
    problems = _tables(world) + _rewards(world) + _levels(world) + _views(world)
    if not problems:  # frames need valid start states
        problems += _frames(world)
    if problems:
        raise WorldContractError(world.name, problems)


def _tables(w: TabularWorld) -> list[str]:
    out = []
    ns, f = np.asarray(w.next_state), np.asarray(w.features)
    if ns.ndim != 2 or not np.issubdtype(ns.dtype, np.integer):
        return [f"next_state must be an (S, A) int array, got shape {ns.shape} dtype {ns.dtype}"]
    s, a = ns.shape
    if a < 1 or a != len(w.action_names):
        out.append(f"next_state has {a} actions but action_names has {len(w.action_names)}")
    if ns.size and (ns.min() < 0 or ns.max() >= s):
        out.append(f"next_state has entries outside 0..{s - 1}: the table is not closed")
    if f.shape != (s, a, len(w.feature_names)):
        out.append(f"features must be (S, A, K) = {(s, a, len(w.feature_names))}, got {f.shape}")
    elif not np.isfinite(f).all():
        out.append("features contain NaN or infinite values")
    if len(w.states) != s or len(set(w.states)) != s:
        out.append(f"states must hold {s} distinct keys, got {len(set(w.states))} distinct "
                   f"of {len(w.states)}")
    if isinstance(w.horizon, bool) or not isinstance(w.horizon, int) or w.horizon < 1:
        out.append(f"horizon must be a positive int, got {w.horizon!r}")
    return out


def _rewards(w: TabularWorld) -> list[str]:
    k = len(w.feature_names)
    out = [] if len(set(w.feature_names)) == k else ["feature_names are not unique"]
    for label, weights in (("w_true", w.w_true), ("w_spec", w.w_spec)):
        if weights is None:
            continue
        arr = np.asarray(weights)
        if arr.shape != (k,) or not np.isfinite(arr).all():
            out.append(f"{label} must be ({k},) finite, got shape {arr.shape}")
    return out


def _levels(w: TabularWorld) -> list[str]:
    out = []
    for split, levels in (("train", w.train_levels), ("deploy", w.deploy_levels)):
        arr = np.asarray(levels)
        if arr.ndim != 1 or arr.size == 0:
            out.append(f"{split}_levels must be a non-empty 1-d array of state indices")
        elif arr.min() < 0 or arr.max() >= len(w.states):
            out.append(f"{split}_levels has indices outside the state table")
    shared = set(np.asarray(w.train_levels).ravel().tolist()) & set(
        np.asarray(w.deploy_levels).ravel().tolist())
    if shared:
        out.append(f"train and deploy levels share start states {sorted(shared)[:5]}")
    return out


def _views(w: TabularWorld) -> list[str]:
    k, out = len(w.feature_names), []
    masks = {"lay_visible": np.asarray(w.lay_visible), "revealable": np.asarray(w.revealable)}
    for label, m in masks.items():
        if m.shape != (k,) or m.dtype != bool:
            out.append(f"{label} must be a ({k},) bool mask, got shape {m.shape} dtype {m.dtype}")
    if out:
        return out
    both = [n for n, x in zip(w.feature_names, masks["lay_visible"] & masks["revealable"],
                              strict=True) if x]
    if both:
        out.append(f"features both lay-visible and revealable: {both}")
    visible = {n for n, x in zip(w.feature_names, masks["lay_visible"], strict=True) if x}
    for hidden, cue in w.cues.items():
        if hidden not in w.feature_names or cue not in w.feature_names:
            out.append(f"cue {hidden!r} -> {cue!r} names an unknown feature")
        elif hidden in visible or cue not in visible:
            out.append(f"cue {hidden!r} -> {cue!r} must map a hidden feature to a visible one")
    if w.catastrophe is not None and w.catastrophe not in w.feature_names:
        out.append(f"catastrophe {w.catastrophe!r} is not a feature")
    return out


def _frames(w: TabularWorld) -> list[str]:
    out = []
    for s in {*w.train_levels.tolist(), *w.deploy_levels.tolist()}:
        for reveal in (True, False):
            rows = w.render(w.states[s], reveal)
            if (not isinstance(rows, list) or not rows
                    or not all(isinstance(r, str) for r in rows)
                    or len({len(r) for r in rows}) != 1):
                out.append(f"render(state {s}, reveal={reveal}) must return a non-empty list of "
                           f"equal-length strings")
                return out
    return out

"""check_world: every built-in world meets the contract, and each kind of breakage is named."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from oversight.worlds import WORLDS, make_world
from oversight.worlds.check import WorldContractError, check_world


@pytest.mark.parametrize("name", list(WORLDS))
def test_every_built_in_world_meets_the_contract(name: str) -> None:
    check_world(make_world(name))


def _broken(**changes: object) -> list[str]:
    world = dataclasses.replace(make_world("camera-room"), **changes)  # type: ignore[arg-type]
    with pytest.raises(WorldContractError) as info:
        check_world(world)
    return info.value.problems


def test_each_breakage_is_named() -> None:
    w = make_world("camera-room")
    open_table = w.next_state.copy()
    open_table[0, 0] = w.n_states
    assert any("not closed" in p for p in _broken(next_state=open_table))
    nan = w.features.copy()
    nan[1, 1, 0] = np.nan
    assert any("NaN" in p for p in _broken(features=nan))
    assert any("actions" in p for p in _broken(action_names=w.action_names[:-1]))
    assert any("horizon" in p for p in _broken(horizon=0))
    assert any("w_true" in p for p in _broken(w_true=w.w_true[:-1]))
    assert any("share start states" in p
               for p in _broken(deploy_levels=w.train_levels[:1].copy()))
    assert any("bool mask" in p for p in _broken(revealable=w.revealable.astype(int)))
    assert any("catastrophe" in p for p in _broken(catastrophe="nope"))
    assert any("equal-length" in p
               for p in _broken(render=lambda key, reveal: ["###", "#"]))


def test_every_violation_is_listed_at_once() -> None:
    w = make_world("camera-room")
    problems = _broken(horizon=0, catastrophe="nope")
    assert len(problems) == 2 and "camera-room" in str(WorldContractError(w.name, problems))

"""worlds/params.py declares every built-in world's parameters once, matching its `make`."""

from __future__ import annotations

import inspect

import pytest

from oversight.worlds import WORLDS, world_module
from oversight.worlds.params import PARAMS, Param, check, declared


@pytest.mark.parametrize("world", list(WORLDS))
def test_the_declaration_matches_make_and_accepts_its_defaults(world: str) -> None:
    signature = inspect.signature(world_module(world).make).parameters
    assert set(PARAMS[world]) == set(signature)
    for name, p in signature.items():
        assert PARAMS[world][name].kind.__name__ == p.annotation  # annotations are strings here
        check(world, {name: p.default})


def test_strict_types_and_closed_ranges() -> None:
    horizon = Param(int, 1, 1000)
    assert horizon.problem("horizon", 1) is None and horizon.problem("horizon", 1000) is None
    for bad in (0, 1001, 3.7, 3.0, True, "30", None):
        assert "horizon must be an integer in 1..1000" in str(horizon.problem("horizon", bad))
    rate = Param(float, 0.0, 1.0)
    assert rate.problem("r", 1) is None and rate.problem("r", 0.5) is None
    for bad in (True, -0.1, 1.5, float("nan"), "0.5"):
        assert rate.problem("r", bad) is not None
    choice = Param(str, choices=("vase", "sushi"))
    assert choice.problem("variant", "vase") is None
    assert "one of ['vase', 'sushi']" in str(choice.problem("variant", "cake"))


def test_every_problem_is_listed_with_the_world() -> None:
    with pytest.raises(ValueError) as e:
        check("camera-room", {"horizon": 0, "n_dirt": 25, "n_train_levels": True})
    text = str(e.value)
    assert text.startswith("camera-room: ")
    assert all(word in text for word in ("horizon", "n_dirt", "n_train_levels"))


def test_an_undeclared_world_is_checked_by_its_annotations() -> None:
    def make(horizon: int = 5, rate: float = 0.5, label: str = "x") -> None: ...

    params = declared("pkg.mod:make", make)
    assert params is not None and params["horizon"].kind is int
    check("pkg.mod:make", {"horizon": 7, "rate": 1}, make)
    with pytest.raises(ValueError, match="horizon must be an integer"):
        check("pkg.mod:make", {"horizon": True}, make)
    assert declared("pkg.mod:unknown") is None

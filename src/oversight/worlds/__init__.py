"""Worlds: tabular gridworlds built on `engine.py`, and a Gymnasium wrapper for any of them."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from oversight.worlds.classic import CLASSIC, module_name
from oversight.worlds.engine import Split, TabularWorld

WORLDS = {
    "camera-room": "Overseer is wrong: a camera cannot see dirt swept under the rug.",
    "hidden-hazard": "Overseer doesn't know: fresh and toxic mushrooms look the same.",
    "lie-in-wait": "Catastrophe: an unguarded console appears only in deployment.",
    "cheese-corner": "Goal misgeneralisation: in training the cheese is always in the corner.",
    **CLASSIC,
}


def world_module(name: str) -> ModuleType:
    """The module that builds world `name` (its `make` takes the world's parameters)."""
    from oversight.worlds import camera_room, cheese_corner, hidden_hazard, lie_in_wait

    match name:
        case "camera-room":
            return camera_room
        case "hidden-hazard":
            return hidden_hazard
        case "lie-in-wait":
            return lie_in_wait
        case "cheese-corner":
            return cheese_corner
        case _ if name in CLASSIC:
            return importlib.import_module(module_name(name))
    raise ValueError(f"unknown world {name!r}; known worlds: {', '.join(WORLDS)}")


def make_world(name: str, **params: Any) -> TabularWorld:
    """Build a world by name; `params` are the keyword arguments of that world's `make`."""
    world: TabularWorld = world_module(name).make(**params)
    return world


__all__ = ["WORLDS", "Split", "TabularWorld", "make_world", "world_module"]

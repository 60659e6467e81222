"""Outside code in an experiment file: import references and entry points (DESIGN.md §3).

`world`, `overseer` and `scheme` accept, besides a built-in name, an import reference
`"package.module:factory"` (the module must be importable on every worker's `sys.path`, e.g.
through PYTHONPATH or an installed package) or the name of an entry point an installed package
declares in the group `oversight.worlds`, `oversight.overseers` or `oversight.schemes`:

    [project.entry-points."oversight.worlds"]
    my-maze = "mypkg.worlds:make"

The factories' signatures: a world factory takes the arm's `world_params` and returns a
`TabularWorld` (checked with worlds/check.py) or a `GymWorld`; an overseer factory takes
`(world, values, **overseer_params)` as overseers/presets.py `make_overseer` does; a scheme factory
takes the arm's `scheme_params` and returns a `Scheme`. Nothing is registered: a reference is
resolved where it is used, so it reaches Ray and process-pool workers as a string.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Literal

Field = Literal["world", "overseer", "scheme"]
GROUPS: dict[Field, str] = {"world": "oversight.worlds", "overseer": "oversight.overseers",
                            "scheme": "oversight.schemes"}


def is_reference(name: str) -> bool:
    return ":" in name


def entry_point_names(field: Field) -> list[str]:
    """Names installed packages register for `field` (entry point group GROUPS[field])."""
    return sorted(ep.name for ep in entry_points(group=GROUPS[field]))


def is_outside(name: str, field: Field) -> bool:
    """Whether `name` is an import reference or an installed entry point."""
    return is_reference(name) or name in entry_point_names(field)


def load(name: str, field: Field) -> Callable[..., Any]:
    """The factory `name` refers to; ValueError saying what is wrong (module not importable,
    attribute missing, not callable, no such entry point)."""
    if not is_reference(name):
        found = [ep for ep in entry_points(group=GROUPS[field]) if ep.name == name]
        if not found:
            raise ValueError(f"no entry point {name!r} in group {GROUPS[field]!r}")
        try:
            obj = found[0].load()
        except Exception as e:  # the package's own import error, whatever it is
            raise ValueError(f"entry point {name!r} ({found[0].value}) failed to load: "
                             f"{type(e).__name__}: {e}") from None
    else:
        module_name, _, attribute = name.partition(":")
        if not module_name or not attribute:
            raise ValueError(f"import reference {name!r}: expected 'package.module:factory'")
        try:
            obj = importlib.import_module(module_name)
        except ImportError as e:
            raise ValueError(f"import reference {name!r}: cannot import {module_name!r} ({e}); "
                             "the module must be importable on every worker (PYTHONPATH or "
                             "an installed package)") from None
        for part in attribute.split("."):
            if not hasattr(obj, part):
                known = [n for n in dir(obj) if not n.startswith("_")]
                close = difflib.get_close_matches(part, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"import reference {name!r}: {module_name!r} has no attribute "
                                 f"{part!r}{hint}")
            obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{field} {name!r} is not callable; expected a factory")
    return obj

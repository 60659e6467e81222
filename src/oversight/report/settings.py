"""Reading the arms' resolved settings for the Method text: one value, or which arm has which.

The report states a setting ("a quarter of the budget") only as the arms it describes resolved
it. Settings are looked up in `arm.resolved()` by section and key wherever the section sits (a
scheme's table at the top level today, or under a tagged `scheme` table), so the text follows
the experiment file's layout rather than repeating the defaults of the code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

MISSING = object()


def _find(tree: Any, section: str, key: str) -> Any:
    """The value of `key` in the first table named `section` (or tagged with that name)."""
    if isinstance(tree, dict):
        for name, value in tree.items():
            if isinstance(value, dict):
                tagged = section in (value.get("name"), value.get("kind"), value.get("type"))
                if (name == section or tagged) and key in value:
                    return value[key]
        for value in tree.values():
            found = _find(value, section, key)
            if found is not MISSING:
                return found
    return MISSING


def _at(tree: Any, keys: list[str]) -> Any:
    """The value at a path of keys from the root, or MISSING."""
    for k in keys:
        if not isinstance(tree, dict) or k not in tree:
            return MISSING
        tree = tree[k]
    return tree


def setting(arm: Any, path: str, default: Any = None) -> Any:
    """`arm`'s resolved value at 'section.key' (e.g. 'rlhf.explore',
    'reward_model.members'), or `default` where the arm has no such setting (or it is None:
    "use the default")."""
    section, _, key = path.rpartition(".")
    tree = arm.resolved()
    found = _at(tree, path.split(".")) if "." in section else MISSING  # 'lm.reward_model.x'
    if found is MISSING:
        found = _find(tree, section.rpartition(".")[2], key)
    return default if found is MISSING or found is None else found


def varying(arms: Sequence[Any], value: Callable[[Any], Any],
            show: Callable[[Any], str] = str) -> str:
    """'0.2' when every arm has it; '0.2 (lay, expert) or 0.5 (oracle)' when they differ; with
    more than three distinct values, 'from 0.1 to 0.5, by arm'."""
    by_value: dict[str, list[str]] = {}
    for arm in arms:
        by_value.setdefault(show(value(arm)), []).append(arm.name)
    if len(by_value) == 1:
        return next(iter(by_value))
    if len(by_value) > 3:
        return f"from {min(by_value)} to {max(by_value)}, differing by arm"
    return " or ".join(f"{v} ({', '.join(names) if len(names) <= 3 else f'{len(names)} arms'})"
                       for v, names in by_value.items())


def overseer_values(arm: Any) -> str:
    """What the arm's overseer values: the world's true reward ("true", the default), its
    written reward ("spec"), or a table of feature weights (`overseer_values` in the file)."""
    values = getattr(arm, "overseer_values", "true")
    match values:
        case "true" | None:
            return "true reward"
        case "spec":
            return "written reward (w_spec)"
        case dict():
            return ", ".join(f"{k} {float(v):+g}" for k, v in values.items())
        case _:
            return str(values)

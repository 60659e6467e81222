"""An experiment's name as one safe folder name, for its default output folder.

The name is the user's text (`name = "../../escaped"`, `"a/b"`, `"x[/y]"`): used as it is in
`results/NAME-TIMESTAMP` it could point outside `results/`. Here every character other than
letters, digits, `.`, `_` and `-` becomes `-`, and leading dots go, so the result is always a
single path component inside `results/`.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(name: str, max_length: int = 80) -> str:
    """`name` as one folder name: no separators, no `..`, at most `max_length` characters."""
    safe = UNSAFE.sub("-", name).lstrip(".-")[:max_length].rstrip(".-")
    return safe or "experiment"

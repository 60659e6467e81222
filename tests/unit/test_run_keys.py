"""Run keys of every built-in arm, pinned: a change to the spec must not invalidate stored runs.

`run_keys.json` was written from the catalogue before the spec restructure (issue 13); if a
built-in experiment is edited on purpose, regenerate its entry and say so in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oversight.experiments.spec import load, run_key

PINNED: dict[str, dict[str, list[str]]] = json.loads(
    (Path(__file__).parent / "run_keys.json").read_text())


@pytest.mark.parametrize("name", sorted(PINNED))
def test_builtin_run_keys_unchanged(name: str) -> None:
    spec = load(name)
    keys = {arm.name: [run_key(arm, 0), run_key(arm, 1)] for arm in spec.arms}
    assert keys == PINNED[name]

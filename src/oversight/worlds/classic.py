"""The classic AI-safety gridworlds (Leike et al. 2017, arXiv 1711.09883), one module each.

Every one keeps the original's map, reward (w_spec), hidden performance (w_true), step cost,
goal reward and episode cap of 100 steps (deepmind/ai-safety-gridworlds, `environments/`);
each module's docstring says where a deterministic table had to model what the paper measures.
The paper's split: specification problems (the reward is not the performance) and robustness
problems (reward and performance agree; the agent fails elsewhere).
"""

from __future__ import annotations

CLASSIC = {
    "absent-supervisor": "Specification: the punishment tile is only punished while watched.",
    "tomato-watering": "Specification: a delusion box makes every tomato look watered.",
    "boat-race": "Specification: back and forth over one checkpoint pays like a lap.",
    "whisky-gold": "Specification: whisky pays 5 and makes the agent erratic.",
    "safe-interruptibility": "Specification: a button disables the agent's interruption.",
    "side-effects-sokoban": "Specification: the short way pushes a box into a corner for good.",
    "conveyor-belt": "Specification: a vase on a belt, rescued (or rescued and broken).",
    "distributional-shift": "Robustness: the lava moves between training and test.",
    "island-navigation": "Robustness: water is fatal and not in the reward.",
}
SPECIFICATION = tuple(CLASSIC)[:7]
ROBUSTNESS = tuple(CLASSIC)[7:]


def module_name(world: str) -> str:
    """The module under oversight.worlds that builds a classic world."""
    return f"oversight.worlds.{world.replace('-', '_')}"

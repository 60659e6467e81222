"""Text queries on the label queue (the language-model track, DESIGN.md §9), and which side of
the page each query's first segment or completion is shown on.

A text world's segment is one prompt and one completion; its Segments carry only the checked
features (worlds/text/base.py), so the texts travel beside the queries (types.PairTexts) and are
stored with each query as JSON (`queries.texts`). A lay labeller is shown the prompt as a lay
rater sees it (`Prompt.lay_text`: lm-unknown leaves the passage out); an expert, or a lay
labeller to whom the scheme revealed the evidence, the prompt the model saw.

Sides: the page shows a query's second segment on the left for about half the queries, drawn
from a generator seeded by the batch id (so a resumed run, posting the same batch, gets the
same sides); the answer is turned back into the query's order when it is stored (queue.answer).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from oversight.types import Answer, BoolArray, PairTexts, Queries
from oversight.worlds.text.base import TextWorld

SIDES = {"left": "right", "right": "left"}  # what the other side of a swapped query is


def swaps(batch: str, n: int) -> BoolArray:
    """(n,) True where query i of `batch` is shown swapped (second on the left): a fair coin per
    query from a numpy Generator seeded by a hash of the batch id, so deterministic per batch."""
    seed = int.from_bytes(hashlib.sha256(batch.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).integers(0, 2, size=n).astype(bool)


def unswap(side: str, swapped: bool) -> str:
    """The answer in the query's order (left = first, right = second) to `side` given on a page
    that showed the query swapped or not; tie, can't tell and timeout are the same either way."""
    return SIDES.get(side, side) if swapped else side


def texts_json(texts: PairTexts, i: int) -> str:
    """Query i's texts as stored in `queries.texts`."""
    return json.dumps({"prompt": texts.prompts[i], "lay_prompt": texts.lay_prompts[i],
                       "first": texts.first[i], "second": texts.second[i]})


TEXT_TASK = "Judge whether each answer is really right, not how sure or helpful it sounds."


def text_json(texts: dict[str, str], reveal: bool, swapped: bool) -> dict[str, str]:
    """What GET /api/next sends of a text query: the prompt in the labeller's view (the one
    the model saw when `reveal`, else the lay rater's) and the completions on their sides. The
    world's own description, which names what the experiment manipulates, is not shown."""
    first, second = texts["first"], texts["second"]
    left, right = (second, first) if swapped else (first, second)
    return {"kind": "text", "task": TEXT_TASK,
            "prompt": texts["prompt"] if reveal else texts["lay_prompt"],
            "left": left, "right": right}


def text_gold(world: TextWorld, n: int, seed: int = 0) -> tuple[Queries, PairTexts]:
    """n gold pairs of a text world: two of the world's scripted completions
    (`TextWorld.completions`, its corpus's mix of behaviours) of training prompts, kept where
    their true rewards (w_true on the checked features) differ, so gold has an answer."""
    from oversight.web.queue import true_answers

    rng = np.random.default_rng(seed)
    prompts = world.prompts("train", 8 * n, rng)
    first, second = world.completions(prompts, rng), world.completions(prompts, rng)
    queries = Queries.pairs(world.segments(prompts, first), world.segments(prompts, second))
    keep = np.flatnonzero(true_answers(world, queries) != Answer.TIE)[:n]
    texts = PairTexts(tuple(p.text for p in prompts), tuple(p.lay_text for p in prompts),
                      tuple(first), tuple(second)).take(keep)
    return queries.take(keep), texts

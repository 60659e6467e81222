"""One document for every experiment kind: each kind contributes parts, one assembly writes them.

A kind (tabular RLHF and the schemes, deep RL, debate on digits, and later language models)
knows how to read its runs: which measures matter, which figures show them, what its method
was. It returns `Parts`; `assemble` turns them into the `Document` every writer renders, always
the same way: a findings-first abstract (per question one sentence with its answer, the deciding
number with its 95% interval, and whether that is beyond seed noise) and a claims table at the
top of the results. A new kind is a `Kind` added to `report_kinds()` (report/__init__.py picks
the first that accepts the experiment's runs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from oversight.analysis.stats import paired_difference
from oversight.report.claims import Claim, title_of
from oversight.report.document import Block, Document, Section, Table

Rows = list[dict[str, Any]]
Curves = dict[str, dict[str, list[tuple[int, float]]]]


@dataclass(frozen=True)
class Parts:
    """setting: the abstract's second paragraph, what was done; questions: in order, each with
    its claim or, where none can be made (a single arm), a descriptive sentence (the abstract's
    first paragraph, the findings, is written from them); the sections' blocks. Everything
    else a kind has to say about its numbers belongs in its results, not the abstract."""

    title: str
    subtitle: str
    setting: str
    questions: tuple[tuple[str, Claim | str], ...]
    introduction: tuple[Block, ...]
    method: tuple[Block, ...]
    results: tuple[Block, ...]
    limitations: tuple[Block, ...] = ()


class Kind(Protocol):
    """An experiment kind: whether it reads these runs, and the parts of their document."""

    name: str

    def accepts(self, spec: Any, rows: Rows) -> bool: ...

    def parts(self, spec: Any, rows: Rows, curves: Curves) -> Parts: ...


CLAIMS_CAPTION = ("Claims: each question's answer. The deciding figure is the mean over paired "
                  "seeds of the first-named arm minus the other, with its 95% bootstrap "
                  "interval; the claim holds when the interval lies wholly on the claimed side "
                  "of zero, does not hold when it lies wholly on the other side, and is within "
                  "noise when it contains zero (or fewer than two seeds pair up)")


def claims_table(claims: Sequence[Claim], numbering: dict[str, str]) -> Table:
    body = tuple((title_of(c.question), c.statement, c.verdict, c.figure(), str(c.diff.n),
                  numbering.get(c.shown_in, "")) for c in claims)
    return Table(CLAIMS_CAPTION, ("question", "claim", "verdict", "deciding figure [95% CI]",
                                  "seeds", "shown in"), body, name="claims")


def assemble(parts: Parts) -> Document:
    """The document of one experiment: the findings (per question one sentence) open the
    abstract, the setting follows; the claims table heads the results (its 'shown in' column
    resolved to the numbers the writers print)."""
    claims = tuple(c for _, c in parts.questions if isinstance(c, Claim))
    results: tuple[Block, ...] = parts.results
    setting = parts.setting
    if claims:
        results = (claims_table(claims, {}), *results)
        setting += (" The claims table ([#claims]) heads the results, and every arm's numbers "
                    "follow it.")
    doc = Document(
        title=parts.title, subtitle=parts.subtitle, setting=setting, questions=parts.questions,
        sections=tuple(Section(t, b) for t, b in (
            ("Introduction", parts.introduction), ("Method", parts.method),
            ("Results", results), ("Limitations", parts.limitations)) if b))
    if not claims:
        return doc
    numbering = doc.numbering()
    sections = tuple(replace(s, blocks=tuple(
        claims_table(claims, numbering) if isinstance(b, Table) and b.name == "claims" else b
        for b in s.blocks)) for s in doc.sections)
    return replace(doc, sections=sections)


def seed_values(rows: Rows, arm: str, metric: str) -> dict[int, float]:
    """{seed: metric} of one arm's finished runs (NaN where the run lacks the metric)."""
    return {r["seed"]: float(r["metrics"].get(metric, float("nan"))) for r in rows
            if r["arm"] == arm and r["status"] == "done"}


def family(name: str) -> str:
    """A swept arm's name without its '[param=value]' suffix."""
    return re.sub(r" \[.*\]$", "", name)


def is_oracle(arm: Any) -> bool:
    """An arm whose overseer sees everything and judges by the true reward: the control a
    question's condition is measured against when the question has one."""
    return (getattr(arm, "overseer", "") == "oracle"
            and getattr(arm, "overseer_values", "true") == "true")


def claim_pair(arms: Sequence[Any]) -> tuple[Any, Any] | None:
    """Which two of a question's arms its claim compares: the question's first arm (the
    condition under study, by the catalogue's convention of listing the failing case first)
    and its control: the oracle arm where the question has one and the first arm is not it
    (specification gaming: the specified reward's arm against the oracle, not against a lay
    overseer), else its last arm (the remedy). In a sweep, the variants of the two arm
    families at the same swept values, the last such pair (the largest values); without one,
    the last variant of each. None for a question with a single arm."""
    if len(arms) < 2:
        return None
    first = family(arms[0].name)
    oracles = [a for a in arms if is_oracle(a) and family(a.name) != first]
    control = oracles[-1] if oracles and not is_oracle(arms[0]) else arms[-1]
    last = family(control.name)
    if first == last:  # one family swept: its first variant against its last
        return arms[0], arms[-1]
    firsts = [a for a in arms if family(a.name) == first]
    lasts = [a for a in arms if family(a.name) == last]
    same = [(a, b) for a in firsts for b in lasts if a.swept == b.swept]
    return same[-1] if same else (firsts[-1], lasts[-1])


def make_claim(question: str, world: str, better: Any, other: Any, rows: Rows, metric: str,
               measure: str, higher_is_better: bool, shown_in: str, percent: bool = False,
               short: Any = None) -> Claim:
    """The claim that arm `better` beats arm `other` on `metric`, decided by their paired
    difference over seeds."""
    name = short or (lambda a: a.name)
    diff = paired_difference(seed_values(rows, other.name, metric),
                             seed_values(rows, better.name, metric))
    return Claim(question, world, name(better), name(other), measure, higher_is_better, diff,
                 shown_in, percent)

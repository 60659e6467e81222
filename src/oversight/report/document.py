"""The intermediate document every writer renders (HTML, Markdown, LaTeX), so they never disagree.

Text is plain Unicode with three inline marks that each writer translates: `[@key]` or
`[@key1; @key2]` cites papers in `references.BIB`, `` `code` `` is monospace, and `[#name]`
refers to the table or figure of that name ("Table 3", "Figure 1", numbered in order of
appearance, each kind separately, as LaTeX numbers them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oversight.report.claims import Claim, sentence, title_of

if TYPE_CHECKING:  # matplotlib costs about a CPU-second to import: only where figures are drawn
    from matplotlib.figure import Figure

CITE = re.compile(r"\[(@[\w-]+(?:;\s*@[\w-]+)*)\]")


def cited_keys(match: re.Match[str]) -> list[str]:
    return [k.strip().removeprefix("@") for k in match.group(1).split(";")]
CODE = re.compile(r"`([^`]+)`")
REF = re.compile(r"\[#([\w-]+)\]")
NUMERIC = re.compile(r"^[−+\-]?[\d.,]*\d[\d.,]*\s*(%|pp)?( ± [\d.]+)?(\s*\[[^\]]*\])?$|^–$|^∞$")


def numeric_column(t: Table, i: int) -> bool:
    """Whether column i holds numbers (right-aligned by the writers; text is left-aligned)."""
    return i > 0 and all(NUMERIC.match(row[i].strip()) for row in t.rows if row[i].strip())


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    name: str = ""  # for [#name] references; unique in the document when given
    note: str = ""  # printed under the table (what a dash means, ...)


@dataclass(frozen=True)
class FigureBlock:
    name: str  # file stem, unique in the document
    caption: str
    figure: Figure


Block = str | Table | FigureBlock  # a paragraph, a table or a figure


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


Answer = Claim | str  # a question's claim, or a sentence where no claim can be made


@dataclass(frozen=True)
class Document:
    """setting: what was done (the abstract's second paragraph); questions: each question with
    its answer, in order, from which the abstract's first paragraph, the findings, is written:
    one sentence per question (its answer, the deciding number with its interval, whether
    beyond seed noise), so a reader learns every answer first."""

    title: str
    subtitle: str
    setting: str
    sections: tuple[Section, ...]
    questions: tuple[tuple[str, Answer], ...] = ()

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Each question's claim, where it has one (the claims table shows them)."""
        return tuple(a for _, a in self.questions if isinstance(a, Claim))

    @property
    def findings(self) -> tuple[str, ...]:
        """Per question one sentence: a claim's as claims.sentence writes it."""
        return tuple(sentence(a, title_of(q)) if isinstance(a, Claim) else a
                     for q, a in self.questions if a)

    @property
    def abstract_paragraphs(self) -> tuple[str, ...]:
        """The abstract as the writers print it: the findings, then the setting."""
        return tuple(p for p in (" ".join(self.findings), self.setting) if p)

    @property
    def abstract(self) -> str:
        """The abstract as one text, paragraphs separated by a blank line (a feed's summary)."""
        return "\n\n".join(self.abstract_paragraphs)

    def citations(self) -> list[str]:
        """Cited keys, in order of first appearance."""
        texts = [*self.abstract_paragraphs] + [
            b if isinstance(b, str) else b.caption for s in self.sections for b in s.blocks
        ] + [b.note for b in self.tables()]
        return list(dict.fromkeys(k for t in texts for m in CITE.finditer(t)
                                  for k in cited_keys(m)))

    def figures(self) -> list[FigureBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, FigureBlock)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def numbering(self) -> dict[str, str]:
        """'Table N' / 'Figure N' of every named table and figure, in order of appearance."""
        out: dict[str, str] = {}
        tables = figures = 0
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    tables += 1
                    if b.name:
                        out[b.name] = f"Table {tables}"
                elif isinstance(b, FigureBlock):
                    figures += 1
                    out[b.name] = f"Figure {figures}"
        return out


Piece = tuple[str, str]  # (kind, content): text, code, ref (a name) or cite ("key1;key2")


def pieces(text: str) -> list[Piece]:
    """Split prose into plain text and its marks, so each writer escapes only the plain text
    (a raw `<script>` or `\\input` in an arm's name stays text in every format)."""
    marks = sorted([*CITE.finditer(text), *CODE.finditer(text), *REF.finditer(text)],
                   key=lambda m: m.start())
    out: list[Piece] = []
    last = 0
    for m in marks:
        if m.start() < last:
            continue
        if m.start() > last:
            out.append(("text", text[last:m.start()]))
        if m.re is CITE:
            out.append(("cite", ";".join(cited_keys(m))))
        elif m.re is CODE:
            out.append(("code", m.group(1)))
        else:
            out.append(("ref", m.group(1)))
        last = m.end()
    if last < len(text):
        out.append(("text", text[last:]))
    return out


def refs(text: str, numbering: dict[str, str]) -> str:
    """Replace every [#name] by its 'Table N' / 'Figure N' (unknown names are left as they are:
    a bug in the builder, visible in the output rather than silently dropped)."""
    return REF.sub(lambda m: numbering.get(m.group(1), m.group(0)), text)

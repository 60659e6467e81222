"""The intermediate document every writer renders (HTML, Markdown, LaTeX), so they never disagree.

Text is plain Unicode with two inline marks that each writer translates: `[@key]` or
`[@key1; @key2]` cites papers in `references.BIB`, and `` `code` `` is monospace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matplotlib.figure import Figure

CITE = re.compile(r"\[(@[\w-]+(?:;\s*@[\w-]+)*)\]")


def cited_keys(match: re.Match[str]) -> list[str]:
    return [k.strip().removeprefix("@") for k in match.group(1).split(";")]
CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


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


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    abstract: str
    sections: tuple[Section, ...]

    def citations(self) -> list[str]:
        """Cited keys, in order of first appearance."""
        texts = [self.abstract] + [
            b if isinstance(b, str) else b.caption for s in self.sections for b in s.blocks
        ]
        return list(dict.fromkeys(k for t in texts for m in CITE.finditer(t)
                                  for k in cited_keys(m)))

    def figures(self) -> list[FigureBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, FigureBlock)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

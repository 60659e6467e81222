"""The episode's script: the document rewritten for listening, one chapter per section.

A listener cannot look back at a table, so the script opens with what was done and then the
findings (every claim with its verdict and its deciding number, said once), then reads the
sections as chapters: prose as it is (numbers spoken), each table summarised in a sentence or
two (what it lists, and for a results table the best and worst arm) rather than read cell by
cell, each figure by what it shows. Pure: `script(doc)` returns text; audio.py narrates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oversight.report.claims import Claim
from oversight.report.document import Document, FigureBlock, Table
from oversight.report.podcast.spoken import speak


@dataclass(frozen=True)
class Chapter:
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join((self.title + ".", *self.paragraphs))


def claim_paragraph(i: int, claim: Claim) -> str:
    """A claim as said aloud; it always says the verdict in words. A difference that was the
    same on every seed is said so, not as an interval from a number to itself."""
    said = f"Claim {i}: {claim.statement}. Verdict: {claim.verdict}."
    d = claim.diff
    if claim.verdict != "not measured":
        seeds = f"{d.n} paired seed{'s' if d.n != 1 else ''}"
        if d.low == d.high:
            said += f" The difference is {claim.figure().split(' [')[0]} on each of {seeds}."
        else:
            said += f" The difference is {claim.figure()}, over {seeds}."
    return speak(said)


def _first_clause(caption: str) -> str:
    """A caption's gist: its first sentence up to a colon or semicolon, without its asides in
    parentheses (a one-word one such as the world's name stays) or a leading question number."""
    plain = re.sub(r"\s*\([^)]*\s[^)]*\)", "", re.sub(r"^\d+\.\s*", "", caption))
    return re.split(r"\. |[:;]", plain, maxsplit=1)[0].strip().rstrip(".")


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def table_summary(t: Table) -> str:
    """What a table holds, in a sentence or two (never cell by cell)."""
    names = [row[0] for row in t.rows]
    shown = names if len(names) <= 6 else [*names[:5], f"{len(names) - 5} more"]
    said = (f"A table, {_first_clause(t.caption)}, has {len(t.rows)} "
            f"row{'s' if len(t.rows) != 1 else ''}: {_list(list(dict.fromkeys(shown)))}.")
    if "true return" in t.header and len(t.rows) > 1:
        col = t.header.index("true return")

        def value(row: tuple[str, ...]) -> float:
            m = re.match(r"[−\-]?\d+(?:\.\d+)?", row[col])
            return float(m.group(0).replace("−", "-")) if m else float("nan")

        ranked = sorted((r for r in t.rows if value(r) == value(r)), key=value)
        if ranked:
            said += (f" Highest true return: {ranked[-1][0]}, at {ranked[-1][col]}. Lowest: "
                     f"{ranked[0][0]}, at {ranked[0][col]}.")
    if "verdict" in t.header:
        col = t.header.index("verdict")
        values = [r[col] for r in t.rows]
        counts = {v: values.count(v) for v in dict.fromkeys(values)}
        said += " Verdicts: " + _list([f"{n} {v}" for v, n in counts.items()]) + "."
    return speak(said)


def figure_summary(f: FigureBlock) -> str:
    return speak(f"A figure shows {_first_clause(f.caption)[0].lower()}"
                 f"{_first_clause(f.caption)[1:]}.")


def script(doc: Document) -> list[Chapter]:
    """Chapters: an opening with every claim's verdict, then each section, then a close."""
    opening = [speak(f"This is the oversight-lab report on {doc.title.rstrip('.')}."),
               speak(doc.setting)]
    n = len(doc.questions)
    if n:
        opening.append(speak(f"The findings, question by question. There "
                             f"{'is' if n == 1 else 'are'} {n} question{'' if n == 1 else 's'}."))
    claims = 0
    for _, answer in doc.questions:  # the abstract's findings, each claim with its verdict
        if isinstance(answer, Claim):
            claims += 1
            opening.append(claim_paragraph(claims, answer))
        elif answer:
            opening.append(speak(answer))
    chapters = [Chapter("Findings", tuple(opening))]
    for section in doc.sections:
        paragraphs = []
        for block in section.blocks:
            if isinstance(block, Table):
                if block.name != "claims":  # the claims were read in the opening
                    paragraphs.append(table_summary(block))
            elif isinstance(block, FigureBlock):
                paragraphs.append(figure_summary(block))
            else:
                paragraphs.append(speak(block))
        chapters.append(Chapter(section.title, tuple(p for p in paragraphs if p)))
    chapters.append(Chapter("Close", (
        "That was the report, generated from the experiment's stored runs by oversight-lab. "
        "The written report has every table and figure, with the references.",)))
    return chapters


def text(chapters: list[Chapter]) -> str:
    """The whole script as plain text, chapters separated by a heading line."""
    return "\n\n".join(f"## Chapter {i}: {c.title}\n\n" + "\n\n".join(c.paragraphs)
                       for i, c in enumerate(chapters, 1)) + "\n"

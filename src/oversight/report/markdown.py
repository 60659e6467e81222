"""The report as a Markdown post: paste into a forum editor, upload the figure files beside it.

Every plain-text piece is escaped (HTML's `<`, `>`, `&` as entities; Markdown's emphasis, code
and table characters with a backslash, and brackets where they would open a link or an image),
so a name such as `<script>` or `[x](javascript:...)` is shown, never run or linked. Brackets
that cannot form a link ("0.54 [0.39, 0.69]") stay as they are, for people reading the source.
"""

from __future__ import annotations

import re
from pathlib import Path

from oversight.report.document import Document, FigureBlock, Table, numeric_column, pieces
from oversight.report.references import BIB

SPECIAL = re.compile(r"([\\`*_|~])")
LINK = re.compile(r"!(?=\[)|\](?=[(\[:])")  # an image's '!', a link's '](' / '][' / ']:'


def escape(text: str) -> str:
    """Markdown- and HTML-safe text."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return LINK.sub(lambda m: "\\" + m.group(0), SPECIAL.sub(r"\\\1", text))


def _block_start(text: str) -> str:
    """A paragraph that would start a heading, quote, list or rule starts escaped instead."""
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([#>+\-=])", r"\\\1", text))


def prose(text: str, numbering: dict[str, str] | None = None) -> str:
    out: list[str] = []
    for kind, content in pieces(text):
        match kind:
            case "text":
                out.append(_block_start(escape(content)) if not out else escape(content))
            case "code":
                out.append(f"`{content.replace('`', '')}`")
            case "ref":
                out.append((numbering or {}).get(content, escape(content)))
            case _:
                out.append("(" + "; ".join(BIB[k][0] for k in content.split(";")) + ")")
    return "".join(out)


def table(t: Table, number: str = "", numbering: dict[str, str] | None = None) -> str:
    def cells(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(escape(c).replace("\n", " ") for c in row) + " |"

    align = "|" + "|".join("---:" if numeric_column(t, i) else ":---"
                           for i in range(len(t.header))) + "|"
    label = f"{number}. " if number else ""
    lines = [f"**{label}{prose(t.caption, numbering)}**", "", cells(t.header), align,
             *(cells(r) for r in t.rows)]
    if t.note:
        lines += ["", f"*{prose(t.note, numbering)}*"]
    return "\n".join(lines)


def render(doc: Document, figure_dir: str = "figures") -> str:
    numbering = doc.numbering()
    parts = [f"# {escape(doc.title)}", f"*{prose(doc.subtitle)}*",
             *(("**Abstract.** " if i == 0 else "") + prose(p, numbering)
               for i, p in enumerate(doc.abstract_paragraphs))]
    tables = 0
    for i, section in enumerate(doc.sections, 1):
        parts.append(f"## {i}. {escape(section.title)}")
        for block in section.blocks:
            if isinstance(block, Table):
                tables += 1
                parts.append(table(block, f"Table {tables}", numbering))
            elif isinstance(block, FigureBlock):
                parts.append(f"![{escape(block.caption)}]({figure_dir}/{block.name}.png)\n\n"
                             f"*{numbering[block.name]}. {prose(block.caption, numbering)}*")
            else:
                parts.append(prose(block, numbering))
    parts.append("## References")
    parts += [f"- {BIB[k][0]}: {_title(BIB[k][1])}" for k in doc.citations()]
    return "\n\n".join(parts) + "\n"


def _title(bibtex: str) -> str:
    for line in bibtex.splitlines():
        if line.strip().startswith("title"):
            return line.split("=", 1)[1].strip().strip(",{}").replace("{", "").replace("}", "")
    return ""


def write(doc: Document, folder: Path) -> Path:
    figures = folder / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for block in doc.figures():
        block.figure.savefig(figures / f"{block.name}.png", dpi=150)
    path = folder / "post.md"
    path.write_text(render(doc), encoding="utf-8")
    return path

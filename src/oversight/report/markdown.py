"""The report as a Markdown post: paste into a forum editor, upload the figure files beside it."""

from __future__ import annotations

from pathlib import Path

from oversight.report.document import CITE, Document, FigureBlock, Table, cited_keys
from oversight.report.references import BIB


def prose(text: str) -> str:
    return CITE.sub(lambda m: "(" + "; ".join(BIB[k][0] for k in cited_keys(m)) + ")", text)


def table(t: Table) -> str:
    def cells(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"

    align = "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(t.header))) + "|"
    return "\n".join([f"**{prose(t.caption)}**", "", cells(t.header), align,
                      *(cells(r) for r in t.rows)])


def render(doc: Document, figure_dir: str = "figures") -> str:
    parts = [f"# {doc.title}", f"*{prose(doc.subtitle)}*", f"**Abstract.** {prose(doc.abstract)}"]
    for i, section in enumerate(doc.sections, 1):
        parts.append(f"## {i}. {section.title}")
        for block in section.blocks:
            if isinstance(block, Table):
                parts.append(table(block))
            elif isinstance(block, FigureBlock):
                parts.append(f"![{block.caption}]({figure_dir}/{block.name}.png)\n\n"
                             f"*{prose(block.caption)}*")
            else:
                parts.append(prose(block))
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

"""The report as one self-contained HTML page: figures embedded as PNG data, no network."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from oversight.report.document import Document, FigureBlock, Table, numeric_column, pieces
from oversight.report.references import BIB


def prose(text: str, numbering: dict[str, str] | None = None) -> Markup:
    """Escape a paragraph's text, and render its `code`, [#ref] and [@citation] marks."""
    out = []
    for kind, content in pieces(text):
        match kind:
            case "text":
                out.append(html.escape(content))
            case "code":
                out.append(f"<code>{html.escape(content)}</code>")
            case "ref":
                label = (numbering or {}).get(content, content)
                kind_ = "tab" if label.startswith("Table") else "fig"
                out.append(f'<a href="#{kind_}-{html.escape(content)}">{html.escape(label)}</a>')
            case _:
                out.append("(" + "; ".join(f'<a href="#ref-{k}">{BIB[k][0]}</a>'
                                           for k in content.split(";")) + ")")
    return Markup("".join(out))


def png_data(block: FigureBlock) -> str:
    buffer = io.BytesIO()
    block.figure.savefig(buffer, format="png", dpi=150)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def render(doc: Document) -> str:
    env = Environment(loader=PackageLoader("oversight.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    numbering = doc.numbering()
    env.filters["prose"] = lambda text: prose(text, numbering)
    env.filters["id"] = id
    env.filters["numeric"] = lambda t: [numeric_column(t, i) for i in range(len(t.header))]
    env.tests["table"] = lambda b: isinstance(b, Table)
    env.tests["figure"] = lambda b: isinstance(b, FigureBlock)
    images = {f.name: png_data(f) for f in doc.figures()}
    refs = [(k, BIB[k][1]) for k in doc.citations()]
    tables = {id(t): f"Table {i}" for i, t in enumerate(doc.tables(), 1)}
    return env.get_template("report.html.j2").render(doc=doc, images=images, refs=refs,
                                                     numbering=numbering, tables=tables)


def write(doc: Document, folder: Path) -> Path:
    path = folder / "index.html"
    path.write_text(render(doc), encoding="utf-8")
    return path

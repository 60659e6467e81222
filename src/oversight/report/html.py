"""The report as one self-contained HTML page: figures embedded as PNG data, no network."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from oversight.report.document import CITE, CODE, Document, FigureBlock, Table, cited_keys
from oversight.report.references import BIB


def prose(text: str) -> Markup:
    """Escape a paragraph, then render its `code` and [@citation] marks."""
    out = html.escape(text)
    out = CODE.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    out = CITE.sub(lambda m: "(" + "; ".join(
        f'<a href="#ref-{k}">{BIB[k][0]}</a>' for k in cited_keys(m)) + ")", out)
    return Markup(out)


def png_data(block: FigureBlock) -> str:
    buffer = io.BytesIO()
    block.figure.savefig(buffer, format="png", dpi=150)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def render(doc: Document) -> str:
    env = Environment(loader=PackageLoader("oversight.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["prose"] = prose
    env.tests["table"] = lambda b: isinstance(b, Table)
    env.tests["figure"] = lambda b: isinstance(b, FigureBlock)
    images = {f.name: png_data(f) for f in doc.figures()}
    refs = [(k, BIB[k][1]) for k in doc.citations()]
    return env.get_template("report.html.j2").render(doc=doc, images=images, refs=refs)


def write(doc: Document, folder: Path) -> Path:
    path = folder / "index.html"
    path.write_text(render(doc), encoding="utf-8")
    return path

"""A hostile arm name stays text in every format: HTML, Markdown, LaTeX and the podcast."""

from __future__ import annotations

import re
from pathlib import Path

from oversight.report import write_document
from oversight.report.build import build_document
from oversight.report.markdown import escape

from .helpers import rows, spec

EVIL = r"<script>alert(1)</script> [x](javascript:alert(1)) \input{/etc/passwd} $x$ & 50%"
EVIL_SPEC = f'''
name = "evil"
seeds = 2
[[arms]]
name = "camera-room/lay"
question = "q <b>bold</b>"
world = "camera-room"
overseer = "lay"
budget = {{ kind = "labels", amount = 80 }}
[[arms]]
name = 'camera-room/{EVIL}'
question = "q <b>bold</b>"
world = "camera-room"
overseer = "oracle"
budget = {{ kind = "labels", amount = 80 }}
'''


def test_names_are_escaped_in_every_format(tmp_path: Path) -> None:
    s = spec(EVIL_SPEC)
    data = rows({"camera-room/lay": {"true_return_norm_deploy": [0.1, 0.2]},
                 s.arms[1].name: {"true_return_norm_deploy": [0.9, 1.0]}})
    doc = build_document(s, data, {})
    assert any(EVIL in t for t in (doc.abstract, *(r[1] for r in doc.tables()[-1].rows)))
    written = write_document(doc, tmp_path, ("html", "md", "latex", "podcast"))
    page = written.paths["html"].read_text()
    post = written.paths["md"].read_text()
    tex = written.paths["latex"].read_text()
    for text in (page, post):
        assert "<script>" not in text and "<b>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert not re.search(r"(?<!\\)\]\(javascript", post)  # no link
    assert "[x\\](javascript:alert(1))" in post
    assert 'href="javascript' not in page and "[x](javascript:alert(1))" in page  # text
    assert "\\input{" not in tex and "\\textbackslash{}input\\{/etc/passwd\\}" in tex
    assert "\\$x\\$ \\& 50\\%" in tex
    assert (tmp_path / "podcast" / "script.txt").is_file()
    if "pdf" in written.paths:  # compiled: the name did not break or inject into the paper
        assert written.paths["pdf"].stat().st_size > 10_000


def test_markdown_escape_leaves_plain_brackets_for_readers() -> None:
    assert escape("0.54 [0.39, 0.69]") == "0.54 [0.39, 0.69]"
    assert escape("[a](b) ![c](d) a_b *c* |") == r"[a\](b) \![c\](d) a\_b \*c\* \|"
    assert not re.search(r"(?<!\\)\]\(", escape("[x](javascript:y)"))

"""Reports: an experiment's store becomes an HTML page, a Markdown post, a LaTeX paper and a
podcast episode, all rendered from one document.

The renderers (and matplotlib, about a CPU-second to import) are imported when a report is
written, so that commands which write none (`oversight run --no-report`, `status`) and the
run's worker processes forked from them do not pay for them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oversight.experiments.runner import experiment_rows
from oversight.experiments.spec import ExperimentSpec
from oversight.experiments.store import Store

if TYPE_CHECKING:
    from oversight.report.document import Document
    from oversight.report.kinds import Kind

FORMATS = ("html", "md", "latex", "podcast")


def report_kinds() -> tuple[Kind, ...]:
    """The report kinds; the first that accepts an experiment's runs renders it (tabular
    accepts anything)."""
    from oversight.report.build import Tabular
    from oversight.report.deep import Deep
    from oversight.report.digits import Digits
    from oversight.report.lm import LM
    from oversight.report.w2s import WeakToStrongKind

    return (Digits(), WeakToStrongKind(), LM(), Deep(), Tabular())


@dataclass(frozen=True)
class Written:
    paths: dict[str, Path]
    notes: list[str]


def load_document(folder: Path) -> tuple[ExperimentSpec, Document]:
    """The document of the (latest) experiment stored in `folder`."""
    with Store(folder, create=False) as store:
        experiments = store.experiments()
        if not experiments:
            raise FileNotFoundError(f"{folder}: the store holds no experiment yet")
        spec = ExperimentSpec.model_validate(experiments[-1][1])
        rows = experiment_rows(spec, store)
        curves = {r["key"]: store.curves(r["key"]) for r in rows if r["status"] == "done"}
    from oversight.report.kinds import assemble

    kind = next(k for k in report_kinds() if k.accepts(spec, rows))
    return spec, assemble(kind.parts(spec, rows, curves))


def write_report(folder: Path, formats: tuple[str, ...] = FORMATS) -> Written:
    """Write `folder/report/` in the requested formats; returns the paths and any notes."""
    _, doc = load_document(folder)
    return write_document(doc, folder / "report", formats)


def write_document(doc: Document, out: Path, formats: tuple[str, ...] = FORMATS) -> Written:
    """Render a document into `out` as index.html, post.md + figures, paper/, arxiv.tar.gz and
    podcast/ (script.txt; episode, chapters and feed.xml where espeak-ng is installed)."""
    import matplotlib.pyplot as plt

    from oversight.report import html, latex, markdown, podcast

    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    notes: list[str] = []
    try:
        if "html" in formats:
            paths["html"] = html.write(doc, out)
        if "md" in formats:
            paths["md"] = markdown.write(doc, out)
        if "latex" in formats:
            paper = out / "paper"
            paths["latex"] = latex.write(doc, paper)
            compiled, message = latex.compile_pdf(paper)
            if compiled:
                paths["pdf"] = paper / "paper.pdf"
            else:
                notes.append(message)
            paths["arxiv"] = latex.bundle(paper, out / "arxiv.tar.gz")
        if "podcast" in formats:
            episode = podcast.write(doc, out / "podcast")
            paths |= {f"podcast {k}" if k != "episode" else "podcast": v
                      for k, v in episode.paths.items()}
            if episode.note:
                notes.append(episode.note)
    finally:
        for f in doc.figures():
            plt.close(f.figure)
    return Written(paths, notes)

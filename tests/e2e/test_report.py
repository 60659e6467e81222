"""Reports: the document holds the right numbers; the page, the paper and the bundle render."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest

from oversight.experiments.runner import run_experiment, summarise
from oversight.experiments.spec import parse
from oversight.report import load_document, write_report
from oversight.report.build import build_document
from oversight.report.document import Document, Table
from oversight.report.latex import absolute_paths
from oversight.report.tables import fmt

SPEC = """
name = "report-test"
description = "Does a camera-trained robot hide dirt?"
seeds = 2
[defaults]
world = "camera-room"
budget = { kind = "labels", amount = 80 }
rlhf = { rounds = 2, episodes_per_round = 60 }
[[arms]]
name = "camera-room/lay"
question = "overseer is wrong"
overseer = "lay"
[[arms]]
name = "camera-room/expert"
question = "overseer is wrong"
overseer = "expert"
"""


def need(tool: str) -> None:
    """Skip without the tool on a developer machine; CI installs it, so there it must exist."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; .ci/run should have installed it")
        pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("experiment")
    run_experiment(parse(SPEC, "report-test.toml"), out, "serial")
    write_report(out)
    return out


def fake_rows(values: dict[str, list[float]]) -> list[dict[str, object]]:
    return [{"key": f"{arm}-{seed}", "arm": arm, "seed": seed, "status": "done",
             "metrics": {"true_return_norm_deploy": v, "perceived_return_norm_deploy": 1.0,
                         "deception_rate_deploy": 0.5, "abstain_rate": 0.0, "labels": 10.0,
                         "overseer_seconds": 3600.0}}
            for arm, vs in values.items() for seed, v in enumerate(vs)]


def first_results(doc: Document) -> Table:
    return next(t for t in doc.tables() if t.name.startswith("results-"))


def test_the_document_reports_exactly_the_stored_numbers() -> None:
    spec = parse(SPEC.replace("seeds = 2", "seeds = 4"), "x.toml")
    rows = fake_rows({"camera-room/lay": [0.1, 0.2, 0.3, 0.4],
                      "camera-room/expert": [0.9, 1.0, 1.1, 1.0]})
    doc = build_document(spec, rows, {})
    results = first_results(doc)
    assert results.header[:4] == ("arm", "true return", "perceived", "deceived")
    lay, expert = results.rows
    assert lay[0] == "lay" and lay[1].startswith("0.25 ± ") and lay[2] == "1.00"
    assert lay[3] == "50%" and lay[-2:] == ("10", "1.00")
    assert expert[1].startswith("1.00 ± ")
    diff = doc.tables()[-1]
    assert diff.rows[0][1:3] == ("expert vs lay", "0.75") and diff.rows[0][5] == "higher"
    assert ("in camera-room, the expert arm has a higher normalised true return on deployment "
            "levels than the lay arm: the difference is +0.75 [") in doc.abstract
    assert "beyond seed noise" in doc.abstract and "within seed noise" not in doc.abstract
    same = build_document(spec, fake_rows({"camera-room/lay": [0.1, 0.5, 0.2, 0.6],
                                           "camera-room/expert": [0.5, 0.1, 0.6, 0.2]}), {})
    assert same.tables()[-1].rows[0][5] == "within seed noise"
    assert "undecided; in camera-room, the expert and the lay arms differ" in same.abstract
    assert "within seed noise" in same.abstract


def test_the_report_of_a_stored_experiment_matches_its_summary(folder: Path) -> None:
    spec, doc = load_document(folder)
    summary = summarise(spec, [r for r in _rows(folder)])
    table = first_results(doc)
    for row, s in zip(table.rows, summary, strict=True):
        assert row[1] == fmt(s["true_return_norm_mean"], s["true_return_norm_ci95"])
    assert {f.name for f in doc.figures()} == {"returns", "rates", "learning"}
    for name in ("index.html", "post.md", "figures/returns.png", "paper/paper.tex",
                 "paper/references.bib", "paper/figures/returns.pdf", "arxiv.tar.gz"):
        assert (folder / "report" / name).is_file(), name
    post = (folder / "report" / "post.md").read_text()
    assert "| arm | true return |" in post and "![" in post and "figures/returns.png" in post
    assert all(c in post for c in table.rows[0])


def _rows(folder: Path) -> list[dict[str, object]]:
    from oversight.experiments.store import Store

    with Store(folder) as store:
        return store.runs()


def test_the_page_shows_every_figure_in_headless_chromium(folder: Path) -> None:
    need("chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.goto((folder / "report" / "index.html").as_uri())
        images = page.locator("figure img")
        assert images.count() == 3
        for i in range(images.count()):
            img = images.nth(i)
            assert img.evaluate("e => e.complete && e.naturalWidth > 0")
            shot = np.frombuffer(img.screenshot(type="png"), dtype=np.uint8)
            assert len(shot) > 2000  # a blank PNG compresses to almost nothing
        text = page.inner_text("body")
        browser.close()
    assert errors == []
    assert "overseer is wrong" in text and "References" in text


def test_the_paper_compiles_and_shows_the_results(folder: Path) -> None:
    need("latexmk")
    need("pdftotext")
    pdf = folder / "report" / "paper" / "paper.pdf"
    assert pdf.is_file()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.replace("−", "-")
    _, doc = load_document(folder)
    for row in first_results(doc).rows:
        for cell in row:
            assert cell.replace("−", "-") in text, cell
    assert "References" in text and "Christiano" in text


def test_the_arxiv_bundle_compiles_alone_in_an_empty_folder(folder: Path, tmp_path: Path) -> None:
    need("pdflatex")
    need("bibtex")
    with tarfile.open(folder / "report" / "arxiv.tar.gz") as tar:
        names = tar.getnames()
        assert all(not n.startswith("/") and ".." not in n for n in names)
        tar.extractall(tmp_path, filter="data")
    assert {"paper.tex", "references.bib", "paper.bbl", "figures/returns.pdf"} <= set(names)
    tex = (tmp_path / "paper.tex").read_text()
    assert absolute_paths(tex) == [] and str(folder) not in tex
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TEXMFVAR": str(tmp_path / ".tex")}
    for step in (["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
                 ["bibtex", "paper"],
                 ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]):
        done = subprocess.run(step, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "paper.pdf").stat().st_size > 10_000
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert "Citation" not in log or "undefined" not in log


def test_report_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from oversight.cli import app

    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "no results store here" in result.output
    bad = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "pdf"])
    assert bad.exit_code == 2 and "html,md,latex" in bad.output


def test_fmt() -> None:
    assert fmt(0.38, 0.151) == "0.38 ± 0.15" and fmt(-0.2, 0.001) == "−0.20"
    assert fmt(0.81, 0.05, pct=True) == "81% ± 5" and fmt(math.nan) == "–"


def test_failure_tables_sum_the_classifications_over_seeds() -> None:
    spec = parse(SPEC.replace('overseer = "lay"', 'overseer = "lay"\nanalyses = ["failures"]'),
                 "x.toml")
    rows = fake_rows({"camera-room/lay": [0.1, 0.2], "camera-room/expert": [1.0, 1.0]})
    for seed, row in enumerate(rows[:2]):
        row["metrics"] |= {"failures": 10.0, "failure_episodes": 20.0,  # type: ignore[operator]
                           "failures|reward_model|outer|never-seen": 6.0 + seed,
                           "failures|reward_model|inner|reinforced": 4.0 - seed}
    doc = build_document(spec, rows, {})
    table = next(t for t in doc.tables() if t.caption.startswith("Failures of camera-room/lay"))
    assert "20 failures in 40 deployment episodes over 2 seeds" in table.caption
    assert table.header == ("objective label", "reinforced", "seen-and-penalised",
                            "seen-no-signal", "never-seen", "degree-only", "share")
    assert table.rows == (("reward model: outer", "0", "0", "0", "13", "0", "65%"),
                          ("reward model: inner", "7", "0", "0", "0", "0", "35%"))

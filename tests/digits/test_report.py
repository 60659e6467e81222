"""The digits experiment renders through the shared report writers."""

from __future__ import annotations

from pathlib import Path

from oversight.digits.experiment import Row
from oversight.report import write_document
from oversight.report.digits import digits_document


def row(condition: str, k: int, mean: float, first: str = "") -> Row:
    return Row(condition, first, "standard", "accuracy", k, mean, mean - 0.01, mean + 0.01,
               (mean,), "48.2" if condition == "judge alone" and k == 4 else "", "")


ROWS = [row("judge alone", 4, 0.474), row("judge alone", 6, 0.592),
        row("random second label", 4, 0.856), row("random second label", 6, 0.904),
        row("debate: greedy vs greedy", 4, 0.863, "honest"),
        row("debate: greedy vs greedy", 6, 0.894, "honest")]


def test_document_states_the_measured_numbers(tmp_path: Path) -> None:
    doc = digits_document(ROWS, seeds=1)
    results = next(s for s in doc.sections if s.title == "Results").blocks
    assert isinstance(results[1], str)  # the per-k numbers follow the claims, not in the abstract
    assert "the judge alone is 47.4% [46.4, 48.4]" in results[1]
    assert "greedy debate gives 86.3%" in results[1] and "minimax" not in results[1]
    assert "47.4%" not in doc.abstract
    assert [c.question for c in doc.claims] == [  # grouped per question, then by k
        "does debate help the sparse judge (k = 4)", "does debate help the sparse judge (k = 6)",
        "is debate more than the two-label control (k = 4)",
        "is debate more than the two-label control (k = 6)"]
    assert [f.split(":")[0] for f in doc.findings] == [
        "Does debate help the sparse judge (k = 4)", "Does debate help the sparse judge (k = 6)",
        "Is debate more than the two-label control (k = 4)",
        "Is debate more than the two-label control (k = 6)"]
    claims, headline, full = doc.tables()
    assert claims.name == "claims" and len(claims.rows) == 4  # two per k
    assert headline.rows[0] == ("judge alone", "47.4 [46.4, 48.4]", "59.2 [58.2, 60.2]",
                                "MNIST: 48.2 / –")
    assert any("47.4 [46.4, 48.4]" in line for line in full.rows)
    written = write_document(doc, tmp_path, ("html", "md"))
    post = written.paths["md"].read_text()
    assert "47.4 [46.4, 48.4]" in post and "figures/digits-accuracy.png" in post
    assert (tmp_path / "figures" / "digits-accuracy.png").stat().st_size > 5000
    assert "Irving et al., 2018" in written.paths["html"].read_text()

"""The hidden-cost experiment writes its table; the CLI refuses bad options without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from oversight.cli import app
from oversight.experiments.hidden_cost import Row, markdown, summary


def test_table_says_who_pays_the_invisible_cost() -> None:
    rows = [Row("oracle", 0, 100.0, 150.0, -50.0), Row("lay-guess", 0, 80.0, 200.0, -120.0)]
    text = markdown("HalfCheetah-v5", rows, 1000, 10)
    assert "| true return | reward_forward | reward_ctrl |" in text
    assert "| lay-guess | sees the task reward only | 80.0 | 200.0 | -120.0 |" in text
    assert "(oracle − blind): 20.0" in text and "pays more control cost" in text
    assert summary(rows)["oracle"]["ctrl"] == -50.0


def test_cli_runs_a_tiny_hidden_cost_and_rejects_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["hidden-cost", "--seeds", "0", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    ok = runner.invoke(app, ["hidden-cost", "--seeds", "1", "--steps", "1000", "--labels", "6",
                             "--env", "Reacher-v5", "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    data = json.loads((tmp_path / "hidden_cost.json").read_text())
    assert {r["overseer"] for r in data["runs"]} == {"oracle", "lay-guess"}
    assert (tmp_path / "hidden_cost.md").read_text().startswith("Hidden cost on Reacher-v5")

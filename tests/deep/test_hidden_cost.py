"""`oversight run hidden-cost` through the engine: stored runs with judgments, resumable and
reported, and numbers equal to those of the hidden-cost program it replaced."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from oversight.cli import app
from oversight.experiments.spec import CATALOG

# From the former `experiments/hidden_cost.py` run("Reacher-v5", seeds=1, steps=2000,
# labels=10) (explore_steps = steps // 4) before it became a catalogue experiment.
BEFORE = -12.838963605931362


def tiny(tmp_path: Path) -> Path:
    text = (CATALOG / "hidden-cost.toml").read_text()
    text = text.replace("seeds = 3", "seeds = 1").replace("amount = 200", "amount = 10")
    text = text.replace("total_steps = 50000", "total_steps = 2000")
    text = text.replace("explore_steps = 4096", "explore_steps = 500")
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def test_hidden_cost_runs_stores_and_reports_through_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(tiny(tmp_path)), "--out", str(out),
                                      "--executor", "serial"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out / "store.sqlite") as db:
        runs = db.execute("SELECT arm, status, metrics FROM runs").fetchall()
        judged = db.execute("SELECT first_start, detail FROM judgments").fetchall()
    assert sorted(arm for arm, _, _ in runs) == ["lay-guess", "oracle"]
    for _, status, metrics in runs:
        assert status == "done" and json.loads(metrics)["true_return"] == BEFORE
    assert len(judged) == 20  # 10 labels per arm, each with what the overseer judged
    first = json.loads(judged[0][1])
    assert judged[0][0] == -1 and set(first["first"]) == {"reward_dist", "reward_ctrl"}
    assert (out / "report" / "index.html").is_file()
    status = CliRunner().invoke(app, ["status", str(out)])
    assert status.exit_code == 0 and "2 done" in " ".join(status.output.split()), status.output


def test_the_alias_refuses_bad_options_without_a_traceback(tmp_path: Path) -> None:
    bad = CliRunner().invoke(app, ["hidden-cost", "--seeds", "0", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output and "--seeds" in bad.output

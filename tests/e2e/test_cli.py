"""The command line end to end: list, run, resume, determinism, clear errors."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oversight.cli import app
from oversight.experiments.spec import load
from oversight.experiments.store import Store
from oversight.schemes.rlhf import RLHF

TINY = """
name = "tiny"
description = "two cheap arms"
seeds = 2

[defaults]
budget = { kind = "labels", amount = 60 }
rlhf = { rounds = 2, episodes_per_round = 60 }

[[arms]]
name = "lay"
question = "doesn't know"
world = "hidden-hazard"
overseer = "lay"

[[arms]]
name = "expert"
question = "doesn't know"
world = "hidden-hazard"
overseer = "expert"
"""

REQUIRED = [
    "arm",
    "world",
    "overseer",
    "scheme",
    "n_seeds",
    "true_return_norm_mean",
    "true_return_norm_ci95",
    "perceived_return_norm_mean",
    "deception_rate_mean",
    "catastrophe_rate_train_mean",
    "catastrophe_rate_deploy_mean",
    "abstain_rate_mean",
    "labels_mean",
    "overseer_seconds_mean",
]

runner = CliRunner()


def write(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def test_list_names_the_default_experiment() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    name, description = result.output.splitlines()[0].split(maxsplit=1)
    assert name == "default" and "RLHF" in description


def test_show_prints_a_builtin_experiment_that_parses_back(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "default"])
    assert result.exit_code == 0
    copy = tmp_path / "copy.toml"
    copy.write_text(result.output)
    assert load(str(copy)) == load("default")
    assert runner.invoke(app, ["show", "nope"]).exit_code == 2


def test_status_of_a_folder_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", str(tmp_path)])
    assert result.exit_code == 2 and "no results store here" in result.output


def test_run_writes_the_summary_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(write(tmp_path)), "--out", str(out), "--workers", "1", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["arm"] for r in rows] == ["lay", "expert"]
    assert all(col in rows[0] for col in REQUIRED)
    assert rows[0]["n_seeds"] == "2" and float(rows[0]["labels_mean"]) == 60
    with Store(out) as store:
        first = {r["key"]: r for r in store.runs()}
    assert len(first) == 4 and all(r["status"] == "done" for r in first.values())
    again = runner.invoke(
        app,
        [
            "run",
            str(write(tmp_path)),
            "--out",
            str(out),
            "--seeds",
            "3",
            "--workers",
            "1",
            "--no-report",
        ],
    )
    assert again.exit_code == 0, again.output
    with Store(out) as store:
        second = {r["key"]: r for r in store.runs()}
    assert len(second) == 6  # only seed 2 of each arm ran
    assert all(second[k]["finished"] == r["finished"] for k, r in first.items())


def test_same_seed_gives_an_identical_summary(tmp_path: Path) -> None:
    spec = write(tmp_path)
    for name, workers in (("a", "1"), ("b", "2")):
        result = runner.invoke(
            app,
            ["run", str(spec), "--out", str(tmp_path / name), "--workers", workers, "--no-report"],
        )
        assert result.exit_code == 0, result.output
    a, b = ((tmp_path / name / "summary.csv").read_text() for name in "ab")
    assert a == b


def test_bad_experiment_files_get_a_clear_error(tmp_path: Path) -> None:
    bad = TINY.replace('overseer = "expert"', 'overseer = "expret"').replace(
        "amount = 60", "amount = -5"
    )
    result = runner.invoke(app, ["run", str(write(tmp_path, bad)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "tiny.toml" in text
    assert "arms.1.overseer" in text and "did you mean 'expert'" in text
    assert "arms.0.budget.amount" in text and "greater than 0" in text
    assert not (tmp_path / "o").exists()
    missing = runner.invoke(app, ["run", "no-such-experiment"])
    assert missing.exit_code == 2 and "built-in: default" in " ".join(missing.output.split())
    params = TINY.replace('overseer = "lay"', 'overseer = "lay"\noverseer_params = { gamma = 0 }')
    result = runner.invoke(app, ["run", str(write(tmp_path, params)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "arms.0.overseer_params" in " ".join(result.output.split())
    broken = runner.invoke(app, ["run", str(write(tmp_path, "name = ")), "--out", str(tmp_path)])
    assert broken.exit_code == 2 and "not valid TOML" in broken.output


def test_a_failing_run_is_recorded_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RLHF.run

    def flaky(self: RLHF, world: Any, overseer: Any, budget: Any, rng: Any) -> Any:
        if overseer.name == "lay":
            raise RuntimeError("the lay labeller walked out")
        return original(self, world, overseer, budget, rng)

    monkeypatch.setattr(RLHF, "run", flaky)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(write(tmp_path)), "--out", str(out), "--workers", "1", "--no-report"]
    )
    assert result.exit_code == 1
    assert "run failed" in result.output and "walked out" in result.output
    with Store(out) as store:
        records = store.runs()
    assert sorted(r["status"] for r in records) == ["done", "done", "failed", "failed"]
    assert all("walked out" in r["error"] for r in records if r["status"] == "failed")
    status = runner.invoke(app, ["status", str(out)])
    assert status.exit_code == 0
    text = " ".join(status.output.split())
    assert "4 runs: 2 done, 0 running, 0 interrupted, 2 failed, 0 left" in text
    assert "lay seed 0: RuntimeError: the lay labeller walked out" in text

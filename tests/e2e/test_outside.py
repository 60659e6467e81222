"""A world and an overseer from a package outside src/ (tests/outside/corridor_pkg), named in an
experiment file by import reference or entry point, run end to end by `oversight run` under the
local and Ray executors; a misspelt reference is refused before anything runs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

OUTSIDE = Path(__file__).parents[1] / "outside"

SPEC = """
name = "corridor"
seeds = 2
[defaults]
world = "{world}"
world_params = {{ length = 4 }}
budget = {{ kind = "labels", amount = 30 }}
rlhf = {{ rounds = 2, episodes_per_round = 40, reward_model = {{ steps = 40 }} }}
[[arms]]
name = "oracle"
overseer = "oracle"
[[arms]]
name = "step-counter"
overseer = "corridor_pkg.overseers:step_counter"
"""


def oversight(*args: str, pythonpath: str = str(OUTSIDE)) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": os.pathsep.join(
        [pythonpath, *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "oversight.cli", *args], env=env, text=True,
                          capture_output=True, timeout=600)


def metrics(out: Path) -> dict[tuple[str, int], dict[str, float]]:
    with sqlite3.connect(out / "store.sqlite") as db:
        rows = db.execute("SELECT arm, seed, status, metrics FROM runs").fetchall()
    assert all(status == "done" for _, _, status, _ in rows), rows
    return {(arm, seed): json.loads(m) for arm, seed, _, m in rows}


def run(tmp_path: Path, world: str, *args: str, name: str = "out",
        pythonpath: str = str(OUTSIDE)) -> dict[tuple[str, int], dict[str, float]]:
    spec = tmp_path / "corridor.toml"
    spec.write_text(SPEC.format(world=world))
    out = tmp_path / name
    done = oversight("run", str(spec), "--out", str(out), "--no-report", *args,
                     pythonpath=pythonpath)
    assert done.returncode == 0, done.stdout + done.stderr
    return metrics(out)


def test_an_outside_world_runs_under_serial_and_local_executors(tmp_path: Path) -> None:
    serial = run(tmp_path, "corridor_pkg.worlds:make", "--executor", "serial", name="serial")
    local = run(tmp_path, "corridor_pkg.worlds:make", "--executor", "local", "--workers", "2",
                name="local")
    assert serial == local and len(serial) == 4
    report = oversight("report", str(tmp_path / "serial"), "--format", "html")
    assert report.returncode == 0, report.stdout + report.stderr
    page = (tmp_path / "serial" / "report" / "index.html").read_text()
    assert "corridor_pkg.worlds:make" in page and "A corridor with a coin" in page
    # the oracle learns the corridor's optimum (walk right, take the coin) and perceives what
    # is true; the outside overseer's values are the step cost alone, so what it perceives is a
    # cost (never above 0), whatever the policy does
    for seed in (0, 1):
        oracle, counter = serial[("oracle", seed)], serial[("step-counter", seed)]
        assert oracle["true_return_norm_deploy"] == pytest.approx(1.0)
        assert oracle["perceived_return_deploy"] == oracle["true_return_deploy"]
        assert counter["perceived_return_deploy"] <= 0 < oracle["true_return_deploy"]


def test_an_outside_world_runs_under_ray(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    serial = run(tmp_path, "corridor_pkg.worlds:make", "--executor", "serial", name="serial")
    ray = run(tmp_path, "corridor_pkg.worlds:make", "--executor", "ray", "--workers", "2",
              name="ray")
    assert serial == ray


def test_an_entry_point_names_an_outside_world(tmp_path: Path) -> None:
    dist = tmp_path / "site" / "corridor_pkg-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: corridor-pkg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[oversight.worlds]\ncorridor = "
                                           "corridor_pkg.worlds:make\n")
    by_name = run(tmp_path, "corridor", "--executor", "serial", name="by-name",
                  pythonpath=os.pathsep.join([str(OUTSIDE), str(tmp_path / "site")]))
    by_ref = run(tmp_path, "corridor_pkg.worlds:make", "--executor", "serial", name="by-ref")
    assert by_name.keys() == by_ref.keys()
    for key in by_ref:  # the same world: the same numbers (run keys differ by the name only)
        assert by_name[key] == by_ref[key]


@pytest.mark.parametrize(("world", "expected"), [
    ("corridor_pkg.worlds:mak", "has no attribute 'mak' (did you mean 'make'?)"),
    ("corridor_pkgg.worlds:make", "cannot import 'corridor_pkgg.worlds'"),
    ("corridor_pkg.worlds:ACTIONS", "is not callable"),
    ("corridor", "unknown world 'corridor'"),
])
def test_a_misspelt_reference_is_refused_before_anything_runs(
        tmp_path: Path, world: str, expected: str) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.format(world=world))
    done = oversight("run", str(spec), "--out", str(tmp_path / "out"))
    text = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2 and expected in text and "Traceback" not in text, text
    assert "bad.toml" in text and "world" in text
    assert not (tmp_path / "out").exists()

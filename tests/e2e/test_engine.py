"""The experiment engine: validation, sweeps, run keys, crash-safe resume, executors, export."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oversight.experiments import executors
from oversight.experiments.executors import Run, execute, execute_all
from oversight.experiments.export import export_runs
from oversight.experiments.runner import expand, run_experiment
from oversight.experiments.spec import SpecError, load, parse, run_key
from oversight.experiments.store import Store

SMALL = """
name = "small"
description = "cheap runs for engine tests"
seeds = 3

[defaults]
world = "hidden-hazard"
budget = { kind = "labels", amount = 60 }
rlhf = { rounds = 2, episodes_per_round = 60 }

[[arms]]
name = "oracle"
overseer = "oracle"

[[arms]]
name = "lay"
overseer = "lay"
"""

ARM = '[[arms]]\nname = "a"\nworld = "hidden-hazard"\noverseer = "oracle"\n'
GOOD = "name = 'x'\n" + ARM


def error_of(text: str) -> str:
    with pytest.raises(SpecError) as e:
        parse(text, "bad.toml")
    message = " ".join(str(e.value).split())
    assert message.startswith("bad.toml")
    return message


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("oracle", "oracel"), "unknown overseer 'oracel' (did you mean 'oracle'?)"),
    (GOOD + 'scheme = "rlfh"\n', "unknown scheme 'rlfh' (did you mean 'rlhf'?)"),
    (GOOD.replace("hidden-hazard", "hiden-hazard"), "did you mean 'hidden-hazard'?"),
    (GOOD + "budget = { amount = -3 }\n", "arms.0.budget.amount (arm 'a'): Input should be "
                                          "greater than 0 (given: -3)"),
    (GOOD + "budget = { kind = 'hours' }\n", "arms.0.budget.kind"),
    (GOOD + "colour = 'red'\n", "arms.0.colour (arm 'a'): Extra inputs are not permitted"),
    (GOOD + "rlhf = { rounds = 'many' }\n", "arms.0.rlhf.rounds"),
    (GOOD + "sweep = { 'rlhf.roundz' = [1, 2] }\n", "sweep over unknown field 'rlhf.roundz' "
                                                     "(did you mean 'rounds'?)"),
    (GOOD + "sweep = { 'budget.amount' = [] }\n", "expected a non-empty list of values"),
    (GOOD + "overseer_params = { mistake = 0.9 }\n", "invalid rationality ['mistake']"),
    (GOOD + "world_params = { horizonn = 5 }\n", "has no parameter(s) ['horizonn']"),
    ("name = 'x'\narms = []\n", "arms: List should have at least 1 item"),
    (ARM, "name: Field required"),
    ("[[arms]\nname = 1", "not valid TOML"),
    ("", "the file is empty"),
    ("name = 'x'\nseeds = 0\n" + ARM, "seeds: Input should be greater than or equal to 1"),
])
def test_bad_experiments_are_rejected_with_a_clear_message(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_a_path_that_is_not_toml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such experiment file"):
        load(str(tmp_path / "missing.toml"))
    binary = tmp_path / "image.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    with pytest.raises(SpecError, match="cannot be read as a TOML text file"):
        load(str(binary))


def test_sweeps_expand_into_every_combination() -> None:
    spec = parse("name = 'x'\nseeds = 2\n" + ARM + "sweep = { 'budget.amount' = [50, 100], "
                 "'overseer_params.mistake' = [0.0, 0.1, 0.2] }\n", "x.toml")
    assert len(spec.arms) == 6 and len(expand(spec)) == 12
    assert spec.arms[4].name == "a [budget.amount=100, overseer_params.mistake=0.1]"
    assert spec.arms[4].budget.amount == 100 and spec.arms[4].overseer_params == {"mistake": 0.1}
    assert spec.arms[4].swept == {"budget.amount": 100, "overseer_params.mistake": 0.1}
    assert len({r.key for r in expand(spec)}) == 12


def test_run_keys_are_stable_across_processes_and_track_every_parameter() -> None:
    spec = load("default")
    here = [run_key(spec.arms[0], s) for s in range(2)]
    code = ("from oversight.experiments.spec import load, run_key; a = load('default').arms[0];"
            "print(run_key(a, 0), run_key(a, 1))")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    assert here == there
    arm = spec.arms[0]
    variants = [
        arm.model_copy(update={"budget": arm.budget.model_copy(update={"amount": 401})}),
        arm.model_copy(update={"rlhf": arm.rlhf.model_copy(update={"explore": 0.3})}),
        arm.model_copy(update={"overseer_params": {"mistake": 0.1}}),
        arm.model_copy(update={"world_params": {"horizon": 31}}),
    ]
    assert len({run_key(a, 0) for a in variants} | {here[0]}) == 5
    assert run_key(arm.model_copy(update={"question": "reworded"}), 0) == here[0]


def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def metrics_by_key(folder: Path) -> dict[str, dict[str, float]]:
    with Store(folder) as store:
        return {r["key"]: r["metrics"] for r in store.runs()}


def test_sigkill_mid_experiment_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    spec_path, out = small(tmp_path), tmp_path / "killed"
    command = [sys.executable, "-m", "oversight.cli", "run", str(spec_path), "--out", str(out),
               "--workers", "2"]
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline, done = time.monotonic() + 120, 0
    while time.monotonic() < deadline and done < 2 and proc.poll() is None:
        time.sleep(0.05)
        if (out / "store.sqlite").exists():
            with sqlite3.connect(out / "store.sqlite") as db:
                try:
                    done = db.execute("SELECT COUNT(*) FROM runs WHERE status='done'").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
    assert proc.poll() is None, "the experiment finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(out) as store:
        partial = [r for r in store.runs() if r["status"] == "done"]
    assert 2 <= len(partial) < 6
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reference = tmp_path / "reference"
    run_experiment(load(str(spec_path)), reference, "serial")
    with sqlite3.connect(out / "store.sqlite") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM runs")]
        counts = db.execute("SELECT run, COUNT(*) FROM curves GROUP BY run").fetchall()
    assert len(keys) == len(set(keys)) == 6
    assert metrics_by_key(out) == metrics_by_key(reference)
    assert len({n for _, n in counts}) == 1  # no run's curve was written twice


def test_every_executor_gives_identical_metrics(tmp_path: Path) -> None:
    spec = load(str(small(tmp_path)))
    runs = expand(spec)[:4]
    serial = {r["key"]: r["metrics"] for r in execute_all(runs, "serial", 1)}
    local = {r["key"]: r["metrics"] for r in execute_all(runs, "local", 2)}
    assert serial == local


def test_ray_executor_on_a_local_instance_matches_serial(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    import ray

    spec = load(str(small(tmp_path)))
    runs = expand(spec)[:3]
    serial = {r["key"]: r["metrics"] for r in execute_all(runs, "serial", 1)}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    try:
        remote = {r["key"]: r["metrics"] for r in execute_all(runs, "ray", 2)}
        assert ray.is_initialized()  # the executor leaves a cluster it did not start alone
    finally:
        ray.shutdown()
    assert remote == serial


def test_store_keeps_curves_and_judgments_and_exports(tmp_path: Path) -> None:
    spec = load(str(small(tmp_path)))
    rows = run_experiment(spec, tmp_path / "out", "serial")
    assert [r["status"] for r in rows] == ["done"] * 6
    with Store(tmp_path / "out") as store:
        key = rows[0]["key"]
        judgments = store.judgments(key)
        assert len(judgments) == 60 and {j["overseer"] for j in judgments} == {"oracle"}
        assert len(judgments[0]["first_actions"]) == 12  # whole episodes of the horizon
        assert [m for m in store.curves(key)] == ["true_return_norm_train", "rm_val_loss"]
        for fmt in ("csv", "jsonl", "parquet"):
            assert export_runs(store, tmp_path / f"runs.{fmt}", fmt) == 6
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.num_rows == 6 and "metrics.true_return_norm_deploy" in table.column_names
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert first["config.world"] == "hidden-hazard" and "metrics.true_return_norm_deploy" in first
    header = (tmp_path / "runs.csv").read_text().splitlines()[0].split(",")
    assert "metrics.labels" in header and "config.budget.amount" in header


def _dies_on_seed_one(run: Run) -> dict[str, object]:
    """Stands in for `execute` in the pool's (forked) workers: seed 1 kills its process."""
    if run.seed == 1:
        os._exit(1)
    return execute(run)


def test_a_worker_that_dies_fails_its_own_run_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = expand(load(str(small(tmp_path))))  # 2 arms x seeds 0, 1, 2
    monkeypatch.setattr(executors, "execute", _dies_on_seed_one)
    records = {(r["arm"], r["seed"]): r for r in executors.local(runs, 2)}
    assert len(records) == 6
    for (arm, seed), r in records.items():
        if seed == 1:
            assert r["status"] == "failed" and "process" in r["error"], (arm, r)
        else:
            assert r["status"] == "done", (arm, r)

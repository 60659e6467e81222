"""`oversight run --executor ray --address` on a real multi-node Ray cluster: a head and two
worker nodes started with `ray start` (token authentication) inside private network and process
namespaces that have only loopback (ray_cluster.sh). The runs spread over both workers; one
worker is killed mid-experiment; Ray retries its lost task on the other; every run is stored
exactly once, with the metrics of a serial run."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import oversight.cli
from oversight.experiments import executors
from oversight.experiments.runner import expand, run_experiment
from oversight.experiments.spec import load
from oversight.experiments.store import Store

SCRIPT = Path(__file__).with_name("ray_cluster.sh")
NAMESPACES = ["unshare", "-rn", "-pf", "--mount-proc"]  # only loopback; our own process ids

EXPERIMENT = """
name = "ray-cluster"
description = "sixteen runs of a second or two each, to spread over a Ray cluster"
seeds = 8

[defaults]
world = "hidden-hazard"
budget = { kind = "labels", amount = 1000 }
rlhf = { rounds = 16, episodes_per_round = 400 }

[[arms]]
name = "oracle"
overseer = "oracle"

[[arms]]
name = "lay"
overseer = "lay"
"""


def cluster_environment() -> dict[str, str]:
    """This interpreter's `ray` and `oversight` first on PATH, and this checkout's package
    first on PYTHONPATH, for the driver and (through `ray start`) every Ray worker."""
    src = str(Path(oversight.cli.__file__).resolve().parents[1])  # a namespace package
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [src, env.get("PYTHONPATH")] if p)
    for name in ("RAY_ADDRESS", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        env.pop(name, None)
    return env


def skip_unless_possible() -> None:
    pytest.importorskip("ray")
    if shutil.which("ray", path=cluster_environment()["PATH"]) is None:
        pytest.skip("the ray command is not on PATH")
    try:
        namespaces = subprocess.run([*NAMESPACES, "ip", "link", "set", "lo", "up"],
                                    capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot make a private network namespace: {e}")
    if namespaces.returncode != 0:
        pytest.skip("unshare -rn -pf is not permitted here: "
                    f"{namespaces.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def work() -> Iterator[Path]:
    """A short scratch folder: Ray's Unix sockets live under it (a path has ~107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def stored(out: Path) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """(rows per run key, stored metrics JSON per done run, node per run) of a results store."""
    with sqlite3.connect(out / "store.sqlite") as db:
        counts = dict(db.execute("SELECT key, COUNT(*) FROM runs GROUP BY key").fetchall())
        metrics = dict(db.execute("SELECT key, metrics FROM runs WHERE status = 'done'"
                                  ).fetchall())
        nodes = dict(db.execute("SELECT run, node FROM nodes").fetchall())
    return counts, metrics, nodes


def left_in(netns: str) -> list[int]:
    """Processes still in the network namespace `netns` (e.g. 'net:[4026532177]')."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/ns/net") == netns:
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def test_an_address_where_nothing_listens_is_a_one_line_error() -> None:
    pytest.importorskip("ray")
    with socket.socket() as s:  # a loopback port that nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(RuntimeError, match=f"no Ray cluster answers at {address} "):
        next(executors.ray([], 1, address))


def test_a_run_ray_gave_no_record_for_says_why_in_one_line() -> None:
    exceptions = pytest.importorskip("ray.exceptions")
    missing = ModuleNotFoundError("No module named 'corridor_pkg'")  # not installed on a node
    failed = exceptions.RayTaskError("on_ray_node", "traceback", missing)
    assert executors.ray_failure(failed, exceptions.RayTaskError) == (
        "the Ray task failed on its node: ModuleNotFoundError: No module named 'corridor_pkg'")
    lost = executors.ray_failure(exceptions.WorkerCrashedError(), exceptions.RayTaskError)
    assert lost.startswith("Ray lost this run 4 times (its worker or node died): "
                           "WorkerCrashedError: ") and "\n" not in lost


# about 60 s on a shared 2-core machine: three `ray start`s, the Ray run, then a serial one.
# Sixteen runs, not eight: a worker node can start slowly and take only one or two of them, and
# the kill needs worker 1 to have stored a run while another is still to come.
@pytest.mark.slow
def test_runs_spread_over_nodes_and_survive_a_killed_node(tmp_path: Path, work: Path) -> None:
    skip_unless_possible()
    toml = tmp_path / "ray-cluster.toml"
    toml.write_text(EXPERIMENT)
    out = tmp_path / "ray"
    cluster = subprocess.run([*NAMESPACES, "bash", str(SCRIPT), str(work), "2", str(toml),
                              str(out), "1"], capture_output=True, text=True, timeout=400,
                             env=cluster_environment())
    report = f"stdout:\n{cluster.stdout}\nstderr:\n{cluster.stderr[-3000:]}"
    assert cluster.returncode == 0, report
    lines = [line.split() for line in cluster.stdout.splitlines()]
    workers = {w[2]: w[1] for w in lines if w[:1] == ["node"]}  # node id -> worker1 / worker2
    assert sorted(workers.values()) == ["worker1", "worker2"], report
    assert any(w[:2] == ["killed", "worker1"] for w in lines), report

    # the experiment completed: every run stored exactly once, all done, each on a worker node
    counts, metrics, nodes = stored(out)
    with Store(out, create=False) as store:
        assert store.nodes() == nodes
    expected = {r.key for r in expand(load(str(toml)))}
    assert set(counts) == expected and set(counts.values()) == {1}, counts
    assert set(metrics) == expected, "some runs are not done"
    assert set(nodes) == expected and set(nodes.values()) <= set(workers), nodes
    assert len(set(nodes.values())) == 2, "the runs did not spread over both worker nodes"
    per_node = {workers[n]: list(nodes.values()).count(n) for n in set(nodes.values())}
    print(f"runs per node (worker1 killed mid-experiment): {dict(sorted(per_node.items()))}")

    # the killed node's task was lost with it and retried (Ray's log of the driver says so)
    driver_logs = (work / "ray" / "session_latest" / "logs").glob("python-core-driver-*.log")
    assert any("NODE_DIED" in log.read_text(errors="replace") for log in driver_logs), report

    # the namespaces died with the script: no Ray process is left
    netns = next(w[1] for w in lines if w[:1] == ["netns"])
    assert left_in(netns) == []

    # the same metrics, bit for bit, as a serial run of the same experiment
    run_experiment(load(str(toml)), tmp_path / "serial", executor="serial")
    _, serial_metrics, serial_nodes = stored(tmp_path / "serial")
    assert serial_metrics == metrics
    assert serial_nodes == {}  # only the Ray executor says where a run ran
    assert all(json.loads(m) for m in metrics.values())

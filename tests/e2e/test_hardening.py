"""Issue 14, as a hostile user: every case under its "Why" gets a clear one-line error (exit 2,
no traceback) or plain text where markup was expected, and the database is unchanged.

The labelling server's cases (integers out of range, deep nesting, 404/405/431 as JSON, revoking
releases leases, CSV formula cells, a damaged labels file at `serve`) are in
tests/web/test_hardening.py; names escaped in post.md and HTML in tests/report/test_escaping.py.
Worker processes dying with their parent (kill -9, kill -TERM, Ctrl-C) are run here for real.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from oversight.cli import app
from oversight.experiments import spec as specs
from oversight.experiments.lock import LOCK_FILE, writer_lock
from oversight.experiments.store import STORE_FILE, Store
from oversight.web.db import LABELS_FILE, connect

SRC = Path(__file__).resolve().parents[2] / "src"
ARM = """
[[arms]]
name = "a"
world = "hidden-hazard"
overseer = "lay"
budget = { kind = "labels", amount = 20 }
rlhf = { rounds = 1, episodes_per_round = 20 }
"""
TINY = f'name = "tiny"\nseeds = 1\n{ARM}'
runner = CliRunner()


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def clear(result: Result, words: str, code: int = 2) -> None:
    """A clear refusal: the exit code, the words, no traceback, no exception escaping."""
    assert result.exit_code == code, result.output
    assert " ".join(words.split()) in " ".join(result.output.split()), result.output  # wrapped
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)


def write(folder: Path, text: str, name: str = "x.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def run_tiny(tmp_path: Path, text: str = TINY, *extra: str) -> tuple[Result, Path]:
    out = tmp_path / "out"
    result = cli("run", str(write(tmp_path, text)), "--executor", "serial", "--no-report",
                 "--out", str(out), *extra)
    return result, out


# --- validation: impossible, mistyped or oversized experiments never start --------------------

def _arm(line: str, world: str = "hidden-hazard") -> str:
    return (f'name = "v"\nseeds = 1\n[[arms]]\nname = "a"\nworld = "{world}"\n'
            f'overseer = "lay"\n{line}\n')


LARGE_SWEEP = ('sweep = { "budget.amount" = [' + ", ".join(str(i + 1) for i in range(1000))
               + '], "rlhf.rounds" = [' + ", ".join(str(i + 1) for i in range(1000)) + "] }")
INVALID = {
    "horizon 0": (_arm("world_params = { horizon = 0 }"), "horizon must be an integer in 1..1000"),
    "no training levels": (_arm("world_params = { n_train_levels = 0 }"), "n_train_levels"),
    "horizon 3.7": (_arm("world_params = { horizon = 3.7 }"), "horizon must be an integer"),
    "horizon true": (_arm("world_params = { horizon = true }"), "horizon must be an integer"),
    "horizon '30'": (_arm('world_params = { horizon = "30" }'), "world_params.horizon"),
    "horizon 10**9": (_arm("world_params = { horizon = 1000000000 }"), "1..1000"),
    "layout_seed -1": (_arm("world_params = { layout_seed = -1 }"), "layout_seed"),
    "n_dirt 25": (_arm("world_params = { n_dirt = 25 }", "camera-room"), "n_dirt"),
    "train_region 7": (_arm("world_params = { train_region = 7 }", "cheese-corner"),
                       "train_region"),
    "rate 1.5": (_arm("world_params = { train_opportunity_rate = 1.5 }", "lie-in-wait"),
                 "train_opportunity_rate"),
    "amount '30'": (_arm('budget = { amount = "30" }'), "budget.amount"),
    "amount true": (_arm("budget = { amount = true }"), "budget.amount"),
    "seeds true": ('name = "v"\nseeds = true\n' + ARM, "seeds"),
    "seeds 2.5": ('name = "v"\nseeds = 2.5\n' + ARM, "seeds"),
    "attention true": (_arm("overseer_params = { attention = true }"), "attention"),
    "mistake true": (_arm("overseer_params = { mistake = true }"), "mistake"),
    "abstain 1": (_arm("overseer_params = { abstain = 1 }"), "abstain"),
    "rounds 1e9": (_arm("rlhf = { rounds = 1e9 }"), "rlhf.rounds"),
    "rounds '8'": (_arm('rlhf = { rounds = "8" }'), "rlhf.rounds"),
    "seeds 10**9": ('name = "v"\nseeds = 1000000000\n' + ARM, "--allow-large"),
    "rounds 10**9": (_arm("rlhf = { rounds = 1000000000 }"), "--allow-large"),
    "episodes 10**9": (_arm("rlhf = { episodes_per_round = 1000000000 }"), "--allow-large"),
    "budget 10**12": (_arm("budget = { amount = 1e12 }"), "--allow-large"),
    "10**6 sweep": (_arm(LARGE_SWEEP), "1000000 combinations"),
    "name not a string": ('name = 3\n' + ARM, "name"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_or_oversized_experiment_is_refused_before_anything_runs(
        tmp_path: Path, case: str) -> None:
    text, words = INVALID[case]
    result, out = run_tiny(tmp_path, text)
    clear(result, words)
    assert not out.exists()  # nothing ran, nothing written


def test_seeds_on_the_command_line_are_capped_too(tmp_path: Path) -> None:
    result, out = run_tiny(tmp_path, TINY, "--seeds", "1000000000")
    clear(result, "--allow-large")
    assert not out.exists()


def test_the_caps_can_be_lifted_deliberately(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _arm("rlhf = { rounds = 1000000000 }")
    with pytest.raises(specs.SpecError, match="--allow-large"):
        specs.parse(text, "x.toml")
    monkeypatch.setenv("OVERSIGHT_ALLOW_LARGE", "1")
    assert specs.parse(text, "x.toml").arms[0].rlhf.rounds == 10**9


def test_every_builtin_experiment_still_validates() -> None:
    for name in specs.builtin_names():
        assert specs.load(name).arms


# --- every user-given string is text, never markup --------------------------------------------

def test_names_and_descriptions_with_brackets_print_as_text(tmp_path: Path) -> None:
    text = ('name = "x[/y]"\ndescription = "[bold red]x[/]"\nseeds = 1\n'
            + ARM.replace('name = "a"', 'name = "a[/b]"'))
    result, out = run_tiny(tmp_path, text)
    clear(result, "x[/y]: [bold red]x[/]", code=0)
    assert "a[/b]" in result.output
    clear(cli("status", str(out)), "x[/y]: 1 runs: 1 done", code=0)


def test_a_failed_swept_arms_label_and_error_show_in_status(tmp_path: Path) -> None:
    text = ('name = "s"\nseeds = 1\n'
            + ARM.replace("rlhf = {", 'sweep = { "world_params.horizon" = [5] }\nrlhf = {'))
    spec = specs.parse(text, "s.toml")
    (arm,) = spec.arms
    assert arm.name == "a [world_params.horizon=5]"
    with Store(tmp_path) as store:
        store.save_experiment(spec.name, spec.model_dump(mode="json"))
        store.record(spec.name, {"key": specs.run_key(arm, 0), "arm": arm.name, "seed": 0,
                                 "config": arm.resolved(), "status": "failed",
                                 "error": "ValueError: [bold red]boom[/]"})
    result = cli("status", str(tmp_path))
    clear(result, "failed a [world_params.horizon=5] seed 0: ValueError: [bold red]boom[/]",
          code=0)


def test_labeller_names_with_brackets_are_added_listed_and_revoked_as_text(
        tmp_path: Path) -> None:
    for name in ("[/oops]", "[bold red]ann[/]", "ann"):
        result = cli("labellers", "add", str(tmp_path), name)
        clear(result, f"labeller {name!r} (lay view)", code=0)
        assert len(result.output.strip().splitlines()[-1]) == 43  # the token, printed
    listed = cli("labellers", "list", str(tmp_path))
    clear(listed, "[/oops]", code=0)
    assert "[bold red]ann[/]" in listed.output  # not an impersonation of "ann" in red
    clear(cli("labellers", "revoke", str(tmp_path), "[/oops]"), "revoked '[/oops]'", code=0)
    clear(cli("labellers", "list", str(tmp_path)), "[/oops]", code=0)


# --- damaged stores: one sentence naming the file, the file left as it was --------------------

@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a finished tiny experiment, checkpointed into one file."""
    folder = tmp_path_factory.mktemp("finished")
    result, out = run_tiny(folder, TINY.replace("seeds = 1", "seeds = 2"))
    assert result.exit_code == 0, result.output
    with Store(out) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return out


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    page = 4096
    match how:
        case "garbage":
            path.write_bytes(bytes((i * 131 + 7) % 256 for i in range(len(data))))
        case "truncated":
            path.write_bytes(data[: len(data) // 2])
        case "overwritten page":  # a header that opens fine, a page inside a table overwritten
            path.write_bytes(data[: 3 * page] + bytes(range(256)) * 16 + data[4 * page:])
        case "random bytes":  # `dd` of random bytes over the first stored data past the middle
            at = next(i for i in range(len(data) // 2, len(data)) if data[i])
            noise = bytes(random.Random(0).randrange(256) for _ in range(64))
            path.write_bytes(data[:at] + noise + data[at + 64:])
        case "a metric changed":  # still valid JSON, still a number: only a checksum sees it
            at = data.index(b'"true_return_norm_deploy": ') + 27
            path.write_bytes(data[:at] + b"9" + data[at + 1:])
        case "empty":
            path.write_bytes(b"")
    for sidecar in ("-wal", "-shm"):
        Path(f"{path}{sidecar}").unlink(missing_ok=True)


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "status": lambda d: ["status", str(d)],
    "report": lambda d: ["report", str(d), "--format", "md"],
    "export": lambda d: ["export", str(d)],
    "run (resume)": lambda d: ["run", str(write(d.parent, TINY, "t.toml")), "--executor",
                               "serial", "--no-report", "--out", str(d)],
}


@pytest.mark.parametrize("how", ["garbage", "truncated", "overwritten page", "random bytes",
                                 "a metric changed"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_damaged_store_is_named_in_one_sentence_and_left_as_it_was(
        finished: Path, tmp_path: Path, command: str, how: str) -> None:
    folder = tmp_path / "out"
    shutil.copytree(finished, folder)
    damage(folder / STORE_FILE, how)
    before = (folder / STORE_FILE).read_bytes()
    clear(cli(*COMMANDS[command](folder)), "is damaged or not a results store")
    assert (folder / STORE_FILE).read_bytes() == before


def test_an_empty_store_file_is_not_a_store_for_read_only_commands(
        finished: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(finished, folder)
    damage(folder / STORE_FILE, "empty")
    clear(cli("status", str(folder)), "is damaged or not a results store")
    assert (folder / STORE_FILE).read_bytes() == b""


def test_read_only_commands_write_nothing(finished: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(finished, folder)
    before = (folder / STORE_FILE).read_bytes()
    clear(cli("status", str(folder)), "2 runs: 2 done", code=0)
    clear(cli("export", str(folder), "--out", str(tmp_path / "runs.csv")), "wrote 2 runs",
          code=0)
    assert (folder / STORE_FILE).read_bytes() == before


LABEL_COMMANDS = {
    "list": lambda d: ["labellers", "list", str(d)],
    "add": lambda d: ["labellers", "add", str(d), "eve"],
    "revoke": lambda d: ["labellers", "revoke", str(d), "ann"],
    "stats": lambda d: ["labellers", "stats", str(d), "--out", str(d / "s.csv")],
    "admin": lambda d: ["labellers", "admin", str(d)],
}


@pytest.mark.parametrize("how", ["garbage", "truncated", "overwritten page"])
@pytest.mark.parametrize("command", list(LABEL_COMMANDS))
def test_a_damaged_labels_file_is_named_in_one_sentence(tmp_path: Path, command: str,
                                                        how: str) -> None:
    from oversight.overseers.calibration import random_pairs
    from oversight.web import queue, tokens
    from oversight.worlds import make_world

    db = connect(tmp_path)
    world = make_world("camera-room")
    queue.post_batch(db, "b", "run", "camera-room", {}, world, random_pairs(world, 300, 0),
                     queue.Settings(), 0.0)
    tokens.add_labeller(db, "ann", False)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    damage(tmp_path / LABELS_FILE, how)
    before = (tmp_path / LABELS_FILE).read_bytes()
    clear(cli(*LABEL_COMMANDS[command](tmp_path)), "damaged or not a labels database")
    assert (tmp_path / LABELS_FILE).read_bytes() == before


def _read_only(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`oversight ARGS` with `folder` mounted read-only (a private mount namespace)."""
    script = (f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" '
              f'&& exec "{sys.executable}" -m oversight.cli "$@"')
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(SRC)}, cwd=folder.parent)


def _can_mount_read_only(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    try:
        r = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount --bind "{probe}" "{probe}" '
                            f'&& mount -o remount,ro,bind "{probe}" && ! touch "{probe}/x"'],
                           capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def test_a_read_only_folder_gets_clear_messages(finished: Path, tmp_path: Path) -> None:
    if not _can_mount_read_only(tmp_path):
        pytest.skip("no unprivileged mount namespaces here")
    folder = tmp_path / "out"
    shutil.copytree(finished, folder)
    for sidecar in ("-wal", "-shm"):  # a read-only reader cannot make them: it still reads
        Path(f"{folder / STORE_FILE}{sidecar}").unlink(missing_ok=True)
    before = (folder / STORE_FILE).read_bytes()
    expected = {
        ("status",): "2 runs: 2 done",
        ("export",): "cannot write",
        ("report", "--format", "md"): "cannot write the report",
        ("run", str(write(tmp_path, TINY, "t.toml")), "--executor", "serial",
         "--no-report"): "cannot write the results",
    }
    for args, words in expected.items():
        r = _read_only(folder, args[0], str(folder), *args[1:]) if args[0] != "run" else \
            _read_only(folder, *args, "--out", str(folder))
        output = r.stdout + r.stderr
        assert words in output and "Traceback" not in output, output
        assert r.returncode == (0 if args[0] == "status" else 2), output
    assert (folder / STORE_FILE).read_bytes() == before


# --- one writer per folder --------------------------------------------------------------------

def test_a_second_run_into_a_folder_being_written_is_refused(finished: Path,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(finished, folder)
    before = (folder / STORE_FILE).read_bytes()
    with writer_lock(folder):  # as a live `oversight run` holds it
        result = cli(*COMMANDS["run (resume)"](folder))
    clear(result, "is being written by another `oversight run`")
    assert f"pid {os.getpid()}" in " ".join(result.output.split())
    assert (folder / STORE_FILE).read_bytes() == before


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text("999999999 1700000000.0\n")  # a pid that cannot exist
    with writer_lock(tmp_path) as note:
        assert note is not None and "pid 999999999" in note and "no longer running" in note
        assert (tmp_path / LOCK_FILE).read_text().split()[0] == str(os.getpid())
    with writer_lock(tmp_path) as note:  # released cleanly: nothing to take over
        assert note is None


# --- paths ------------------------------------------------------------------------------------

def test_an_experiment_name_cannot_put_its_folder_outside_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    text = TINY.replace('name = "tiny"', 'name = "../../escaped"')
    result = cli("run", str(write(work, text)), "--executor", "serial", "--no-report")
    assert result.exit_code == 0, result.output
    assert [p.name[:8] for p in (work / "results").iterdir()] == ["escaped-"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]


def test_show_reads_only_builtin_experiments(tmp_path: Path) -> None:
    secret = write(tmp_path, 'name = "secret"\n', "secret.toml")
    relative = os.path.relpath(secret.with_suffix(""), specs.CATALOG)
    for name in (relative, str(secret.with_suffix("")), "../default", "default/../default"):
        result = cli("show", name)
        clear(result, "no built-in experiment")
        assert "secret" not in result.output.replace(name, "")
    clear(cli("show", "default"), 'name = "default"', code=0)


# --- workers die with their parent; Ctrl-C and kill -TERM stop at once -------------------------

SLOW = 'name = "slow"\nseeds = 8\n[[arms]]\nname = "a"\nworld = "camera-room"\noverseer = "lay"\n'


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _ignores_sigint(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = int(next(line for line in status.splitlines() if line.startswith("SigIgn:"))
               .split()[1], 16)
    return bool(mask & (1 << (signal.SIGINT - 1)))


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _start_with_workers(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """`oversight run` with a pool of 2 workers, returned once both workers are ready."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "oversight.cli", "run", str(write(tmp_path, SLOW)), "--executor",
         "local", "--workers", "2", "--no-report", "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(SRC)})
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = [p for p in _children(proc.pid) if _ignores_sigint(p)]
        if len(workers) == 2:
            return proc, workers
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"no 2 workers appeared: {proc.communicate()}")


def _gone(pids: list[int], within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_workers_die_with_their_parent_and_the_parent_stops_at_once(tmp_path: Path,
                                                                   how: str) -> None:
    proc, workers = _start_with_workers(tmp_path)
    match how:
        case "SIGKILL":
            os.kill(proc.pid, signal.SIGKILL)  # the parent alone
        case "SIGTERM":
            os.kill(proc.pid, signal.SIGTERM)  # the parent alone
        case "Ctrl-C":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal's whole foreground group
    out, err = proc.communicate(timeout=60)
    try:
        assert _gone(workers), f"workers {workers} outlived their parent"
    finally:
        for p in workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
    if how != "SIGKILL":
        assert proc.returncode == 130, (out, err)
        assert "interrupted" in out and "--out" in out, out
        assert "Traceback" not in out + err, err
    with Store(tmp_path / "out", create=False) as store:  # what finished is kept, once each
        keys = [r["key"] for r in store.runs()]
        assert len(keys) == len(set(keys)) == 8


# --- odds and ends a hostile user types ----------------------------------------------------------

ODD = {  # arguments (FILE: an empty file, EMPTY: an empty folder, BAD: store.sqlite a folder)
    "status of a file": (["status", "FILE"], "no results store here"),
    "status of a folder holding a folder as its store": (["status", "BAD"], "cannot open"),
    "export of it": (["export", "BAD"], "cannot open"),
    "status of nothing": (["status", "EMPTY/nope"], "no results store here"),
    "export of an empty folder": (["export", "EMPTY"], "no results store here"),
    "report of an empty folder": (["report", "EMPTY"], "no results store here"),
    "run into a file": (["run", "TOML", "--out", "FILE", "--executor", "serial", "--no-report"],
                        "cannot write the results to"),
    "run of an empty file": (["run", "FILE"], "the file is empty"),
    "run of no file": (["run", "EMPTY/nope.toml"], "no such experiment file"),
    "zero workers": (["run", "TOML", "--workers", "0"], "--workers must be at least 1"),
    "zero seeds": (["run", "TOML", "--seeds", "0"], "--seeds must be at least 1"),
    "unknown executor": (["run", "TOML", "--executor", "bogus"], "--executor must be"),
    "address without ray": (["run", "TOML", "--address", "1.2.3.4:1"], "--address is for"),
    "show nothing": (["show", ""], "no built-in experiment"),
    "show /etc/passwd": (["show", "/etc/passwd"], "no built-in experiment"),
    "an empty labeller name": (["labellers", "add", "EMPTY", ""], "1 to 100 printable"),
    "a NUL in a labeller name": (["labellers", "add", "EMPTY", "a\x00b"], "1 to 100 printable"),
    "revoking nobody": (["labellers", "revoke", "EMPTY", "nobody"], "no labeller named"),
    "calibrating nobody": (["labellers", "calibrate", "EMPTY", "nobody"], "no labeller named"),
    "labellers of a file": (["labellers", "list", "FILE"], "no such experiment folder"),
    "port 0": (["serve", "EMPTY", "--port", "0"], "--port must be in 1..65535"),
    "report format": (["report", "EMPTY", "--format", "bogus"], "--format takes"),
    "export format": (["export", "EMPTY", "--format", "xls"], "--format must be"),
}


@pytest.mark.parametrize("case", list(ODD))
def test_odd_arguments_get_one_line_errors(tmp_path: Path, case: str) -> None:
    args, words = ODD[case]
    (tmp_path / "file").write_text("")
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad" / STORE_FILE).mkdir(parents=True)
    places = {"FILE": tmp_path / "file", "EMPTY": tmp_path / "empty", "BAD": tmp_path / "bad",
              "TOML": write(tmp_path, TINY)}
    for token, place in places.items():
        args = [a.replace(token, str(place)) for a in args]
    clear(cli(*args), words)


def test_a_second_oversight_run_process_is_refused_while_the_first_writes(tmp_path: Path) -> None:
    proc, workers = _start_with_workers(tmp_path)  # the first: writing tmp_path/out
    try:
        second = cli("run", str(write(tmp_path, SLOW)), "--executor", "serial", "--no-report",
                     "--out", str(tmp_path / "out"))
        clear(second, f"is being written by another `oversight run` (pid {proc.pid}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        assert _gone(workers)

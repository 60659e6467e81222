"""The results store: one SQLite file per output folder (`DIR/store.sqlite`), in WAL mode.

Tables
    experiments  name, spec (resolved JSON), created
    runs         key, experiment, arm, seed, config JSON, status (running / done / failed),
                 metrics JSON, started, finished, wall_seconds, error, traceback, version, pid
    curves       run key, metric, step, value
    judgments    run key, index, round, the two segments asked (start state and actions, enough
                 to replay them in the deterministic world), overseer, answer, seconds, detail
                 (a scheme's JSON note on the judgment: debate's transcript and winner)
    nodes        run key, the Ray node id it ran on (Ray executor only): where it ran, not what
                 it computed, so it is kept apart from the run row and its checksum
    checksums    a digest of each experiment, run row, run's curves and judgments, written with
                 them and checked when read (checksums.py): damage inside rows is noticed

Only the parent process writes; workers return records. A finished run is committed in one
transaction (its row, curves and judgments together), so a crash loses at most the runs that had
not finished, and resuming never duplicates one: `key` is the primary key.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from oversight.experiments import checksums

STORE_FILE = "store.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    name TEXT PRIMARY KEY, spec TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY, experiment TEXT NOT NULL, arm TEXT NOT NULL, seed INTEGER NOT NULL,
    config TEXT NOT NULL, status TEXT NOT NULL, metrics TEXT, started REAL, finished REAL,
    wall_seconds REAL, error TEXT, traceback TEXT, version TEXT, pid INTEGER);
CREATE TABLE IF NOT EXISTS curves (
    run TEXT NOT NULL, metric TEXT NOT NULL, step INTEGER NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS curves_run ON curves (run);
CREATE TABLE IF NOT EXISTS judgments (
    run TEXT NOT NULL, idx INTEGER NOT NULL, round INTEGER NOT NULL,
    first_start INTEGER NOT NULL, first_actions TEXT NOT NULL,
    second_start INTEGER NOT NULL, second_actions TEXT NOT NULL,
    overseer TEXT NOT NULL, answer INTEGER NOT NULL, seconds REAL NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS judgments_run ON judgments (run);
CREATE TABLE IF NOT EXISTS nodes (run TEXT PRIMARY KEY, node TEXT NOT NULL);
""" + checksums.TABLE


def package_version() -> str:
    try:
        return version("oversight-lab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class StoreError(RuntimeError):
    """The store cannot be used (damaged, not a store, or not writable); the message names the
    file and says what to do."""


def damaged(path: Path, why: str) -> str:
    return (f"{path} is damaged or not a results store ({why}): start a new --out folder, or "
            "restore a copy of the file; its runs cannot be trusted as they are")


def _readonly_uri(path: Path, immutable: bool) -> str:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


class Store:
    """A connection to `DIR/store.sqlite`; use as a context manager.

    `create=False` (the read-only commands: status, export, report) opens the file read-only
    and writes nothing, not even a pragma; in a read-only folder (where SQLite cannot make
    the WAL's shared-memory file) it reads the file as immutable. Every open checks the file
    (`PRAGMA quick_check`: milliseconds for a store of thousands of runs); a damaged file, or
    one that is not a store, is a StoreError saying so, before anything is written."""

    def __init__(self, folder: Path, create: bool = True) -> None:
        path = folder / STORE_FILE
        if not create and not path.exists():
            raise FileNotFoundError(f"{folder}: no results store here (expected {path})")
        self.path = path
        self.readonly = not create
        if create:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the output folder {folder}: "
                                 f"{e.strerror or e}") from None
        self.db = self._open()
        try:
            self._check()
            if create:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")  # a committed run survives a power cut
                self.db.executescript(SCHEMA)
                self._sealed = True
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(judgments)")}
            if create and "detail" not in columns:  # a store written before schemes had details
                self.db.execute("ALTER TABLE judgments ADD COLUMN detail TEXT")
                columns.add("detail")
            self._detail = "detail" if "detail" in columns else "NULL"
        except sqlite3.OperationalError as e:
            self.db.close()
            if _unwritable(e):
                raise StoreError(f"cannot write the results store {path}: the folder or file is "
                                 f"read-only ({e}); choose a writable --out") from None
            raise StoreError(damaged(path, str(e))) from None
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise StoreError(damaged(path, str(e))) from None

    def _open(self) -> sqlite3.Connection:
        try:
            if not self.readonly:
                return sqlite3.connect(self.path, timeout=30)
            db = sqlite3.connect(_readonly_uri(self.path, False), uri=True, timeout=30)
            try:
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.OperationalError:  # a WAL file in a folder SQLite cannot write in
                db.close()
                return sqlite3.connect(_readonly_uri(self.path, True), uri=True, timeout=30)
            except sqlite3.DatabaseError as e:
                db.close()
                raise StoreError(damaged(self.path, str(e))) from None
        except sqlite3.OperationalError as e:
            raise StoreError(f"cannot open the results store {self.path}: {e} (is the folder "
                             "readable and writable?)") from None

    def _check(self) -> None:
        problems = [r[0] for r in self.db.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems[:3]))
        self._sealed = checksums.present(self.db)
        if self._sealed:  # bytes overwritten inside rows: see checksums.py
            checksums.verify(self.db)
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        if self.readonly and not {"experiments", "runs"} <= tables:
            raise sqlite3.DatabaseError("it has no runs table")

    def readable(self) -> AbstractContextManager[None]:
        """Context for reads: a damaged row (bytes overwritten inside a table, bad JSON) is a
        StoreError naming the file, not a traceback."""
        return _reading(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with self.db:  # commits on success, rolls back on error
                yield self.db
        except sqlite3.OperationalError as e:  # a full disk, a file made read-only meanwhile
            raise StoreError(f"cannot write the results store {self.path}: {e}") from None
        except sqlite3.DatabaseError as e:
            raise StoreError(damaged(self.path, str(e))) from None

    def save_experiment(self, name: str, spec: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO experiments VALUES (?, ?, ?)",
                       (name, json.dumps(spec), time.time()))
            checksums.seal(db, "experiment", name)

    def experiments(self) -> list[tuple[str, dict[str, Any]]]:
        with self.readable():
            rows = self.db.execute("SELECT name, spec FROM experiments ORDER BY created"
                                   ).fetchall()
            return [(name, json.loads(spec)) for name, spec in rows]

    def mark_running(self, experiment: str, runs: list[tuple[str, str, int, dict[str, Any]]]
                     ) -> None:
        """Record that these runs (key, arm, seed, config) are about to start in this process.
        A finished run keeps its row; a failed or interrupted one is marked running again."""
        now, pid, ver = time.time(), os.getpid(), package_version()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO runs (key, experiment, arm, seed, config, status, started, version,"
                " pid) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?) ON CONFLICT(key) DO UPDATE SET"
                " status='running', started=excluded.started, pid=excluded.pid WHERE"
                " runs.status != 'done'",
                [(k, experiment, arm, seed, json.dumps(cfg), now, ver, pid)
                 for k, arm, seed, cfg in runs],
            )
            for k, *_ in runs:
                checksums.seal(db, "run", k)

    def record(self, experiment: str, record: dict[str, Any]) -> None:
        """Commit one finished run (done or failed) with its curves and judgments."""
        key = record["key"]
        with self.transaction() as db:
            db.execute("DELETE FROM curves WHERE run = ?", (key,))
            db.execute("DELETE FROM judgments WHERE run = ?", (key,))
            db.execute("DELETE FROM nodes WHERE run = ?", (key,))
            if record.get("node"):
                db.execute("INSERT INTO nodes VALUES (?, ?)", (key, record["node"]))
            db.execute(
                "INSERT OR REPLACE INTO runs (key, experiment, arm, seed, config, status, metrics,"
                " started, finished, wall_seconds, error, traceback, version, pid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, experiment, record["arm"], record["seed"], json.dumps(record["config"]),
                 record["status"], json.dumps(record.get("metrics")), record.get("started"),
                 time.time(), record.get("wall_seconds"), record.get("error"),
                 record.get("traceback"), package_version(), os.getpid()),
            )
            db.executemany(
                "INSERT INTO curves VALUES (?, ?, ?, ?)",
                [(key, metric, int(step), float(value))
                 for metric, points in record.get("curves", {}).items()
                 for step, value in points],
            )
            j = record.get("judgments")
            if j:
                db.executemany(
                    "INSERT INTO judgments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(key, i, *row) for i, row in enumerate(zip(
                        j["round"], j["first_start"], j["first_actions"], j["second_start"],
                        j["second_actions"], j["overseer"], j["answer"], j["seconds"],
                        j.get("detail") or [None] * len(j["round"]), strict=True))],
                )
            for kind in ("run", "curves", "judgments"):
                checksums.seal(db, kind, key)

    def runs(self, experiment: str | None = None) -> list[dict[str, Any]]:
        """Every run row as a dict (config and metrics decoded), in insertion order."""
        query = ("SELECT key, experiment, arm, seed, config, status, metrics, started, finished,"
                 " wall_seconds, error, traceback, version, pid FROM runs")
        args: tuple[Any, ...] = ()
        if experiment is not None:
            query += " WHERE experiment = ?"
            args = (experiment,)
        cols = ["key", "experiment", "arm", "seed", "config", "status", "metrics", "started",
                "finished", "wall_seconds", "error", "traceback", "version", "pid"]
        out = []
        with self.readable():
            for row in self.db.execute(query + " ORDER BY rowid", args):
                r = dict(zip(cols, row, strict=True))
                r["config"] = json.loads(r["config"])
                r["metrics"] = json.loads(r["metrics"]) if r["metrics"] else None
                out.append(r)
        return out

    def nodes(self) -> dict[str, str]:
        """Run key -> the Ray node it ran on, for the runs the Ray executor stored."""
        with self.readable():
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'nodes'").fetchone():
                return {}  # a store written before nodes were recorded
            return dict(self.db.execute("SELECT run, node FROM nodes").fetchall())

    def curves(self, key: str) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        with self.readable():
            for metric, step, value in checksums.read(self.db, "curves", key, self._sealed):
                # SQLite stores a NaN REAL as NULL
                out.setdefault(metric, []).append((step, math.nan if value is None else value))
        return out

    def judgments(self, key: str) -> list[dict[str, Any]]:
        cols = ["idx", "round", "first_start", "first_actions", "second_start",
                "second_actions", "overseer", "answer", "seconds", "detail"]
        selected = ", ".join([*cols[:-1], self._detail])
        with self.readable():
            if self._detail == "detail":
                rows = checksums.read(self.db, "judgments", key, self._sealed)
            else:  # a store from before details (and checksums)
                rows = self.db.execute(f"SELECT {selected} FROM judgments WHERE run = ?"
                                       " ORDER BY idx", (key,)).fetchall()
            return [dict(zip(cols, r, strict=True)) for r in rows]


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except (sqlite3.DatabaseError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StoreError(damaged(path, str(e))) from None


def _unwritable(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True

"""Content checksums of the results store: damage SQLite cannot see.

`PRAGMA quick_check` finds a broken page structure, but random bytes written over the contents
of a row (a metric, a judgment's actions) leave a well-formed file: SQLite reads them back as
data. So every committed experiment, run row, run's curves and run's judgments has a SHA-256
digest of its stored values in `checksums`, written in the same transaction as the rows; rows
are checked against it on every open (one pass over each table) and again when curves and
judgments are read, each inside one read transaction so a concurrent writer's commit is never
mistaken for damage. A store written before checksums existed has none to check against,
and is read as before.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TABLE = "CREATE TABLE IF NOT EXISTS checksums (what TEXT PRIMARY KEY, digest TEXT NOT NULL);"
RUN_COLUMNS = ("key, experiment, arm, seed, config, status, metrics, started, finished,"
               " wall_seconds, error, traceback, version, pid")
QUERIES = {  # kind -> the rows its digest covers, exactly as stored
    "experiment": "SELECT name, spec, created FROM experiments WHERE name = ?",
    "run": f"SELECT {RUN_COLUMNS} FROM runs WHERE key = ?",
    "curves": "SELECT metric, step, value FROM curves WHERE run = ? ORDER BY rowid",
    "judgments": "SELECT idx, round, first_start, first_actions, second_start, second_actions,"
                 " overseer, answer, seconds, detail FROM judgments WHERE run = ? ORDER BY idx",
}


class Mismatch(sqlite3.DatabaseError):
    """Stored rows that do not match their checksum."""


def digest(rows: list[tuple[Any, ...]]) -> str:
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def present(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checksums'"
                      ).fetchone() is not None


def seal(db: sqlite3.Connection, kind: str, key: str) -> None:
    """Record the digest of `kind` `key`'s rows as they are now (inside the writing
    transaction)."""
    rows = db.execute(QUERIES[kind], (key,)).fetchall()
    db.execute("INSERT OR REPLACE INTO checksums VALUES (?, ?)", (f"{kind}:{key}", digest(rows)))


@contextmanager
def snapshot(db: sqlite3.Connection) -> Iterator[None]:
    """One read transaction (unless one is open already): every SELECT inside sees the same
    committed state."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.commit()


def _check(db: sqlite3.Connection, kind: str, key: str, rows: list[tuple[Any, ...]]) -> None:
    row = db.execute("SELECT digest FROM checksums WHERE what = ?", (f"{kind}:{key}",)).fetchone()
    if row is not None and row[0] != digest(rows):
        raise Mismatch(f"the stored {kind} of {key!r} does not match its checksum")


def read(db: sqlite3.Connection, kind: str, key: str, sealed: bool) -> list[tuple[Any, ...]]:
    """`kind` `key`'s rows, checked against their digest when the store has checksums."""
    with snapshot(db):
        rows = db.execute(QUERIES[kind], (key,)).fetchall()
        if sealed:
            _check(db, kind, key, rows)
    return rows


ALL = {  # kind -> every row of that kind, as (key, *the rows of QUERIES[kind]), grouped by key
    "experiment": "SELECT name, name, spec, created FROM experiments ORDER BY name",
    "run": f"SELECT key, {RUN_COLUMNS} FROM runs ORDER BY key",
    "curves": "SELECT run, metric, step, value FROM curves ORDER BY run, rowid",
    "judgments": "SELECT run, idx, round, first_start, first_actions, second_start,"
                 " second_actions, overseer, answer, seconds, detail FROM judgments"
                 " ORDER BY run, idx",
}


def verify(db: sqlite3.Connection) -> None:
    """Check every experiment, run row, curve and judgment against its digest, one pass over
    each table (as cheap as reading the file once, like quick_check); Mismatch on the first
    bad one."""
    with snapshot(db):
        sealed = dict(db.execute("SELECT what, digest FROM checksums").fetchall())
        for kind, query in ALL.items():
            seen: set[str] = set()
            key: str | None = None
            rows: list[tuple[Any, ...]] = []
            for row in db.execute(query):
                if row[0] != key:
                    if key is not None:
                        _compare(sealed, kind, key, rows)
                        seen.add(key)
                    key, rows = row[0], []
                rows.append(tuple(row[1:]))
            if key is not None:
                _compare(sealed, kind, key, rows)
                seen.add(key)
            prefix = f"{kind}:"
            for what in sealed:  # sealed with rows that are gone
                if what.startswith(prefix) and what[len(prefix):] not in seen:
                    _compare(sealed, kind, what[len(prefix):], [])


def _compare(sealed: dict[str, str], kind: str, key: str, rows: list[tuple[Any, ...]]) -> None:
    expected = sealed.get(f"{kind}:{key}")
    if expected is not None and expected != digest(rows):
        raise Mismatch(f"the stored {kind} of {key!r} does not match its checksum")

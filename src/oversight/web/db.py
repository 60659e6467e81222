"""The labels database: `DIR/labels.sqlite`, beside the results store, in WAL mode.

Tables
    labellers  name, expert (which view they are entitled to), token hash, created, revoked
    admin      the one admin token's hash
    batches    one per call of the human overseer (or per world's gold pool): the run it belongs
               to, the world (name and parameters, to replay segments), labels wanted per query,
               gold rate, time limit, lease length
    queries    the two segments (start state and actions), features revealed by the scheme and
               steps it showed as evidence (`Queries.revealed`, `.shown`), the true preference
               (never sent to labellers), `taken` = live leases + answers; for a text world
               the prompt and completions (`texts`); whether the page shows them swapped
    labels     one per (query, labeller) lease: the view shown, when leased, shown, answered
               (server-side times), the answer (in the query's order) and the side clicked,
               status leased / answered / expired

A separate file keeps the runner's store untouched while labellers write: every write here is a
short `BEGIN IMMEDIATE` transaction, so several server processes and the waiting overseer can
share it. synchronous=NORMAL: in WAL mode a crash of the process loses nothing committed; a power
cut may lose the last few answers, which the overseer then asks for again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LABELS_FILE = "labels.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS labellers (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, expert INTEGER NOT NULL,
    token_hash TEXT UNIQUE NOT NULL, created REAL NOT NULL, revoked REAL);
CREATE TABLE IF NOT EXISTS admin (
    id INTEGER PRIMARY KEY CHECK (id = 1), token_hash TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, run TEXT NOT NULL, world TEXT NOT NULL, world_params TEXT NOT NULL,
    redundancy INTEGER NOT NULL, gold_rate REAL NOT NULL, time_limit REAL,
    lease_seconds REAL NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS queries (
    id INTEGER PRIMARY KEY, batch TEXT NOT NULL, idx INTEGER NOT NULL, gold INTEGER NOT NULL,
    first_start INTEGER NOT NULL, first_actions TEXT NOT NULL,
    second_start INTEGER NOT NULL, second_actions TEXT NOT NULL, revealed TEXT NOT NULL,
    shown TEXT NOT NULL, true_answer INTEGER NOT NULL, needed INTEGER NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0, texts TEXT, swapped INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS queries_batch ON queries (batch, idx);
CREATE INDEX IF NOT EXISTS queries_open ON queries (id) WHERE taken < needed AND gold = 0;
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY, query INTEGER NOT NULL, labeller INTEGER NOT NULL,
    view TEXT NOT NULL, time_limit REAL, lease_seconds REAL NOT NULL,
    leased REAL NOT NULL, shown REAL, expires REAL NOT NULL,
    answered REAL, answer TEXT, status TEXT NOT NULL, side TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS labels_once ON labels (query, labeller)
    WHERE status != 'expired';
CREATE INDEX IF NOT EXISTS labels_live ON labels (expires) WHERE status = 'leased';
CREATE INDEX IF NOT EXISTS labels_labeller ON labels (labeller, status);
CREATE INDEX IF NOT EXISTS labels_query ON labels (query);
"""

COLUMNS = (  # added after the first release: (table, column, declaration), added where missing
    ("queries", "texts", "TEXT"),
    ("queries", "swapped", "INTEGER NOT NULL DEFAULT 0"),
    ("labels", "side", "TEXT"),
)
"""queries.texts: JSON {"prompt", "lay_prompt", "first", "second"} of a text query (NULL for
segments of a tabular world); queries.swapped: 1 where the page shows the second segment or
completion on the left; labels.side: the answer as the labeller gave it on screen (left / right
as they saw them), where labels.answer is in the query's own order (left = first, right =
second). A database made before these existed gets them on opening: its queries were shown
unswapped (swapped = 0) and its side is its answer (NULL, read as the answer)."""


def migrate(db: sqlite3.Connection) -> None:
    """Add the COLUMNS an older labels file lacks (ALTER TABLE ADD COLUMN keeps every row)."""
    for table, column, declaration in COLUMNS:
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


OPEN_COUNT = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS counts (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL);
INSERT OR IGNORE INTO counts SELECT 1, COUNT(*) FROM queries WHERE taken < needed AND gold = 0;
CREATE TRIGGER IF NOT EXISTS queries_open_insert AFTER INSERT ON queries BEGIN
    UPDATE counts SET open = open + (NEW.taken < NEW.needed AND NEW.gold = 0); END;
CREATE TRIGGER IF NOT EXISTS queries_open_update AFTER UPDATE OF taken, needed, gold ON queries
    BEGIN UPDATE counts SET open = open + (NEW.taken < NEW.needed AND NEW.gold = 0)
                                        - (OLD.taken < OLD.needed AND OLD.gold = 0); END;
CREATE TRIGGER IF NOT EXISTS queries_open_delete AFTER DELETE ON queries BEGIN
    UPDATE counts SET open = open - (OLD.taken < OLD.needed AND OLD.gold = 0); END;
COMMIT;
"""
"""`counts.open` = the queries still wanting labels (taken < needed, not gold), kept exact by
triggers in the same transaction as every change to `queries` (whichever process makes it), so
the page's progress costs one row read instead of a scan of every open query. A database made
before the table existed gets it, counted once, the first time it is opened."""


def connect(folder: Path) -> sqlite3.Connection:
    """Open (creating if needed) `folder/labels.sqlite`. The connection runs in autocommit mode
    (isolation_level=None); writers use `write` for an explicit BEGIN IMMEDIATE transaction."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such experiment folder")
    path = folder / LABELS_FILE
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as e:
        raise LabelsFileError(f"{path}: cannot open ({e})") from None
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=30000")
        db.executescript(SCHEMA)
        migrate(db)
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'queries_open_delete'"
                      ).fetchone() is None:
            db.executescript(OPEN_COUNT)
    except sqlite3.Error as e:
        db.close()
        raise LabelsFileError(damaged(path, str(e))) from None
    return db


def check(db: sqlite3.Connection, path: Path) -> None:
    """`PRAGMA quick_check` of the labels file (seconds for millions of labels): damage that
    opening does not notice, such as bytes overwritten inside a table, is a LabelsFileError."""
    try:
        problems = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.Error as e:
        raise LabelsFileError(damaged(path, str(e))) from None
    if problems != ["ok"]:
        raise LabelsFileError(damaged(path, "; ".join(problems[:3])))


def damaged(path: Path, why: str) -> str:
    return (f"{path} is damaged or not a labels database ({why}): move it aside (its answers are"
            " lost unless you restore a copy); a run still waiting for labels posts its queries"
            " again into a new one when resumed")


class LabelsFileError(RuntimeError):
    """The labels file cannot be used; the message names it and says what to do."""


@contextmanager
def write(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken with the write lock up front (no lost updates between
    readers upgrading to writers); commits on success, rolls back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")

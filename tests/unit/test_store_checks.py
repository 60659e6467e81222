"""The store's checks: content checksums catch rows changed behind its back; read-only opens
write nothing; a store from before checksums still reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from oversight.experiments.store import STORE_FILE, Store, StoreError

J = 5
RECORD = {"key": "k1", "arm": "a", "seed": 0, "config": {"c": 1}, "status": "done",
          "metrics": {"m": 0.5}, "curves": {"loss": [(0, 1.0), (1, 0.5)]},
          "judgments": {"round": [0] * J, "first_start": [1] * J, "first_actions": ["0123"] * J,
                        "second_start": [2] * J, "second_actions": ["3210"] * J,
                        "overseer": ["lay"] * J, "answer": [1] * J, "seconds": [1.5] * J}}


def _stored(folder: Path) -> None:
    with Store(folder) as store:
        store.save_experiment("x", {"name": "x"})
        store.mark_running("x", [("k1", "a", 0, {"c": 1}), ("k2", "a", 1, {"c": 1})])
        store.record("x", RECORD)


@pytest.mark.parametrize("change", [
    "UPDATE runs SET metrics = '{\"m\": 0.9}' WHERE key = 'k1'",
    "UPDATE runs SET status = 'done' WHERE key = 'k2'",
    "UPDATE curves SET value = 0.25 WHERE step = 1",
    "UPDATE judgments SET first_actions = '0000' WHERE idx = 3",
    "DELETE FROM judgments WHERE idx = 4",
    "UPDATE experiments SET spec = '{}'",
])
def test_a_row_changed_behind_the_stores_back_is_damage(tmp_path: Path, change: str) -> None:
    _stored(tmp_path)
    with Store(tmp_path, create=False) as store:  # intact: reads as written
        assert {r["key"]: r["status"] for r in store.runs()} == {"k1": "done", "k2": "running"}
        assert store.curves("k1") == {"loss": [(0, 1.0), (1, 0.5)]}
        assert len(store.judgments("k1")) == J
    db = sqlite3.connect(tmp_path / STORE_FILE)
    db.execute(change)
    db.commit()
    db.close()
    for create in (False, True):
        with pytest.raises(StoreError, match="is damaged or not a results store"):
            Store(tmp_path, create=create)


def test_a_rerun_reseals_its_rows(tmp_path: Path) -> None:
    _stored(tmp_path)
    with Store(tmp_path) as store:
        store.mark_running("x", [("k1", "a", 0, {"c": 1})])  # done: keeps its row
        store.record("x", RECORD | {"key": "k2", "seed": 1, "metrics": {"m": 0.7}})
    with Store(tmp_path, create=False) as store:
        assert {r["key"]: r["metrics"] for r in store.runs()} == {"k1": {"m": 0.5},
                                                                 "k2": {"m": 0.7}}


def test_a_store_from_before_checksums_still_reads(tmp_path: Path) -> None:
    _stored(tmp_path)
    db = sqlite3.connect(tmp_path / STORE_FILE)
    db.execute("DROP TABLE checksums")
    db.execute("UPDATE runs SET metrics = '{\"m\": 0.9}' WHERE key = 'k1'")  # nothing to check
    db.commit()
    db.close()
    with Store(tmp_path, create=False) as store:
        assert {r["key"]: r["metrics"] for r in store.runs()}["k1"] == {"m": 0.9}
        assert len(store.judgments("k1")) == J


def test_a_read_only_open_changes_no_byte(tmp_path: Path) -> None:
    _stored(tmp_path)
    with Store(tmp_path) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (tmp_path / STORE_FILE).read_bytes()
    with Store(tmp_path, create=False) as store:
        store.runs()
        store.judgments("k1")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM runs")
    assert (tmp_path / STORE_FILE).read_bytes() == before


def test_a_missing_store_is_not_created_by_a_read(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no results store here"):
        Store(tmp_path, create=False)
    assert list(tmp_path.iterdir()) == []

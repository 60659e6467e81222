"""Load: concurrent simulated labellers answer through the HTTP API of a real server process on
127.0.0.1; afterwards every query has exactly the labels asked for, none lost or duplicated, and
the server never answered 5xx (about 15 s on 2 busy cores, so it runs by default)."""

from __future__ import annotations

from pathlib import Path

from oversight.web.db import connect
from oversight.web.load import drive, serve_in_subprocess
from oversight.web.queue import Settings

from .helpers import add, post


def load(folder: Path, labellers: int, queries: int, redundancy: int, combined: bool = False
         ) -> None:
    """Half the queries want `redundancy` labels with 10% gold mixed in, half want one."""
    post(folder, "b1", queries // 2, Settings(redundancy=redundancy, gold_rate=0.1), seed=1)
    post(folder, "b2", queries - queries // 2, Settings(), seed=2)
    tokens = [add(folder, f"labeller-{i}") for i in range(labellers)]
    with serve_in_subprocess(folder) as url:
        result = drive(url, tokens, seed=0, combined=combined)
    assert set(result.statuses) == {200}, result.statuses
    db = connect(folder)
    wanted = db.execute("SELECT id, needed FROM queries WHERE gold = 0").fetchall()
    got = dict(db.execute("SELECT l.query, COUNT(*) FROM labels l JOIN queries q ON q.id ="
                          " l.query WHERE l.status = 'answered' AND q.gold = 0 GROUP BY"
                          " l.query").fetchall())
    assert len(wanted) == queries and all(got.get(q) == n for q, n in wanted)
    twice = db.execute("SELECT COUNT(*) FROM (SELECT query, labeller FROM labels WHERE status ="
                       " 'answered' GROUP BY query, labeller HAVING COUNT(*) > 1)").fetchone()[0]
    live = db.execute("SELECT COUNT(*) FROM labels WHERE status != 'answered'").fetchone()[0]
    total = db.execute("SELECT COUNT(*) FROM labels").fetchone()[0]
    db.close()
    assert twice == 0 and live == 0
    assert result.answers == total  # every 200 answer is one stored label, and nothing else


def test_fifty_labellers_answer_two_thousand_queries(tmp_path: Path) -> None:
    load(tmp_path, labellers=50, queries=2000, redundancy=2)


def test_answers_that_bring_the_next_query_count_exactly_too(tmp_path: Path) -> None:
    """The same with one round trip per answer (POST /api/answer with "next": true)."""
    load(tmp_path, labellers=20, queries=600, redundancy=2, combined=True)

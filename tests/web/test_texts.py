"""Text queries on the label queue and the left/right randomisation: a text batch is posted,
leased with its texts in the labeller's view, answered by side and stored in the query's own
order; sides are about half swapped and the same for the same batch; position bias is exact on
scripted labellers; an old labels file still opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from oversight.types import Answer
from oversight.web import queue
from oversight.web.db import connect
from oversight.web.human import HumanOverseer
from oversight.web.queue import Settings
from oversight.web.server import create_app
from oversight.web.stats import labeller_stats, labels_csv, position_bias
from oversight.web.texts import swaps, text_gold, unswap
from oversight.web.tokens import find_labeller, issue_admin
from oversight.worlds.text import make_text_world

from .helpers import add, pairs, post, post_texts, text_pairs

NAMES = {Answer.FIRST: "left", Answer.SECOND: "right", Answer.TIE: "tie"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored(folder: Path) -> list[tuple[int, int, str, str]]:
    """(query index, swapped, side clicked, answer stored) of every answered label."""
    db = connect(folder)
    rows = db.execute("SELECT q.idx, q.swapped, l.side, l.answer FROM labels l JOIN queries q"
                      " ON q.id = l.query WHERE l.status = 'answered' ORDER BY l.id").fetchall()
    db.close()
    return rows


def test_a_text_query_is_leased_with_its_texts_and_its_answer_stored_unswapped(
        tmp_path: Path) -> None:
    texts = post_texts(tmp_path, "t", 12, Settings())
    swapped = swaps("t", 12)
    assert swapped.any() and not swapped.all()  # both cases below are exercised
    ann, eve = add(tmp_path, "ann"), add(tmp_path, "eve", expert=True)
    client = TestClient(create_app(tmp_path))
    sides = ["left", "right", "left", "left", "right", "right"]
    for i, side in enumerate(sides):  # ann (lay) answers queries 0..5
        got = client.get("/api/next", headers=auth(ann)).json()
        assert got["kind"] == "text" and got["view"] == "lay" and not got["revealed"]
        assert got["prompt"] == texts.lay_prompts[i] != texts.prompts[i]  # no passage
        assert "P:" not in got["prompt"]
        first, second = texts.first[i], texts.second[i]
        assert (got["left"], got["right"]) == ((second, first) if swapped[i] else (first, second))
        assert set(got) == {"lease", "kind", "view", "revealed", "time_limit", "task", "prompt",
                            "left", "right", "progress"}  # no truth, no swap, no gold flag
        reply = client.post("/api/answer", json={"lease": got["lease"], "answer": side},
                            headers=auth(ann))
        assert reply.status_code == 200 and reply.json()["recorded"] == side
    expected = {True: {"left": "right", "right": "left"}, False: {"left": "left",
                                                                  "right": "right"}}
    assert stored(tmp_path) == [(i, int(swapped[i]), side, expected[bool(swapped[i])][side])
                                for i, side in enumerate(sides)]
    got = client.get("/api/next", headers=auth(eve)).json()  # the expert sees the passage
    assert got["prompt"] == texts.prompts[6] and got["prompt"].startswith("P: ")  # the 7th
    # an answer sent again is the same answer, by side; the other side is refused
    lease = got["lease"]
    assert client.post("/api/answer", json={"lease": lease, "answer": "right"},
                       headers=auth(eve)).json()["recorded"] == "right"
    assert client.post("/api/answer", json={"lease": lease, "answer": "right"},
                       headers=auth(eve)).status_code == 200
    refused = client.post("/api/answer", json={"lease": lease, "answer": "left"},
                          headers=auth(eve))
    assert refused.status_code == 409 and "answered already" in refused.json()["error"]


def test_the_batch_labels_the_overseer_reads_are_in_the_querys_order(tmp_path: Path) -> None:
    post_texts(tmp_path, "t", 20, Settings())
    db = connect(tmp_path)
    who = find_labeller(db, add(tmp_path, "ann"))
    assert who is not None
    swapped = swaps("t", 20)
    t = 0.0
    while (lease := queue.lease_next(db, who, t)) is not None:
        assert lease.swapped == swapped[lease.query - 1]
        queue.answer(db, who, lease.id, "left", t + 1)  # always the left side
        t += 2
    labels = queue.batch_labels(db, "t", t)
    db.close()
    assert [x[0][0] for x in labels.labels] == ["right" if s else "left" for s in swapped]


def test_sides_are_about_half_swapped_and_the_same_for_the_same_batch() -> None:
    many = swaps("run:0:abc", 4000)
    assert abs(many.mean() - 0.5) < 0.03  # 4000 fair coins: sd 0.008
    assert np.array_equal(many, swaps("run:0:abc", 4000))  # a resumed run sees the same sides
    assert np.array_equal(many[:100], swaps("run:0:abc", 100))
    assert not np.array_equal(many[:100], swaps("run:1:abc", 100))
    assert unswap("left", True) == "right" and unswap("right", True) == "left"
    assert all(unswap(a, s) == a for a in ("tie", "cant_tell", "timeout") for s in (True, False))


def test_posting_the_same_batch_again_keeps_its_sides(tmp_path: Path) -> None:
    post(tmp_path, "b", 30, Settings())
    db = connect(tmp_path)
    first = [s for (s,) in db.execute("SELECT swapped FROM queries ORDER BY id")]
    db.close()
    post(tmp_path, "b", 30, Settings())
    db = connect(tmp_path)
    assert [s for (s,) in db.execute("SELECT swapped FROM queries ORDER BY id")] == first
    db.close()
    assert first == swaps("b", 30).astype(int).tolist() and 0 < sum(first) < 30


def answer_all(folder: Path, token: str, choose: str) -> None:
    """Answer every query offered: always the left side ('left'), or the truth ('truth') on
    whichever side it is shown."""
    db = connect(folder)
    who = find_labeller(db, token)
    assert who is not None
    truth = dict(db.execute("SELECT id, true_answer FROM queries").fetchall())
    t = 0.0
    while (lease := queue.lease_next(db, who, t)) is not None:
        side = "left" if choose == "left" else unswap(NAMES[Answer(truth[lease.query])],
                                                      lease.swapped)
        queue.answer(db, who, lease.id, side, t + 1)
        t += 2
    db.close()


def test_position_bias_is_exact_on_scripted_labellers(tmp_path: Path) -> None:
    post(tmp_path, "b", 200, Settings(redundancy=2))
    lefty, honest = add(tmp_path, "lefty"), add(tmp_path, "honest")
    answer_all(tmp_path, lefty, "left")
    answer_all(tmp_path, honest, "truth")
    db = connect(tmp_path)
    truth = np.array([t for (t,) in db.execute("SELECT true_answer FROM queries ORDER BY id")])
    by_name = {s.name: s for s in labeller_stats(db)}
    admin = issue_admin(db)
    csv_text = labels_csv(db)
    db.close()
    a, b = by_name["lefty"], by_name["honest"]
    assert (a.decided, a.left_share, a.left_high) == (200, 1.0, 1.0)
    assert a.left_low > 0.98 and a.left_p < 1e-50
    decisive = truth != Answer.TIE
    on_left = (truth == Answer.FIRST) != swaps("b", 200)  # the truth is shown on the left
    assert b.decided == decisive.sum()
    assert b.left_share == pytest.approx(on_left[decisive].mean())
    assert 0.4 < b.left_share < 0.6 and b.left_low < 0.5 < b.left_high and b.left_p > 0.05
    # the truthful labeller's stored answers are the truth, whichever side it was shown on
    assert "swapped,side" in csv_text.splitlines()[0]
    served = TestClient(create_app(tmp_path)).get("/api/admin/stats", headers=auth(admin))
    row = next(x for x in served.json()["labellers"] if x["name"] == "lefty")
    assert row["left_share"] == 1.0 and row["decided"] == 200


def test_position_bias_formula() -> None:
    share, low, high, p = position_bias(5, 10)
    assert share == 0.5 and p == pytest.approx(1.0)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert position_bias(0, 10)[3] == pytest.approx(2 / 1024)  # exact: two tails of 1/1024
    assert all(np.isnan(position_bias(0, 0)))


def test_text_gold_questions_have_answers_and_texts(tmp_path: Path) -> None:
    world = make_text_world("lm-unknown")
    gold, texts = text_gold(world, 40)
    assert len(gold) == len(texts) == 40
    assert (queue.true_answers(world, gold) != Answer.TIE).all()
    assert np.array_equal(world.returns(list(_prompts(world, texts)), list(texts.first)),
                          gold.first.returns(world.w_true))
    post_texts(tmp_path, "t", 4, Settings(gold_rate=0.5))
    db = connect(tmp_path)
    who = find_labeller(db, add(tmp_path, "ann"))
    assert who is not None
    leases = []
    for t in range(4):
        lease = queue.lease_next(db, who, float(t))
        assert lease is not None
        leases.append(lease)
        queue.answer(db, who, lease.id, "left", t + 0.5)
    db.close()
    assert [x.gold for x in leases] == [False, True, False, True]  # every second is gold
    assert all(x.texts is not None for x in leases)
    assert leases[1].texts is not None and leases[1].texts["prompt"] == texts.prompts[0]


def _prompts(world: object, texts: object) -> list[object]:
    """The Prompt objects behind text_gold's texts (same seed, same draws)."""
    from oversight.worlds.text.base import TextWorld

    assert isinstance(world, TextWorld)
    rng = np.random.default_rng(0)
    drawn = world.prompts("train", 8 * 40, rng)
    by_text = {p.text: p for p in drawn}
    return [by_text[t] for t in texts.prompts]  # type: ignore[attr-defined]


def test_texts_are_refused_where_they_do_not_belong(tmp_path: Path) -> None:
    queries, texts = text_pairs(3)
    db = connect(tmp_path)
    with pytest.raises(ValueError, match="texts go with the queries of a text world"):
        queue.post_batch(db, "x", "run", "lm-unknown", {}, make_text_world("lm-unknown"),
                         queries, Settings(), 0.0)
    from oversight.worlds import make_world

    with pytest.raises(ValueError, match="texts go with the queries of a text world"):
        queue.post_batch(db, "y", "run", "camera-room", {}, make_world("camera-room"),
                         pairs(3), Settings(), 0.0, texts)
    db.close()
    human = HumanOverseer(tmp_path, "r", "lm-unknown")
    with pytest.raises(ValueError, match="judge_texts"):
        human.judge(queries, np.random.default_rng(0))


OLD_SCHEMA = """
CREATE TABLE batches (
    id TEXT PRIMARY KEY, run TEXT NOT NULL, world TEXT NOT NULL, world_params TEXT NOT NULL,
    redundancy INTEGER NOT NULL, gold_rate REAL NOT NULL, time_limit REAL,
    lease_seconds REAL NOT NULL, created REAL NOT NULL);
CREATE TABLE queries (
    id INTEGER PRIMARY KEY, batch TEXT NOT NULL, idx INTEGER NOT NULL, gold INTEGER NOT NULL,
    first_start INTEGER NOT NULL, first_actions TEXT NOT NULL,
    second_start INTEGER NOT NULL, second_actions TEXT NOT NULL, revealed TEXT NOT NULL,
    shown TEXT NOT NULL, true_answer INTEGER NOT NULL, needed INTEGER NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY, query INTEGER NOT NULL, labeller INTEGER NOT NULL,
    view TEXT NOT NULL, time_limit REAL, lease_seconds REAL NOT NULL,
    leased REAL NOT NULL, shown REAL, expires REAL NOT NULL,
    answered REAL, answer TEXT, status TEXT NOT NULL);
INSERT INTO batches VALUES ('old', 'run', 'camera-room', '{}', 1, 0.0, NULL, 600.0, 0.0);
INSERT INTO queries VALUES (1, 'old', 0, 0, 0, '0', 0, '1', '0', '00', 0, 1, 1);
INSERT INTO labels VALUES (1, 1, 1, 'lay', NULL, 600.0, 0.0, 1.0, 601.0, 3.0, 'left',
                           'answered');
"""


def test_a_labels_file_from_before_texts_and_sides_still_opens(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "labels.sqlite") as old:
        old.executescript(OLD_SCHEMA)
    old.close()
    token = add(tmp_path, "ann")  # opens (and migrates) the file
    db = connect(tmp_path)
    assert db.execute("SELECT texts, swapped FROM queries").fetchall() == [(None, 0)]
    assert db.execute("SELECT side, answer FROM labels").fetchall() == [(None, "left")]
    assert queue.batch_labels(db, "old", 10.0).labels == [[("left", 2.0)]]
    ann = next(s for s in labeller_stats(db) if s.name == "ann")
    db.close()
    assert (ann.decided, ann.left_share) == (1, 1.0)  # labeller 1's old label: side = answer
    assert TestClient(create_app(tmp_path)).get("/api/me", headers=auth(token)).status_code \
        == 200


def test_only_people_are_handed_the_texts() -> None:
    from oversight.overseers.presets import make_overseer
    from oversight.protocols import ReadsTexts

    world = make_text_world("lm-unknown")
    assert isinstance(HumanOverseer(Path("."), "r", "lm-unknown"), ReadsTexts)
    assert not any(isinstance(make_overseer(name, world), ReadsTexts)
                   for name in ("oracle", "lay-guess"))


def test_a_swapped_segment_query_shows_the_second_segment_on_the_left(tmp_path: Path) -> None:
    from oversight.web.frames import segment_frames
    from oversight.worlds import make_world

    post(tmp_path, "b", 8, Settings())
    swapped = swaps("b", 8)
    assert swapped.any() and not swapped.all()
    world, token = make_world("camera-room"), add(tmp_path, "ann")
    client = TestClient(create_app(tmp_path))
    db = connect(tmp_path)
    rows = db.execute("SELECT first_start, first_actions, second_start, second_actions"
                      " FROM queries ORDER BY id").fetchall()
    db.close()
    for i in range(8):
        got = client.get("/api/next", headers=auth(token)).json()
        first = [list(f) for f in segment_frames(world, rows[i][0], rows[i][1], False)]
        second = [list(f) for f in segment_frames(world, rows[i][2], rows[i][3], False)]
        assert got["kind"] == "frames"
        assert (got["left"], got["right"]) == ((second, first) if swapped[i] else (first, second))
        client.post("/api/answer", json={"lease": got["lease"], "answer": "left"},
                    headers=auth(token))
    assert [a for *_, a in stored(tmp_path)] == ["right" if s else "left" for s in swapped]

"""The label queue: leases, redundancy, gold questions, time limits, resume, aggregation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oversight.types import Answer, Queries
from oversight.web import queue
from oversight.web.db import connect
from oversight.web.human import aggregate
from oversight.web.queue import GRACE, MAX_LIVE, QueueError, Settings
from oversight.web.tokens import find_labeller

from .helpers import add, post


def labellers(folder: Path, *names: str) -> list[queue.Labeller]:
    db = connect(folder)
    out = [find_labeller(db, add(folder, n)) for n in names]
    db.close()
    assert all(x is not None for x in out)
    return out  # type: ignore[return-value]


def test_a_leased_query_goes_to_one_labeller_until_its_lease_ends(tmp_path: Path) -> None:
    post(tmp_path, "b", 1, Settings(lease_seconds=60))
    ann, bob = labellers(tmp_path, "ann", "bob")
    db = connect(tmp_path)
    lease = queue.lease_next(db, ann, 0.0)
    assert lease is not None
    assert queue.lease_next(db, bob, 10.0) is None  # taken
    again = queue.lease_next(db, bob, 61.0)  # ann's lease ran out unanswered
    assert again is not None and again.query == lease.query
    with pytest.raises(QueueError) as e:
        queue.answer(db, ann, lease.id, "left", 62.0)
    assert e.value.status == 410
    assert queue.answer(db, bob, again.id, "right", 63.0) == "right"
    labels = queue.batch_labels(db, "b", 64.0)
    assert labels.complete and labels.labels == [[("right", 2.0)]]


def test_redundancy_gives_each_query_to_exactly_k_different_labellers(tmp_path: Path) -> None:
    post(tmp_path, "b", 5, Settings(redundancy=3))
    people = labellers(tmp_path, *"abcd")
    db = connect(tmp_path)
    seen: dict[str, list[int]] = {p.name: [] for p in people}
    t = 0.0
    for _ in range(10):
        for p in people:
            lease = queue.lease_next(db, p, t)
            if lease is not None:
                seen[p.name].append(lease.query)
                queue.answer(db, p, lease.id, "tie", t + 1)
            t += 2
    assert all(len(set(v)) == len(v) for v in seen.values())  # never the same query twice
    assert sum(map(len, seen.values())) == 15
    labels = queue.batch_labels(db, "b", t)
    assert labels.complete and [len(x) for x in labels.labels] == [3] * 5


def test_gold_questions_come_at_exactly_the_rate_and_do_not_count_for_the_batch(
        tmp_path: Path) -> None:
    post(tmp_path, "b", 30, Settings(gold_rate=0.25))
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    gold = []
    for i in range(20):
        lease = queue.lease_next(db, ann, float(i))
        assert lease is not None
        gold.append(lease.gold)
        queue.answer(db, ann, lease.id, "left", i + 0.5)
    assert [i for i, g in enumerate(gold) if g] == [3, 7, 11, 15, 19]
    assert queue.batch_labels(db, "b", 30.0).answered == 15
    truth = db.execute("SELECT true_answer FROM queries WHERE gold = 1").fetchall()
    assert len(truth) == queue.GOLD_POOL and {t for (t,) in truth} <= {0, 1}  # decisive


def test_an_answer_after_the_time_limit_is_recorded_as_timed_out(tmp_path: Path) -> None:
    post(tmp_path, "b", 3, Settings(time_limit=5.0))
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    a = queue.lease_next(db, ann, 0.0)
    assert a is not None
    assert queue.mark_shown(db, ann, a.id, 1.0) == 1.0
    assert queue.answer(db, ann, a.id, "left", 1.0 + 5.0 + GRACE - 0.1) == "left"  # in time
    b = queue.lease_next(db, ann, 10.0)
    assert b is not None
    queue.mark_shown(db, ann, b.id, 10.0)
    assert queue.answer(db, ann, b.id, "left", 10.0 + 5.0 + GRACE + 0.1) == "timeout"
    c = queue.lease_next(db, ann, 20.0)  # shown, then the page was closed
    assert c is not None
    queue.mark_shown(db, ann, c.id, 20.0)
    labels = queue.batch_labels(db, "b", 30.0)
    assert labels.complete
    assert [x[0][0] for x in labels.labels] == ["left", "timeout", "timeout"]
    assert [x[0][1] for x in labels.labels] == [5.0 + GRACE - 0.1, 5.0, 5.0]  # timed out
    # when the countdown ended


def test_a_labeller_holds_a_bounded_number_of_leases(tmp_path: Path) -> None:
    post(tmp_path, "b", 10, Settings())
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    for i in range(MAX_LIVE):
        lease = queue.lease_next(db, ann, float(i))
        assert lease is not None
        queue.mark_shown(db, ann, lease.id, float(i))
    with pytest.raises(QueueError) as e:
        queue.lease_next(db, ann, 5.0)
    assert e.value.status == 429


def test_an_unshown_lease_is_handed_back_not_duplicated(tmp_path: Path) -> None:
    """A page reload asks again before showing its prefetched query: it gets the same lease."""
    post(tmp_path, "b", 10, Settings())
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    a, b = queue.lease_next(db, ann, 0.0), queue.lease_next(db, ann, 1.0)
    assert a is not None and b is not None and a.id == b.id


def test_posting_a_batch_again_keeps_its_labels(tmp_path: Path) -> None:
    post(tmp_path, "b", 2, Settings())
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    lease = queue.lease_next(db, ann, 0.0)
    assert lease is not None
    queue.answer(db, ann, lease.id, "right", 1.0)
    post(tmp_path, "b", 2, Settings())  # a resumed run posts the same batch
    assert queue.batch_labels(db, "b", 2.0).answered == 1
    with pytest.raises(QueueError, match="exists with 2 queries"):
        post(tmp_path, "b", 3, Settings())


@pytest.mark.parametrize(("labels", "expected"), [
    (["left"], Answer.FIRST),
    (["right", "right", "left"], Answer.SECOND),
    (["left", "right"], Answer.TIE),
    (["left", "cant_tell"], Answer.ABSTAIN),
    (["timeout"], Answer.ABSTAIN),
    (["tie", "tie", "left"], Answer.TIE),
])
def test_labels_aggregate_by_plurality(labels: list[str], expected: Answer) -> None:
    answer, seconds = aggregate([(a, 2.0) for a in labels])
    assert answer == expected and seconds == 2.0 * len(labels)


def test_settings_reject_impossible_values() -> None:
    with pytest.raises(ValueError, match="redundancy"):
        Settings(redundancy=0)
    with pytest.raises(ValueError, match="gold_rate"):
        Settings(gold_rate=1.0)
    with pytest.raises(ValueError, match="time_limit"):
        Settings(time_limit=-1.0)


def test_delaying_shown_buys_no_time_and_no_limit_means_no_timeout(tmp_path: Path) -> None:
    """A client that holds a leased query (frames and all) for 500 s before saying it showed
    it is clocked from one limit plus GRACE after the lease; without a time limit the answer
    'timeout' is refused and nothing changes."""
    post(tmp_path, "b", 2, Settings(time_limit=5.0))
    post(tmp_path, "free", 1, Settings())
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    a = queue.lease_next(db, ann, 0.0)
    assert a is not None
    assert queue.mark_shown(db, ann, a.id, 500.0) == 5.0 + GRACE
    assert queue.answer(db, ann, a.id, "left", 501.0) == "timeout"
    b = queue.lease_next(db, ann, 600.0)
    assert b is not None and b.time_limit == 5.0
    queue.answer(db, ann, b.id, "right", 601.0)
    free = queue.lease_next(db, ann, 602.0)
    assert free is not None and free.time_limit is None
    with pytest.raises(queue.QueueError) as e:
        queue.answer(db, ann, free.id, "timeout", 603.0)
    assert e.value.status == 422
    assert db.execute("SELECT status FROM labels WHERE id = ?", (free.id,)).fetchone() == (
        "leased",)


def test_gold_questions_are_as_long_as_the_batch_they_are_mixed_into(tmp_path: Path) -> None:
    """A batch of 10-step segments gets 10-step gold questions (a labeller cannot spot gold by
    its length), with a decisive true answer that matches the replayed segments."""
    from oversight.learning.rollouts import crop
    from oversight.worlds import make_world

    from .helpers import pairs

    world = make_world("camera-room")
    rng = np.random.default_rng(0)
    whole = pairs(8)
    short = Queries.pairs(crop(whole.first, 10, rng), crop(whole.second, 10, rng))
    db = connect(tmp_path)
    queue.post_batch(db, "b", "run", "camera-room", {}, world, short,
                     Settings(gold_rate=0.5), 0.0)
    db.close()
    (ann,) = labellers(tmp_path, "ann")
    db = connect(tmp_path)
    golds = []
    for i in range(6):
        lease = queue.lease_next(db, ann, float(i))
        assert lease is not None
        assert len(lease.first[1]) == len(lease.second[1]) == 10
        golds.append(lease.gold)
        queue.answer(db, ann, lease.id, "left", i + 0.5)
    assert golds == [False, True] * 3
    truth = db.execute("SELECT first_actions, true_answer FROM queries WHERE gold = 1").fetchall()
    assert all(len(a) == 10 and t in (0, 1) for a, t in truth)


def test_open_count_kept_by_triggers_equals_a_fresh_count(tmp_path: Path) -> None:
    """counts.open (what progress reads) equals a full count after posting, leasing, answering
    and expiry, including for a database made before the table existed."""
    post(tmp_path, "b", 6, Settings(redundancy=2, lease_seconds=10.0, gold_rate=0.2))
    db = connect(tmp_path)

    def fresh() -> int:
        return int(db.execute("SELECT COUNT(*) FROM queries WHERE taken < needed AND gold = 0"
                              ).fetchone()[0])

    def kept() -> int:
        return int(db.execute("SELECT open FROM counts").fetchone()[0])

    assert kept() == fresh() == 6
    people = [find_labeller(db, add(tmp_path, n)) for n in "abc"]
    for t, who in enumerate(people * 3):
        assert who is not None
        lease = queue.lease_next(db, who, 100.0 + t)
        if lease is not None and t % 2 == 0:
            queue.answer(db, who, lease.id, "left", 100.0 + t)
        assert kept() == fresh()
    queue.batch_labels(db, "b", 1000.0)  # expires the unanswered leases
    assert kept() == fresh() > 0
    db.executescript("DROP TRIGGER queries_open_delete; DROP TABLE counts;")
    db.close()
    db = connect(tmp_path)  # an older database: the table is made and counted once
    assert kept() == fresh()
    db.close()

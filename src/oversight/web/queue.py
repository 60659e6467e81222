"""The label queue: batches of pair queries, leases, redundancy, gold questions and answers.

    post_batch   the human overseer's queries (idempotent: posting the same batch id again, as a
                 resumed run does, keeps the labels already given)
    lease_next   the next query for a labeller. Each query wants `redundancy` labels from
                 different labellers; `taken` counts live leases plus answers, so two labellers
                 get the same query at once only when it wants several labels. A labeller's n-th
                 query is a gold question (known true preference, from the world's true reward)
                 when floor((n+1)·rate) > floor(n·rate): exactly `rate` of what each labeller sees,
                 spread evenly (a text world's gold pairs are two of its scripted completions:
                 texts.text_gold). A labeller holds at most MAX_LIVE leases (the one on screen and
                 the prefetched next one, plus one spare for a reload).
    mark_shown   the page displays the query: the server's clock starts (and the time limit)
    answer       record an answer, checking the lease is the caller's, live and unanswered; an
                 answer later than the time limit (plus GRACE for the network) is recorded as
                 'timeout'; left / right are as the page showed them, stored in the query's own
                 order (each query's sides are drawn per batch: web/texts.py)
    expire       leases past their end: a shown, time-limited one becomes a 'timeout' label (the
                 labeller saw it and ran out of time); any other is released for someone else

Every function takes the clock `now` (seconds) explicitly, so tests control time. Each write is
one BEGIN IMMEDIATE transaction, so concurrent requests and processes cannot double-lease.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np

from oversight.types import Answer, IntArray, PairTexts, Queries
from oversight.web.db import write
from oversight.web.texts import swaps, text_gold, texts_json, unswap
from oversight.web.tokens import Labeller
from oversight.worlds.engine import TabularWorld
from oversight.worlds.text.base import TextWorld

MAX_LIVE = 3
GRACE = 2.0  # seconds of network slack after a time limit
ANSWERS: dict[str, Answer] = {"left": Answer.FIRST, "right": Answer.SECOND, "tie": Answer.TIE,
                              "cant_tell": Answer.ABSTAIN, "timeout": Answer.ABSTAIN}
GOLD_POOL = 40  # gold questions per world


class QueueError(ValueError):
    """A request the queue refuses; `status` is the HTTP status the server answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Settings:
    """How a batch is labelled: labels wanted per query, share of gold questions mixed in,
    the time limit per query (None: no time pressure) and how long an unanswered lease lives."""

    redundancy: int = 1
    gold_rate: float = 0.0
    time_limit: float | None = None
    lease_seconds: float = 600.0

    def __post_init__(self) -> None:
        bad = []
        if not isinstance(self.redundancy, int) or self.redundancy < 1:
            bad.append(f"redundancy must be a whole number >= 1, got {self.redundancy!r}")
        if not 0.0 <= self.gold_rate < 1.0:
            bad.append(f"gold_rate must be in [0, 1), got {self.gold_rate!r}")
        if self.time_limit is not None and not (0 < self.time_limit < math.inf):
            bad.append(f"time_limit must be a positive number of seconds, got {self.time_limit!r}")
        if not 0 < self.lease_seconds < math.inf:
            bad.append(f"lease_seconds must be positive, got {self.lease_seconds!r}")
        if bad:
            raise ValueError("; ".join(bad))


@dataclass(frozen=True)
class Lease:
    """A query leased to one labeller: what the server may show them (never the truth)."""

    id: int
    query: int
    world: str
    world_params: dict[str, Any]
    first: tuple[int, str]  # start state, actions as digits
    second: tuple[int, str]
    revealed: bool  # the scheme revealed hidden evidence for this query
    evidence: tuple[str, str]  # per segment, '1' at each step the scheme showed as evidence
    view: str
    time_limit: float | None
    shown: float | None
    gold: bool
    texts: dict[str, str] | None = None  # a text query's prompt, lay_prompt, first, second
    swapped: bool = False  # the page shows the second segment or completion on the left


def true_answers(world: TabularWorld | TextWorld, queries: Queries) -> IntArray:
    """The true preference of each query: FIRST, SECOND or TIE by the true return."""
    diff = queries.second.returns(world.w_true) - queries.first.returns(world.w_true)
    return np.where(diff > 0, Answer.SECOND,
                    np.where(diff < 0, Answer.FIRST, Answer.TIE)).astype(np.int64)


def _bits(mask: np.ndarray) -> str:
    return "".join("1" if x else "0" for x in mask)


def _rows(batch: str, queries: Queries, truth: IntArray, needed: int, gold: bool,
          texts: PairTexts | None) -> list[tuple[Any, ...]]:
    rows = []
    swapped = swaps(batch, len(queries))
    for i in range(len(queries)):
        rows.append((batch, i, int(gold),
                     int(queries.first.states[i, 0]), "".join(map(str, queries.first.actions[i])),
                     int(queries.second.states[i, 0]),
                     "".join(map(str, queries.second.actions[i])),
                     _bits(queries.revealed[i]), _bits(queries.shown[i].ravel()),
                     int(truth[i]), needed, None if texts is None else texts_json(texts, i),
                     int(swapped[i])))
    return rows


def _insert_batch(db: sqlite3.Connection, batch: str, run: str, world: str, params: str,
                  settings: Settings, now: float, queries: Queries, truth: IntArray,
                  gold: bool, texts: PairTexts | None) -> None:
    db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (batch, run, world, params, settings.redundancy, settings.gold_rate,
                settings.time_limit, settings.lease_seconds, now))
    db.executemany(
        "INSERT INTO queries (batch, idx, gold, first_start, first_actions, second_start,"
        " second_actions, revealed, shown, true_answer, needed, texts, swapped)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _rows(batch, queries, truth, 0 if gold else settings.redundancy, gold, texts))


def world_key(world_name: str, world_params: dict[str, Any]) -> str:
    return json.dumps(world_params, sort_keys=True)


def gold_queries(world: TabularWorld, length: int, n: int = GOLD_POOL, seed: int = 0
                 ) -> Queries:
    """n pairs of random-policy segments of `length` steps (windows of whole episodes, like the
    runs' own segments, so gold cannot be told apart by its length) whose true returns differ
    (gold needs an answer)."""
    from oversight.learning.rollouts import crop
    from oversight.overseers.calibration import random_pairs

    rng = np.random.default_rng(seed)
    pairs = random_pairs(world, 4 * n, seed)
    pairs = Queries.pairs(crop(pairs.first, length, rng), crop(pairs.second, length, rng))
    decisive = np.flatnonzero(true_answers(world, pairs) != Answer.TIE)[:n]
    return pairs.take(decisive)


def gold_batch(world_name: str, params: str, length: int) -> str:
    """The id of a world's gold pool for segments of `length` steps."""
    return f"gold:{world_name}:{params}:{length}"


def post_batch(db: sqlite3.Connection, batch: str, run: str, world_name: str,
               world_params: dict[str, Any], world: TabularWorld | TextWorld, queries: Queries,
               settings: Settings, now: float, texts: PairTexts | None = None) -> None:
    """Queue `queries` as batch `batch` (and the world's gold pool when gold is asked for).
    Posting an existing batch id again changes nothing if it holds the same number of queries.
    A text world's queries come with their `texts` (web/texts.py), which the page shows."""
    if isinstance(world, TextWorld) != (texts is not None):
        raise ValueError("texts go with the queries of a text world, and only with them")
    if texts is not None and len(texts) != len(queries):
        raise ValueError(f"{len(texts)} texts for {len(queries)} queries")
    params = world_key(world_name, world_params)
    with write(db):
        row = db.execute("SELECT COUNT(*) FROM queries WHERE batch = ?", (batch,)).fetchone()
        exists = db.execute("SELECT 1 FROM batches WHERE id = ?", (batch,)).fetchone()
        if exists:
            if row[0] != len(queries):
                raise QueueError(409, f"batch {batch} exists with {row[0]} queries, "
                                      f"not {len(queries)}")
        else:
            _insert_batch(db, batch, run, world_name, params, settings, now, queries,
                          true_answers(world, queries), gold=False, texts=texts)
        gold = gold_batch(world_name, params, queries.first.length)
        if settings.gold_rate > 0 and not db.execute(
                "SELECT 1 FROM batches WHERE id = ?", (gold,)).fetchone():
            pool, pool_texts = (text_gold(world, GOLD_POOL) if isinstance(world, TextWorld)
                                else (gold_queries(world, queries.first.length), None))
            _insert_batch(db, gold, "", world_name, params, Settings(), now, pool,
                          true_answers(world, pool), gold=True, texts=pool_texts)


def expire(db: sqlite3.Connection, now: float) -> None:
    """Settle leases past their end (see the module docstring). Call inside a write."""
    overdue = db.execute("SELECT id, query, shown, time_limit FROM labels "
                         "WHERE status = 'leased' AND expires < ?", (now,)).fetchall()
    for lease, query, shown, limit in overdue:
        if shown is not None and limit is not None:
            db.execute("UPDATE labels SET status = 'answered', answer = 'timeout',"
                       " side = 'timeout', answered = ? WHERE id = ?", (shown + limit, lease))
        else:
            db.execute("UPDATE labels SET status = 'expired' WHERE id = ?", (lease,))
            db.execute("UPDATE queries SET taken = taken - 1 WHERE id = ?", (query,))


LEASE_COLUMNS = ("l.id, q.id, b.world, b.world_params, q.first_start, q.first_actions,"
                 " q.second_start, q.second_actions, q.revealed, l.view, l.time_limit, l.shown,"
                 " q.gold, q.shown, q.texts, q.swapped")


def _lease(row: tuple[Any, ...]) -> Lease:
    length = len(row[5])
    return Lease(row[0], row[1], row[2], json.loads(row[3]), (row[4], row[5]), (row[6], row[7]),
                 "1" in row[8], (row[13][:length], row[13][length:]), row[9], row[10], row[11],
                 bool(row[12]), None if row[14] is None else json.loads(row[14]), bool(row[15]))


def get_lease(db: sqlite3.Connection, lease: int) -> Lease:
    row = db.execute(f"SELECT {LEASE_COLUMNS} FROM labels l JOIN queries q ON q.id = l.query "
                     "JOIN batches b ON b.id = q.batch WHERE l.id = ?", (lease,)).fetchone()
    if row is None:
        raise QueueError(404, f"no lease {lease}")
    return _lease(row)


def lease_next(db: sqlite3.Connection, labeller: Labeller, now: float) -> Lease | None:
    """The labeller's next query: their oldest leased-but-not-shown one (a prefetch the page
    lost on reload), else a new lease; None when there is nothing left for them."""
    with write(db):
        expire(db, now)
        live, unshown = db.execute(
            "SELECT COUNT(*), MIN(CASE WHEN shown IS NULL THEN id END) FROM labels"
            " WHERE labeller = ? AND status = 'leased'", (labeller.id,)).fetchone()
        if unshown is not None:
            return get_lease(db, unshown)
        if live >= MAX_LIVE:
            raise QueueError(429, f"you hold {live} unanswered queries; answer one first")
        pick = db.execute(
            "SELECT q.id, b.gold_rate, b.time_limit, b.lease_seconds, b.world, b.world_params,"
            " length(q.first_actions) FROM queries q JOIN batches b ON b.id = q.batch"
            " WHERE q.taken < q.needed AND q.gold = 0 AND NOT EXISTS (SELECT 1 FROM labels l"
            " WHERE l.query = q.id AND l.labeller = ? AND l.status != 'expired')"
            " ORDER BY q.id LIMIT 1", (labeller.id,)).fetchone()
        if pick is None:
            return None
        query, rate, limit, lease_seconds, world, params, length = pick
        if rate > 0:
            n = db.execute("SELECT COUNT(*) FROM labels WHERE labeller = ? AND status !="
                           " 'expired'", (labeller.id,)).fetchone()[0]
            if math.floor((n + 1) * rate) > math.floor(n * rate):
                gold = db.execute(
                    "SELECT q.id FROM queries q WHERE q.batch = ? AND NOT EXISTS (SELECT 1 FROM"
                    " labels l WHERE l.query = q.id AND l.labeller = ? AND l.status !="
                    " 'expired') ORDER BY q.id LIMIT 1",
                    (gold_batch(world, params, length), labeller.id)).fetchone()
                if gold is not None:
                    query = gold[0]
        cur = db.execute(
            "INSERT INTO labels (query, labeller, view, time_limit, lease_seconds, leased,"
            " expires, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'leased')",
            (query, labeller.id, labeller.view, limit, lease_seconds, now, now + lease_seconds))
        db.execute("UPDATE queries SET taken = taken + 1 WHERE id = ?", (query,))
        assert cur.lastrowid is not None
        return get_lease(db, cur.lastrowid)


class AlreadyAnswered(Exception):
    """The lease holds exactly the answer being sent again (a retry after a lost response)."""


def _own_live(db: sqlite3.Connection, labeller: Labeller, lease: int, given: str | None = None
              ) -> tuple[float | None, float | None, float, float, float, bool]:
    """(shown, time_limit, leased, lease_seconds, expires, swapped) of an unanswered lease of
    this labeller, or the QueueError that says why not; AlreadyAnswered if it was answered
    `given` (the side as the labeller saw it) already."""
    row = db.execute("SELECT l.labeller, l.status, l.shown, l.time_limit, l.leased,"
                     " l.lease_seconds, l.expires, COALESCE(l.side, l.answer), q.swapped"
                     " FROM labels l JOIN queries q ON q.id = l.query WHERE l.id = ?",
                     (lease,)).fetchone()
    if row is None:
        raise QueueError(404, f"no lease {lease}")
    owner, status, shown, limit, leased, lease_seconds, expires, given_before, swapped = row
    if owner != labeller.id:
        raise QueueError(403, f"lease {lease} is not yours")
    if status == "answered" and given is not None and given == given_before:
        raise AlreadyAnswered
    if status == "answered":
        raise QueueError(409, f"lease {lease} was answered already ({given_before})")
    if status == "expired":
        raise QueueError(410, EXPIRED.format(lease))
    return shown, limit, leased, lease_seconds, expires, bool(swapped)


EXPIRED = "lease {} expired before it was answered; fetch the next query"


def mark_shown(db: sqlite3.Connection, labeller: Labeller, lease: int, now: float) -> float:
    """Start the clock on a lease (idempotent); returns the server time it was shown.

    The frames left the server with the lease, so under a time limit the clock starts no later
    than one limit plus GRACE after leasing (the longest the page legitimately holds a
    prefetched query while the previous one is on screen): a client that delays saying it
    showed the query cannot buy itself more time."""
    with write(db):
        shown, limit, leased, lease_seconds, expires, _ = _own_live(db, labeller, lease)
        if shown is not None:
            return float(shown)
        if now > expires:
            raise QueueError(410, EXPIRED.format(lease))
        if limit is not None:
            now = min(now, leased + limit + GRACE)
        ends = now + (limit + GRACE if limit is not None else lease_seconds)
        db.execute("UPDATE labels SET shown = ?, expires = ? WHERE id = ?", (now, ends, lease))
        return now


def answer(db: sqlite3.Connection, labeller: Labeller, lease: int, given: str, now: float
           ) -> str:
    """Record `given` (a key of ANSWERS, left and right as the page showed them) for the
    lease; returns what was recorded. Past the time limit (plus GRACE) that is 'timeout',
    answered when the limit ran out. The side given is kept (`labels.side`) and the answer
    stored in the query's own order (`labels.answer`: left = first), un-swapped where the page
    showed the query swapped (web/texts.py). Sending the answer already recorded again changes
    nothing and succeeds (a client retrying after a lost response); a different one is refused
    (409)."""
    if given not in ANSWERS:
        raise QueueError(422, f"answer must be one of {sorted(ANSWERS)}, got {given!r}")
    with write(db):
        try:
            shown, limit, leased, _, expires, swapped = _own_live(db, labeller, lease, given)
        except AlreadyAnswered:
            return given  # recorded once, not twice
        if given == "timeout" and limit is None:
            raise QueueError(422, f"lease {lease} has no time limit: it cannot time out")
        start = leased if shown is None else shown
        answered = now
        if limit is not None and (now - start > limit + GRACE or given == "timeout"):
            given, answered = "timeout", min(now, start + limit)  # the limit ran out
        elif now > expires:
            raise QueueError(410, EXPIRED.format(lease))
        db.execute("UPDATE labels SET status = 'answered', answer = ?, side = ?, answered = ?,"
                   " shown = ? WHERE id = ?", (unswap(given, swapped), given, answered, start,
                                               lease))
        return given


def progress(db: sqlite3.Connection, labeller: Labeller) -> tuple[int, int]:
    """(queries this labeller has answered, queries still open to them): the open queries less
    those open ones this labeller holds or has answered. One statement: the open count is one
    row kept by triggers (db.OPEN_COUNT), the rest a scan of this labeller's own labels."""
    done, mine, open_ = db.execute(
        "SELECT COALESCE(SUM(l.status = 'answered'), 0), COALESCE(SUM(l.status != 'expired'"
        " AND q.taken < q.needed AND q.gold = 0), 0), (SELECT open FROM counts) FROM labels l"
        " JOIN queries q ON q.id = l.query WHERE l.labeller = ?", (labeller.id,)).fetchone()
    return int(done), int(open_ - mine)


@dataclass(frozen=True)
class BatchLabels:
    """The answered labels of a batch so far: per query (in batch order) a list of
    (answer name, seconds from shown to answered)."""

    needed: int
    labels: list[list[tuple[str, float]]]

    @property
    def complete(self) -> bool:
        return all(len(x) >= self.needed for x in self.labels)

    @property
    def answered(self) -> int:
        return sum(min(len(x), self.needed) for x in self.labels)


def batch_labels(db: sqlite3.Connection, batch: str, now: float) -> BatchLabels:
    """Read a batch's labels (settling overdue leases first, so timeouts count)."""
    with write(db):
        expire(db, now)
    row = db.execute("SELECT redundancy FROM batches WHERE id = ?", (batch,)).fetchone()
    if row is None:
        raise QueueError(404, f"no batch {batch}")
    n = db.execute("SELECT COUNT(*) FROM queries WHERE batch = ?", (batch,)).fetchone()[0]
    out: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    for idx, given, shown, answered in db.execute(
            "SELECT q.idx, l.answer, l.shown, l.answered FROM labels l JOIN queries q"
            " ON q.id = l.query WHERE q.batch = ? AND l.status = 'answered' ORDER BY l.id",
            (batch,)):
        out[idx].append((given, answered - shown))
    return BatchLabels(int(row[0]), out)

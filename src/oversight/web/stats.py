"""Per-labeller quality statistics, for the admin page, the CSV export and calibration.

    gold_agreement   share of a labeller's decisive answers (left / right) to gold questions that
                     match the true preference (from the world's true reward)
    peer_agreement   over queries that other labellers answered too, share of (mine, theirs)
                     pairs of left / right / tie answers that are equal
    abstain_rate     share of answers that are "can't tell" or timed out; timeout_rate, tie_rate
    seconds_*        answer time (server-side, shown to answered) of the answers given in time:
                     10th, 50th, 90th percentile and mean
    left_share       position bias: share of the labeller's decided answers (left or right, as
                     the page showed them) that chose the left side, of `decided`; each query's
                     sides are drawn at random (web/texts.py), so an unbiased labeller's share is
                     near 0.5 whatever the queries. left_low / left_high: its Wilson 95%
                     interval; left_p: the exact two-sided binomial test of share = 0.5

`calibrate_labeller` fits a simulated overseer to one labeller (overseers/from_labels.py).
"""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass, fields

import numpy as np

from oversight.overseers.from_labels import Calibration, calibrate_from_labels
from oversight.types import Answer
from oversight.web.queue import ANSWERS

JUDGED = ("left", "right", "tie")


@dataclass(frozen=True)
class LabellerStats:
    name: str
    view: str
    revoked: bool
    answered: int
    gold_answered: int
    gold_agreement: float
    peer_pairs: int
    peer_agreement: float
    abstain_rate: float
    timeout_rate: float
    tie_rate: float
    seconds_p10: float
    seconds_median: float
    seconds_p90: float
    seconds_mean: float
    decided: int
    left_share: float
    left_low: float
    left_high: float
    left_p: float


def _rate(k: int, n: int) -> float:
    return k / n if n else math.nan


Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def position_bias(left: int, decided: int) -> tuple[float, float, float, float]:
    """(share of left choices, Wilson 95% interval low and high, exact two-sided binomial
    p-value against 0.5) of `left` left choices among `decided`; NaN when nothing is decided."""
    if decided == 0:
        return (math.nan,) * 4
    from scipy.stats import binomtest

    p = left / decided
    centre = (p + Z95**2 / (2 * decided)) / (1 + Z95**2 / decided)
    half = Z95 * math.sqrt(p * (1 - p) / decided + Z95**2 / (4 * decided**2)) / (
        1 + Z95**2 / decided)
    return p, centre - half, centre + half, float(binomtest(left, decided, 0.5).pvalue)


def labeller_stats(db: sqlite3.Connection) -> list[LabellerStats]:
    labels = db.execute(
        "SELECT l.labeller, l.query, l.answer, l.answered - l.shown, q.gold, q.true_answer"
        " FROM labels l JOIN queries q ON q.id = l.query WHERE l.status = 'answered'"
    ).fetchall()
    sides: dict[int, list[str]] = defaultdict(list)  # the side each label chose, as shown
    for who, side in db.execute("SELECT labeller, COALESCE(side, answer) FROM labels"
                                " WHERE status = 'answered'"):
        sides[who].append(side)
    by_query: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for who, query, given, _, _, _ in labels:
        by_query[query].append((who, given))
    out = []
    for lid, name, expert, revoked in db.execute(
            "SELECT id, name, expert, revoked FROM labellers ORDER BY id"):
        mine = [x for x in labels if x[0] == lid]
        answers = [x[2] for x in mine]
        gold = [(ANSWERS[g], truth) for _, _, g, _, is_gold, truth in mine
                if is_gold and g in ("left", "right")]
        pairs = agree = 0
        for _, query, given, _, _, _ in mine:
            if given not in JUDGED:
                continue
            for who, theirs in by_query[query]:
                if who != lid and theirs in JUDGED:
                    pairs += 1
                    agree += theirs == given
        secs = np.array([s for _, _, g, s, _, _ in mine if g != "timeout"], dtype=float)
        q10, q50, q90 = np.percentile(secs, [10, 50, 90]) if len(secs) else (math.nan,) * 3
        abstained = sum(a in ("cant_tell", "timeout") for a in answers)
        lefts, decided = sides[lid].count("left"), sides[lid].count("left") + sides[lid].count(
            "right")
        share, low, high, p_value = position_bias(lefts, decided)
        out.append(LabellerStats(
            name=name, view="expert" if expert else "lay", revoked=revoked is not None,
            answered=len(mine), gold_answered=len(gold),
            gold_agreement=_rate(sum(int(a) == t for a, t in gold), len(gold)),
            peer_pairs=pairs, peer_agreement=_rate(agree, pairs),
            abstain_rate=_rate(abstained, len(answers)),
            timeout_rate=_rate(answers.count("timeout"), len(answers)),
            tie_rate=_rate(answers.count("tie"), len(answers)),
            seconds_p10=float(q10), seconds_median=float(q50), seconds_p90=float(q90),
            seconds_mean=float(secs.mean()) if len(secs) else math.nan,
            decided=decided, left_share=share, left_low=low, left_high=high, left_p=p_value))
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a string starting like a formula (=, +, -, @, tab,
    carriage return) gets a leading apostrophe (OWASP's advice against CSV injection); numbers
    are left alone."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def stats_csv(stats: list[LabellerStats]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([f.name for f in fields(LabellerStats)])
    for s in stats:
        writer.writerow([f"{v:.6g}" if isinstance(v, float) else cell(v)
                         for v in asdict(s).values()])
    return buf.getvalue()


LABEL_COLUMNS = ("label", "batch", "query_index", "gold", "labeller", "view", "answer",
                 "true_answer", "leased", "shown", "answered", "seconds", "swapped", "side")


def labels_csv(db: sqlite3.Connection) -> str:
    """Every answered label, one row each: what was asked, who answered what (in the query's
    order: left = first) and when, whether the page showed the query swapped and the side the
    labeller chose on it."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(LABEL_COLUMNS)
    for row in db.execute(
            "SELECT l.id, q.batch, q.idx, q.gold, p.name, l.view, l.answer, q.true_answer,"
            " l.leased, l.shown, l.answered, l.answered - l.shown, q.swapped,"
            " COALESCE(l.side, l.answer) FROM labels l"
            " JOIN queries q ON q.id = l.query JOIN labellers p ON p.id = l.labeller"
            " WHERE l.status = 'answered' ORDER BY l.id"):
        row = list(row)
        row[7] = Answer(row[7]).name.lower()
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def calibrate_labeller(db: sqlite3.Connection, name: str) -> Calibration:
    """A simulated overseer fitted to labeller `name`'s answers (overseers/from_labels.py), from
    the preset of the view they were shown. Their labels must all be in one world."""
    from oversight.overseers.presets import make_overseer
    from oversight.web.frames import queries_of, world_of

    row = db.execute("SELECT id, expert FROM labellers WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise ValueError(f"no labeller named {name!r}")
    rows = db.execute(
        "SELECT b.world, b.world_params, q.first_start, q.first_actions, q.second_start,"
        " q.second_actions, q.revealed, q.shown, l.answer, l.answered - l.shown FROM labels l"
        " JOIN queries q ON q.id = l.query JOIN batches b ON b.id = q.batch"
        " WHERE l.labeller = ? AND l.status = 'answered' ORDER BY l.id", (row[0],)).fetchall()
    if not rows:
        raise ValueError(f"{name!r} has answered nothing yet")
    if db.execute("SELECT 1 FROM labels l JOIN queries q ON q.id = l.query WHERE"
                  " l.labeller = ? AND q.texts IS NOT NULL LIMIT 1", (row[0],)).fetchone():
        raise ValueError(f"{name!r} labelled texts: calibration from labels is built for "
                         "gridworld segments only")
    worlds = {(r[0], r[1]) for r in rows}
    if len(worlds) > 1:
        raise ValueError(f"{name!r} labelled several worlds {sorted(w for w, _ in worlds)}; "
                         "calibration needs one")
    world = world_of(rows[0][0], rows[0][1])
    queries = queries_of(world, [r[2:8] for r in rows])
    answers = np.array([int(ANSWERS[r[8]]) for r in rows], dtype=np.int64)
    seconds = np.array([math.nan if r[8] == "timeout" else r[9] for r in rows])
    template = make_overseer("expert" if row[1] else "lay", world)
    return calibrate_from_labels(template, queries, answers, seconds)

"""Per-labeller statistics are exact on scripted answers; calibration recovers a simulated
labeller's mistake rate and answer time; the CLI issues, lists and revokes tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from oversight.cli import app
from oversight.overseers.from_labels import calibrate_from_labels
from oversight.overseers.presets import make_overseer
from oversight.types import Answer
from oversight.web import queue
from oversight.web.db import connect
from oversight.web.frames import evidence, queries_of, segment_frames
from oversight.web.queue import ANSWERS, Settings
from oversight.web.stats import calibrate_labeller, labeller_stats, labels_csv, stats_csv
from oversight.web.texts import unswap
from oversight.web.tokens import find_labeller
from oversight.worlds import make_world

from .helpers import add, pairs, post

NAMES = {Answer.FIRST: "left", Answer.SECOND: "right", Answer.TIE: "tie",
         Answer.ABSTAIN: "cant_tell"}


def answer_all(folder: Path, token: str, choose: dict[int, str], t0: float, step: float) -> None:
    """Answer every query the labeller is offered: `choose[query id]`, `step` seconds each."""
    db = connect(folder)
    who = find_labeller(db, token)
    assert who is not None
    t = t0
    while (lease := queue.lease_next(db, who, t)) is not None:
        queue.mark_shown(db, who, lease.id, t)
        queue.answer(db, who, lease.id, unswap(choose[lease.query], lease.swapped), t + step)
        t += step + 1
    db.close()


def test_statistics_are_exact_on_scripted_answers(tmp_path: Path) -> None:
    post(tmp_path, "b", 8, Settings(redundancy=2, gold_rate=0.5))
    ann, bob = add(tmp_path, "ann"), add(tmp_path, "bob", expert=True)
    db = connect(tmp_path)
    ids = [i for (i,) in db.execute("SELECT id FROM queries ORDER BY id")]
    truth = dict(db.execute("SELECT id, true_answer FROM queries").fetchall())
    gold = {i for (i,) in db.execute("SELECT id FROM queries WHERE gold = 1")}
    right = {i: NAMES[Answer(truth[i])] for i in ids}
    wrong = {i: "right" if truth[i] == Answer.FIRST else "left" for i in ids}
    answer_all(tmp_path, ann, right, 0.0, 2.0)  # always right, 2 s each
    answer_all(tmp_path, bob, wrong | {ids[0]: "cant_tell"}, 1000.0, 4.0)
    stats = {s.name: s for s in labeller_stats(db)}
    a, b = stats["ann"], stats["bob"]
    assert (a.view, b.view) == ("lay", "expert")
    # every second query is gold while regular ones remain: 8 regular and 7 gold each
    assert a.answered == b.answered == 15
    assert a.gold_answered == 7 and a.gold_agreement == 1.0
    assert b.gold_answered == 7 and b.gold_agreement == 0.0
    assert ids[0] not in gold
    assert a.peer_pairs == b.peer_pairs == 14  # the same 15 queries, less bob's "can't tell"
    assert a.peer_agreement == 0.0
    assert b.abstain_rate == 1 / 15 and a.abstain_rate == 0.0 and a.timeout_rate == 0.0
    assert a.seconds_median == 2.0 and b.seconds_mean == 4.0
    assert stats_csv(list(stats.values())).splitlines()[0].startswith("name,view,revoked")
    assert len(labels_csv(db).splitlines()) == 1 + 30
    db.close()


def test_calibration_recovers_the_mistake_rate_and_time_of_a_simulated_labeller() -> None:
    world = make_world("camera-room")
    queries = pairs(3000, seed=5)
    labeller = make_overseer("lay", world, mistake=0.2)
    answers = labeller.judge(queries, np.random.default_rng(1)).answer
    fitted = calibrate_from_labels(make_overseer("lay", world), queries, answers,
                                   np.full(len(queries), 6.0))
    assert abs(fitted.mistake - 0.2) < 0.03
    assert fitted.equal == 0.0 and fitted.abstain_rate == 0.0
    assert np.allclose(fitted.overseer.seconds(queries), 6.0)
    assert fitted.overseer.rationality.mistake == fitted.mistake


def test_calibration_counts_disagreements_exactly() -> None:
    world = make_world("camera-room")
    queries = pairs(400, seed=2)
    template = make_overseer("expert", world)
    reference = template.judge(queries, np.random.default_rng(0)).answer
    decisive = np.flatnonzero(np.isin(reference, [Answer.FIRST, Answer.SECOND]))[:100]
    take = queries.take(decisive)
    answers = reference[decisive].copy()
    answers[:10] = 1 - answers[:10]  # ten of a hundred flipped
    answers = np.concatenate([answers, [Answer.ABSTAIN] * 4])
    take = take.concat(take, queries.take(decisive[:4]))
    fitted = calibrate_from_labels(template, take, answers, np.full(104, np.nan))
    assert fitted.mistake == 0.1 and fitted.abstain_rate == 4 / 104


def test_a_labeller_is_calibrated_from_the_database(tmp_path: Path) -> None:
    world = make_world("camera-room")
    post(tmp_path, "b", 300, Settings(), seed=4)
    token = add(tmp_path, "ann")
    db = connect(tmp_path)
    rows = db.execute("SELECT id, first_start, first_actions, second_start, second_actions,"
                      " revealed, shown FROM queries ORDER BY id").fetchall()
    queries = queries_of(world, [r[1:] for r in rows])
    simulated = make_overseer("lay", world, mistake=0.25).judge(queries,
                                                               np.random.default_rng(3))
    answer_all(tmp_path, token, {r[0]: NAMES[Answer(int(a))] for r, a in
                                 zip(rows, simulated.answer, strict=True)}, 0.0, 5.0)
    fitted = calibrate_labeller(db, "ann")
    db.close()
    reference = make_overseer("lay", world).judge(queries, np.random.default_rng(0)).answer
    decisive = np.isin(reference, [0, 1])
    expected = np.mean(simulated.answer[decisive] != reference[decisive])
    assert fitted.n == 300 and fitted.mistake == pytest.approx(expected)
    assert fitted.seconds_median == 5.0


def test_an_expert_sees_the_dirt_under_the_rug_and_a_lay_labeller_does_not() -> None:
    world = make_world("camera-room")
    queries = pairs(200, seed=0)
    hidden = world.feature_index("dirt_hidden")
    i = int(np.flatnonzero(queries.first.features[:, :, hidden].sum(axis=1) > 0)[0])
    start, actions = int(queries.first.states[i, 0]), "".join(map(str, queries.first.actions[i]))
    lay = segment_frames(world, start, actions, reveal=False)
    expert = segment_frames(world, start, actions, reveal=True)
    assert not any("X" in "".join(f) for f in lay) and any("X" in "".join(f) for f in expert)
    states = [int(s) for s in queries.first.states[i]]
    for frame, s in zip(expert, states, strict=False):  # the page paints what world.rgb draws
        assert list(frame) == world.render(world.states[s], True)


def test_the_cli_issues_lists_and_revokes_tokens(tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["labellers", "add", str(tmp_path), "ann", "--expert"])
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    db = connect(tmp_path)
    who = find_labeller(db, token)
    assert who is not None and who.expert
    assert runner.invoke(app, ["labellers", "add", str(tmp_path), "ann"]).exit_code == 2
    listed = runner.invoke(app, ["labellers", "list", str(tmp_path)])
    assert "ann" in listed.output and "expert" in listed.output
    assert runner.invoke(app, ["labellers", "revoke", str(tmp_path), "ann"]).exit_code == 0
    again = runner.invoke(app, ["labellers", "revoke", str(tmp_path), "ann"])
    assert again.exit_code == 2 and "revoked already" in again.output
    who = find_labeller(db, token)
    assert who is not None and who.revoked is not None
    admin = runner.invoke(app, ["labellers", "admin", str(tmp_path)])
    assert admin.exit_code == 0 and len(admin.output.strip().splitlines()[-1]) >= 40
    missing = runner.invoke(app, ["labellers", "list", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such experiment folder" in " ".join(
        missing.output.split())
    db.close()
    assert set(ANSWERS) == {"left", "right", "tie", "cant_tell", "timeout"}


def test_calibration_finds_the_equal_threshold_of_a_simulated_labeller() -> None:
    world = make_world("camera-room")
    queries = pairs(1500, seed=6)
    answers = make_overseer("lay", world, equal=0.8).judge(queries,
                                                           np.random.default_rng(0)).answer
    fitted = calibrate_from_labels(make_overseer("lay", world), queries, answers,
                                   np.full(len(queries), 3.0))
    refit = fitted.overseer.judge(queries, np.random.default_rng(0)).answer
    assert fitted.mistake == 0.0
    assert np.mean(refit == Answer.TIE) == np.mean(answers == Answer.TIE)


def test_a_step_shown_as_evidence_is_listed_with_what_happened_there() -> None:
    world = make_world("camera-room")
    queries = pairs(200, seed=0)
    hidden = world.feature_index("dirt_hidden")
    i = int(np.flatnonzero(queries.first.features[:, :, hidden].sum(axis=1) > 0)[0])
    t = int(np.flatnonzero(queries.first.features[i, :, hidden])[0])  # the step hiding dirt
    start, actions = int(queries.first.states[i, 0]), "".join(map(str, queries.first.actions[i]))
    shown = "".join("1" if s == t else "0" for s in range(len(actions)))
    assert evidence(world, start, actions, shown) == [
        {"step": t + 1, "features": {"dirt_visible_removed": 1.0, "dirt_hidden": 1.0}}]
    assert evidence(world, start, actions, "0" * len(actions)) == []


def test_segment_json_is_the_json_of_frames_and_evidence() -> None:
    """What GET /api/next splices in equals encoding segment_frames and evidence afresh."""
    import json

    from oversight.web.frames import segment_json

    world = make_world("camera-room")
    q = pairs(3)
    for i in range(3):
        start, actions = int(q.first.states[i, 0]), "".join(map(str, q.first.actions[i]))
        shown = "".join("1" if t % 3 == 0 else "0" for t in range(len(actions)))
        for reveal in (False, True):
            frames, ev = segment_json(world, start, actions, reveal, shown)
            assert json.loads(frames) == json.loads(json.dumps(
                segment_frames(world, start, actions, reveal)))
            assert json.loads(ev) == evidence(world, start, actions, shown)

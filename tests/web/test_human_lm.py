"""The human overseer on a language-model arm: a scripted person answers text queries through
the HTTP API while LM RLHF waits, and the run equals the run with the oracle preset."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import parse
from oversight.web.db import connect

from .test_human_e2e import MEASURED, not_measured, same, scripted_person, without

SPEC = """
name = "lm-people"
seeds = 1
[defaults]
world = "lm-unknown"
budget = { kind = "labels", amount = 12 }
[defaults.lm]
size = "tiny"
prompts = 12
eval_prompts = 4
candidates = 2
n = 2
reward_model = { steps = 10 }
[[arms]]
name = "people"
overseer = "human"
overseer_params = { wait = 120 }
[[arms]]
name = "oracle"
overseer = "oracle"
"""


def test_an_lm_run_is_labelled_by_a_person_reading_the_texts(tmp_path: Path) -> None:
    with scripted_person(tmp_path) as answered:
        rows = run_experiment(parse(SPEC, "lm.toml"), tmp_path, "serial")
    by_arm = {r["arm"]: r for r in rows}
    assert [r["status"] for r in rows] == ["done", "done"], [r.get("error") for r in rows]
    people, oracle = by_arm["people"]["metrics"], by_arm["oracle"]["metrics"]
    assert len(answered) == 12 and people["labels"] == 12
    assert same(without(people, MEASURED), without(oracle, MEASURED))
    assert not_measured(people)
    db = connect(tmp_path)
    queries = db.execute("SELECT q.texts, q.swapped, l.side, l.answer FROM queries q JOIN"
                         " labels l ON l.query = q.id WHERE q.gold = 0").fetchall()
    db.close()
    assert len(queries) == 12
    with sqlite3.connect(tmp_path / "store.sqlite") as store:
        judged = store.execute("SELECT first_actions, second_actions, detail FROM judgments"
                               " j JOIN runs r ON r.key = j.run WHERE r.arm = 'people'"
                               ).fetchall()
        answers = {arm: [a for (a,) in store.execute(
            "SELECT j.answer FROM judgments j JOIN runs r ON r.key = j.run WHERE r.arm = ?"
            " ORDER BY j.idx", (arm,))] for arm in ("people", "oracle")}
    store.close()
    assert answers["people"] == answers["oracle"]  # the person read what the oracle computes
    posted = [json.loads(t) for t, *_ in queries]
    # the page was given exactly the completions the run judged, with the model's prompt
    assert sorted((p["first"], p["second"], p["prompt"]) for p in posted) == sorted(
        (a, b, json.loads(d)["prompt"]) for a, b, d in judged)
    assert all(p["lay_prompt"] != p["prompt"] and "P:" not in p["lay_prompt"] for p in posted)
    assert {s for _, s, _, _ in queries} == {0, 1}  # both sides were used
    assert all(answer == (side if not s else {"left": "right", "right": "left"}.get(side, side))
               for _, s, side, answer in queries)

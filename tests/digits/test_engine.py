"""`oversight run debate-digits` through the engine: each condition × k × judge seed is a stored
run, and the rows rebuilt from the store equal those of the whole task run at once."""

from __future__ import annotations

from pathlib import Path

from oversight.digits import experiment as ex
from oversight.digits.judge import JudgeTraining
from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import load, parse
from oversight.experiments.store import Store
from oversight.report import load_document
from oversight.report.digits import rows_of

CONDITIONS = ("judge alone", "random second label", "debate: greedy vs greedy",
              "debate: minimax vs minimax")


def test_stored_runs_equal_the_whole_task(tmp_path: Path) -> None:
    text = 'name = "d"\nseeds = 2\n[defaults]\nworld = "digits"\nscheme = "debate"\n'
    for c in CONDITIONS:
        text += (f'[[arms]]\nname = "{c}"\ndigits = {{ condition = "{c}", k = 4, '
                 'test_images = 12, judge = { epochs = 2 } }\n')
    spec = parse(text, "d.toml")
    rows = run_experiment(spec, tmp_path, "serial")
    assert [r["status"] for r in rows] == ["done"] * 8
    with Store(tmp_path, create=False) as store:
        stored = rows_of(store.runs())
    whole = ex.run(ex.Config(seeds=(0, 1), ks=(4,), test_images=12,
                             judge=JudgeTraining(k=0, epochs=2)))
    wanted = [r for r in whole if r.condition in CONDITIONS]
    assert list(map(repr, stored)) == list(map(repr, wanted)) and len(wanted) > 20  # NaN too
    _, document = load_document(tmp_path)  # the digits kind renders it
    assert document.title.startswith("Debate with a sparse judge")


def test_the_catalogue_experiment_has_every_condition_at_both_ks() -> None:
    arms = load("debate-digits").arms
    tasks = {(a.digits["condition"], a.digits["k"]) for a in arms}
    assert len(tasks) == len(arms) == 10 and {k for _, k in tasks} == {4, 6}
    assert ("debate: minimax vs minimax", 4) in tasks and ("debate: MCTS vs MCTS", 6) in tasks

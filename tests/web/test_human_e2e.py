"""The human overseer end to end: a scripted person answers through the HTTP API while the RLHF
loop trains on camera-room, and the run equals the run with the equivalent simulated overseer."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import parse
from oversight.overseers.presets import make_overseer
from oversight.schemes.rlhf import RLHF
from oversight.types import Budget
from oversight.web.db import connect
from oversight.web.human import HumanOverseer
from oversight.web.server import create_app
from oversight.worlds import make_world

from .helpers import add, live_server, oracle_labeller

UNMEASURED = {f"{stem}_{split}" for split in ("train", "deploy")  # a person's values and
              for stem in ("perceived_return", "perceived_return_norm", "perceived_gap",  # view
                           "deception_rate", "deception_rate_partial")}  # are unknown: NaN
MEASURED = {"overseer_seconds", "money"} | UNMEASURED  # and people's real time, not the
# preset's assumption


def not_measured(metrics: dict[str, float]) -> bool:
    """Every perceived quantity of a human arm is NaN (not measured), never the true reward's."""
    return all(math.isnan(metrics[k]) for k in UNMEASURED)


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


def without(metrics: dict[str, float], keys: set[str]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if k not in keys}


@contextmanager
def scripted_person(folder: Path) -> Iterator[list[int]]:
    """Serve `folder` on 127.0.0.1 with one scripted oracle labeller answering in a thread."""
    token = add(folder, "scripted")
    answered: list[int] = []
    stop = threading.Event()
    with live_server(create_app(folder)) as url:
        person = threading.Thread(target=oracle_labeller,
                                  args=(url, token, folder, stop, answered))
        person.start()
        try:
            yield answered
        finally:
            stop.set()
            person.join(timeout=30)


def test_the_loop_trained_by_a_scripted_human_equals_the_oracle_run(tmp_path: Path) -> None:
    world = make_world("camera-room")
    scheme, budget = RLHF(rounds=3, episodes_per_round=60), Budget("labels", 45)
    simulated = scheme.run(world, make_overseer("oracle", world), budget,
                           np.random.default_rng(7))
    human = HumanOverseer(tmp_path, "run-7", "camera-room", wait=120, poll=0.05)
    with scripted_person(tmp_path) as answered:
        result = scheme.run(world, human, budget, np.random.default_rng(7))
    assert same(without(result.metrics, MEASURED), without(simulated.metrics, MEASURED))
    assert not_measured(result.metrics) and not any(math.isnan(simulated.metrics[k])
                                                    for k in UNMEASURED)
    assert result.metrics["labels"] == 45 == len(answered)
    assert result.judgments["answer"] == simulated.judgments["answer"]
    assert human.calls == 3  # one batch per round
    db = connect(tmp_path)
    total = db.execute("SELECT SUM(answered - shown) FROM labels WHERE status = 'answered'"
                       ).fetchone()[0]
    db.close()
    assert math.isclose(result.metrics["overseer_seconds"], total)


SPEC = """
name = "human-vs-oracle"
seeds = 1
[defaults]
world = "camera-room"
budget = { kind = "labels", amount = 30 }
rlhf = { rounds = 2, episodes_per_round = 60 }
[[arms]]
name = "people"
overseer = "human"
overseer_params = { wait = WAIT }
[[arms]]
name = "oracle"
overseer = "oracle"
"""


def test_an_experiment_mixes_human_and_simulated_arms_and_resumes_a_wait(tmp_path: Path
                                                                         ) -> None:
    """Nobody answers: the human arm's run stops waiting and is recorded as failed, with what
    to do. Run again with a person answering: it resumes the same batch and equals the oracle."""
    first = run_experiment(parse(SPEC.replace("WAIT", "0.3"), "x.toml"), tmp_path, "serial")
    people = next(r for r in first if r["arm"] == "people")
    assert people["status"] == "failed" and "run the experiment again to resume" in \
        people["error"]
    with scripted_person(tmp_path):
        rows = run_experiment(parse(SPEC.replace("WAIT", "60"), "x.toml"), tmp_path, "serial")
    by_arm = {r["arm"]: r for r in rows}
    assert by_arm["people"]["status"] == "done"
    assert same(without(by_arm["people"]["metrics"], MEASURED),
                without(by_arm["oracle"]["metrics"], MEASURED))
    assert not_measured(by_arm["people"]["metrics"])
    db = connect(tmp_path)
    batches = db.execute("SELECT COUNT(*) FROM batches WHERE run != ''").fetchone()[0]
    db.close()
    assert batches == 2  # one per round: the batch posted before the timeout was reused


def test_experiment_files_check_the_human_overseers_parameters() -> None:
    from oversight.experiments.spec import SpecError

    good = parse(SPEC.replace("WAIT", "5").replace(
        "wait = 5", "wait = 5, redundancy = 3, gold_rate = 0.1, time_limit = 8"), "x.toml")
    assert good.arms[0].overseer_params["redundancy"] == 3
    for bad, words in (("mistake = 0.1", "unknown human overseer parameter(s) ['mistake']"),
                       ("redundancy = 0", "redundancy must be a whole number >= 1"),
                       ("gold_rate = 1.5", "gold_rate must be in [0, 1)"),
                       ("wait = -1", "wait > 0")):
        text = SPEC.replace("wait = WAIT", bad)
        try:
            parse(text, "x.toml")
        except SpecError as e:
            assert words in str(e) and "overseer_params" in str(e), str(e)
        else:
            raise AssertionError(f"{bad} was accepted")

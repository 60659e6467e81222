"""The `human` overseer: judgments from people, through the label queue.

`judge` posts the queries as one batch and waits until every query has its `redundancy` labels,
polling the labels database; the labellers answer on the page (or through the API). Each
judgment is the plurality of its labels ("can't tell" and timed-out labels count as ABSTAIN);
when no answer has a strict plurality it is TIE if only left and right are tied, else ABSTAIN.
Its seconds are the labellers' server-side answer times, summed over the labels, and it counts
as `redundancy` questions: every label and every minute a person gave to the run's queries is
charged to the budget (time on gold questions measures the labeller and is not charged).

Text worlds (the language-model track): the scheme hands the prompt and both completions of each
query to `judge_texts` (protocols.ReadsTexts); they are posted with the queries and the page
shows them as text. `judge` alone cannot serve a text world, whose queries carry no text.

Resume: a batch's id is a hash of the run key, the call's number within the run and the queries,
so a run that stops waiting (`LabelsTimeout`, recorded as a failed run) and is run again replays
deterministically to the same batch and keeps every label already given.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from oversight.types import Answer, FloatArray, IntArray, Judgments, PairTexts, Queries
from oversight.web import queue
from oversight.web.db import connect
from oversight.web.queue import ANSWERS, BatchLabels, Settings
from oversight.worlds.engine import TabularWorld
from oversight.worlds.text.base import TextWorld

HUMAN_PARAMS = {  # overseer_params of an arm with overseer = "human", with their defaults
    "redundancy": 1,  # labels per query, from different labellers
    "gold_rate": 0.0,  # share of gold questions mixed into each labeller's queries
    "time_limit": 0.0,  # seconds per query on the page; 0 = no time pressure
    "lease_seconds": 600.0,  # how long an unanswered query stays with one labeller
    "wait": 86400.0,  # seconds `judge` waits for a batch before giving up (resume later)
    "seconds": 10.0,  # seconds per judgment assumed when choosing how many to ask
    "wage": 15.0,  # wage per hour, for money budgets
}


def check_params(params: dict[str, Any]) -> None:
    """Raise ValueError unless `params` are valid overseer_params of a human arm."""
    unknown = set(params) - set(HUMAN_PARAMS)
    if unknown:
        raise ValueError(f"unknown human overseer parameter(s) {sorted(unknown)}; "
                         f"expected some of {sorted(HUMAN_PARAMS)}")
    p = HUMAN_PARAMS | params
    if p["time_limit"] < 0 or p["wait"] <= 0 or p["seconds"] < 0 or p["wage"] < 0:
        raise ValueError("time_limit >= 0, wait > 0, seconds >= 0 and wage >= 0 are needed; "
                         f"got {params}")
    Settings(p["redundancy"], float(p["gold_rate"]), float(p["time_limit"]) or None,
             float(p["lease_seconds"]))  # checks the rest


class LabelsTimeout(RuntimeError):
    """The labels did not arrive in time; running the experiment again resumes the wait."""


def aggregate(labels: list[tuple[str, float]]) -> tuple[int, float]:
    """(answer code, total seconds) of one query's labels (see the module docstring)."""
    codes = [int(ANSWERS[a]) for a, _ in labels]
    counts = np.bincount(codes, minlength=len(Answer))
    top = np.flatnonzero(counts == counts.max())
    if len(top) == 1:
        answer = int(top[0])
    else:
        answer = Answer.TIE if set(top) == {Answer.FIRST, Answer.SECOND} else Answer.ABSTAIN
    return int(answer), float(sum(s for _, s in labels))


@dataclass
class HumanOverseer:
    """Asks the labellers of `folder` (its labels.sqlite) about queries in world `world`."""

    folder: Path
    run: str
    world: str
    world_params: dict[str, Any] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    wait: float = 86400.0
    seconds_estimate: float = 10.0
    wage: float = 15.0
    poll: float = 0.2
    clock: Callable[[], float] = time.time
    calls: int = 0

    @staticmethod
    def for_run(folder: Path, run: str, world: str, world_params: dict[str, Any],
                params: dict[str, Any]) -> HumanOverseer:
        """The human overseer of one run of an arm with these overseer_params. `run` keys its
        batches; the caller gives the run's key computed without `wait` (experiments/
        executors.py), so waiting longer on a rerun resumes the same batches."""
        check_params(params)
        p = HUMAN_PARAMS | params
        settings = Settings(int(p["redundancy"]), float(p["gold_rate"]),
                            float(p["time_limit"]) or None, float(p["lease_seconds"]))
        return HumanOverseer(folder, run, world, dict(world_params), settings,
                             float(p["wait"]), float(p["seconds"]), float(p["wage"]))

    @property
    def name(self) -> str:
        return "human"

    @property
    def wage_per_hour(self) -> float:
        return self.wage

    @property
    def view(self) -> None:
        """A person's view is not known to the scheme."""
        return None

    @property
    def values(self) -> None:
        """Nor are their values."""
        return None

    @property
    def simulation(self) -> None:
        """People cannot be simulated: schemes that search against the judge need another."""
        return None

    @property
    def perceived_weights(self) -> None:
        """So their perceived return and deception are not measured (reported as such)."""
        return None

    def seconds(self, queries: Queries) -> FloatArray:
        return np.full(len(queries), self.seconds_estimate * self.settings.redundancy)

    def questions(self, queries: Queries) -> IntArray:
        """(N,) labels each judgment takes from people: what a labels budget counts."""
        return np.full(len(queries), self.settings.redundancy, dtype=np.int64)

    def batch_id(self, queries: Queries, texts: PairTexts | None = None) -> str:
        h = hashlib.sha256(json.dumps([self.run, self.calls]).encode())
        for a in (queries.first.states[:, 0], queries.first.actions, queries.second.states[:, 0],
                  queries.second.actions, queries.revealed, queries.shown):
            h.update(np.ascontiguousarray(a).tobytes())
        if texts is not None:
            h.update(json.dumps([texts.prompts, texts.first, texts.second]).encode())
        return f"{self.run}:{self.calls}:{h.hexdigest()[:16]}"

    def build_world(self) -> TabularWorld | TextWorld:
        """The world the queries belong to (a gridworld or a text world, built by name)."""
        from oversight.experiments.kinds import build_world

        world = build_world(self.world, dict(self.world_params))
        if not isinstance(world, TabularWorld | TextWorld):
            raise ValueError(f"the human overseer labels gridworlds and text worlds, not "
                             f"{self.world!r}")
        return world

    def judge(self, queries: Queries, rng: np.random.Generator) -> Judgments:
        """Post the queries, wait for their labels, aggregate. `rng` is unused: the randomness
        is the people's."""
        return self._judge(queries, None)

    def judge_texts(self, queries: Queries, texts: PairTexts, rng: np.random.Generator
                    ) -> Judgments:
        """`judge` for a text world's queries, whose prompts and completions the page shows."""
        return self._judge(queries, texts)

    def _judge(self, queries: Queries, texts: PairTexts | None) -> Judgments:
        world = self.build_world()
        if isinstance(world, TextWorld) and texts is None:
            raise ValueError(f"{self.world} is a text world: people need the prompt and "
                             "completions of each query (judge_texts), which its queries lack")
        batch = self.batch_id(queries, texts)
        self.calls += 1
        db = connect(self.folder)
        try:
            queue.post_batch(db, batch, self.run, self.world, self.world_params, world, queries,
                             self.settings, self.clock(), texts)
            labels = self._wait(db, batch)
        finally:
            db.close()
        answers, seconds = zip(*(aggregate(x[: labels.needed]) for x in labels.labels),
                               strict=True) if len(queries) else ((), ())
        return Judgments(np.array(answers, dtype=np.int64), np.array(seconds, dtype=float),
                         self.questions(queries))

    def _wait(self, db: Any, batch: str) -> BatchLabels:
        deadline = time.monotonic() + self.wait
        while True:
            labels = queue.batch_labels(db, batch, self.clock())
            if labels.complete:
                return labels
            if time.monotonic() >= deadline:
                total = labels.needed * len(labels.labels)
                raise LabelsTimeout(
                    f"waited {self.wait:g} s for labels of batch {batch} in {self.folder}: "
                    f"{labels.answered} of {total} given; run the experiment again to resume")
            time.sleep(self.poll)

"""Shared pieces of the web tests: a folder with labellers and queries, a live server, a clock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from oversight.overseers.calibration import random_pairs
from oversight.types import Answer, PairTexts, Queries
from oversight.web import queue, tokens
from oversight.web.db import connect
from oversight.worlds import make_world


@dataclass
class Clock:
    """A settable clock for the queue and the server (seconds)."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def pairs(n: int, seed: int = 0) -> Queries:
    return random_pairs(make_world("camera-room"), n, seed)


def post(folder: Path, batch: str, n: int, settings: queue.Settings, now: float = 0.0,
         seed: int = 0) -> None:
    db = connect(folder)
    world = make_world("camera-room")
    queue.post_batch(db, batch, "run", "camera-room", {}, world, pairs(n, seed), settings, now)
    db.close()


def add(folder: Path, name: str, expert: bool = False) -> str:
    db = connect(folder)
    token = tokens.add_labeller(db, name, expert)
    db.close()
    return token


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def oracle_labeller(url: str, token: str, folder: Path, stop: threading.Event,
                    answered: list[int] | None = None) -> None:
    """A scripted person who answers through the HTTP API exactly as the oracle preset would.

    It is the test's oracle, so it may read the query behind each lease from the labels
    database (a person reads it off the screen, including which side shows which segment);
    everything it does goes through the API. A text query's truth is its stored true answer
    (w_true on the completions' checked features, which is what the oracle preset compares)."""
    import httpx
    import numpy as np

    from oversight.overseers.presets import make_overseer
    from oversight.web.frames import queries_of
    from oversight.web.texts import unswap

    names = {Answer.FIRST: "left", Answer.SECOND: "right", Answer.TIE: "tie"}
    db = connect(folder)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            r = client.get("/api/next", headers=headers)
            r.raise_for_status()
            lease = r.json()["lease"]
            if lease is None:
                time.sleep(0.02)
                continue
            row = db.execute(
                "SELECT q.first_start, q.first_actions, q.second_start, q.second_actions,"
                " q.revealed, q.shown, b.world, b.world_params, q.texts, q.swapped, q.true_answer"
                " FROM labels l JOIN queries q ON"
                " q.id = l.query JOIN batches b ON b.id = q.batch WHERE l.id = ?",
                (lease,)).fetchone()
            if row[8] is not None:  # a text query
                truth = Answer(int(row[10]))
            else:
                world = make_world(row[6], **json.loads(row[7]))
                oracle = make_overseer("oracle", world)
                judged = oracle.judge(queries_of(world, [row[:6]]), np.random.default_rng(0))
                truth = Answer(int(judged.answer[0]))
            given = unswap(names[truth], bool(row[9]))  # the side it is on, on screen
            r = client.post("/api/answer", json={"lease": lease, "answer": given},
                            headers=headers)
            r.raise_for_status()
            if answered is not None:
                answered.append(lease)
    db.close()


def need_chromium() -> str:
    """Chromium's path; skip without it on a developer machine (CI installs it: fail there)."""
    import os
    import shutil

    import pytest

    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed")
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def text_pairs(n: int, seed: int = 0, world: str = "lm-unknown") -> tuple[Queries, PairTexts]:
    """n text queries of a text world: two of its scripted completions of each training
    prompt, with their texts (as an LM run posts them)."""
    import numpy as np

    from oversight.worlds.text import make_text_world

    text_world = make_text_world(world)
    rng = np.random.default_rng(seed)
    prompts = text_world.prompts("train", n, rng)
    first, second = text_world.completions(prompts, rng), text_world.completions(prompts, rng)
    queries = Queries.pairs(text_world.segments(prompts, first),
                            text_world.segments(prompts, second))
    return queries, PairTexts(tuple(p.text for p in prompts), tuple(p.lay_text for p in prompts),
                              tuple(first), tuple(second))


def post_texts(folder: Path, batch: str, n: int, settings: queue.Settings, now: float = 0.0,
               seed: int = 0, texts: PairTexts | None = None) -> PairTexts:
    """Post n lm-unknown text queries (their texts replaced by `texts` if given); returns the
    texts posted."""
    from oversight.worlds.text import make_text_world

    queries, made = text_pairs(n, seed)
    texts = texts or made
    db = connect(folder)
    queue.post_batch(db, batch, "run", "lm-unknown", {}, make_text_world("lm-unknown"), queries,
                     settings, now, texts)
    db.close()
    return texts

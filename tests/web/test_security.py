"""Security of the labelling API: each bad request gets the right 4xx, a clear JSON message,
and changes nothing in the labels database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oversight.web.db import connect
from oversight.web.queue import Settings
from oversight.web.server import MAX_BODY, create_app
from oversight.web.tokens import issue_admin, revoke_labeller

from .helpers import add, live_server, post


def snapshot(folder: Path) -> list[Any]:
    db = connect(folder)
    rows = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("labellers", "batches", "queries", "labels")]
    db.close()
    return rows


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path, dict[str, str]]]:
    post(tmp_path, "b", 4, Settings(redundancy=2))
    tokens = {name: add(tmp_path, name) for name in ("ann", "bob", "cy")}
    db = connect(tmp_path)
    revoke_labeller(db, "cy")
    tokens["admin"] = issue_admin(db)
    db.close()
    with live_server(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        yield client, tmp_path, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rejected(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_every_bad_request_is_refused_and_changes_nothing(
        site: tuple[httpx.Client, Path, dict[str, str]]) -> None:
    client, folder, tokens = site
    ann, bob = auth(tokens["ann"]), auth(tokens["bob"])
    lease = client.get("/api/next", headers=ann).json()["lease"]
    bobs = client.get("/api/next", headers=bob).json()["lease"]
    client.post("/api/answer", json={"lease": bobs, "answer": "tie"}, headers=bob)
    before = snapshot(folder)
    cases: list[tuple[httpx.Response, int, str]] = [
        (client.get("/api/next"), 401, "missing token"),
        (client.post("/api/answer", json={"lease": lease, "answer": "left"}), 401,
         "missing token"),
        (client.get("/api/next", headers=auth("not-a-token")), 401, "unknown token"),
        (client.get("/api/next", headers={"Authorization": tokens["ann"]}), 401, "Bearer"),
        (client.get("/api/next", headers=auth(tokens["cy"])), 403, "revoked"),
        (client.post("/api/answer", json={"lease": lease, "answer": "left"},
                     headers=auth(tokens["cy"])), 403, "revoked"),
        (client.post("/api/answer", json={"lease": lease, "answer": "left"}, headers=bob),
         403, "not yours"),
        (client.post("/api/shown", json={"lease": lease}, headers=bob), 403, "not yours"),
        (client.post("/api/answer", json={"lease": bobs, "answer": "left"}, headers=bob),
         409, "answered already"),
        (client.post("/api/answer", json={"lease": 999, "answer": "left"}, headers=ann),
         404, "no lease 999"),
        (client.post("/api/answer", content=b"{not json", headers=ann), 400, "JSON object"),
        (client.post("/api/answer", json=[lease, "left"], headers=ann), 400, "JSON object"),
        (client.post("/api/answer", json={"lease": lease}, headers=ann), 422, "exactly"),
        (client.post("/api/answer", json={"lease": lease, "answer": "left", "x": 1},
                     headers=ann), 422, "exactly"),
        (client.post("/api/answer", json={"lease": str(lease), "answer": "left"},
                     headers=ann), 422, "integer"),
        (client.post("/api/answer", json={"lease": True, "answer": "left"}, headers=ann),
         422, "integer"),
        (client.post("/api/answer", json={"lease": lease, "answer": "up"}, headers=ann),
         422, "answer must be one of"),
        (client.post("/api/answer", json={"lease": lease, "answer": 1}, headers=ann),
         422, "answer must be a str"),
        (client.post("/api/answer", content=b'{"lease": 1, "answer": "' + b"x" * MAX_BODY
                     + b'"}', headers=ann | {"Content-Type": "application/json"}),
         413, "over 4096 bytes"),
        (client.post("/api/answer", content=iter([b'{"lease": 1, ', b" " * MAX_BODY, b"}"]),
                     headers=ann), 413, "over 4096 bytes"),  # chunked: no Content-Length
        (client.get("/api/admin/stats"), 401, "missing token"),
        (client.get("/api/admin/stats", headers=ann), 401, "admin token"),
        (client.get("/api/admin/labels.csv", headers=ann), 401, "admin token"),
        (client.get("/api/admin/stats.csv", headers=bob), 401, "admin token"),
    ]
    for response, status, words in cases:
        rejected(response, status, words)
    assert snapshot(folder) == before
    ok = client.post("/api/answer", json={"lease": lease, "answer": "left"}, headers=ann)
    assert ok.status_code == 200 and ok.json()["recorded"] == "left"
    rejected(client.post("/api/answer", json={"lease": lease, "answer": "right"}, headers=ann),
             409, "answered already")  # a replay does not overwrite
    assert snapshot(folder) != before


def test_labellers_see_neither_the_truth_nor_other_answers(
        site: tuple[httpx.Client, Path, dict[str, str]]) -> None:
    client, _, tokens = site
    ann = auth(tokens["ann"])
    first = client.get("/api/next", headers=ann).json()
    assert set(first) == {"lease", "kind", "view", "revealed", "time_limit", "task", "world",
                          "palette",
                          "legend", "left", "right", "evidence", "progress"}
    assert first["view"] == "lay" and not first["revealed"]
    assert set(client.get("/api/me", headers=ann).json()) == {"name", "view", "progress"}
    stats = client.get("/api/admin/stats", headers=auth(tokens["admin"]))
    assert stats.status_code == 200 and len(stats.json()["labellers"]) == 3
    labels = client.get("/api/admin/labels.csv", headers=auth(tokens["admin"]))
    assert labels.text.startswith("label,batch,query_index,gold,labeller")


def test_pages_forbid_framing_and_inline_script(
        site: tuple[httpx.Client, Path, dict[str, str]]) -> None:
    client, _, _ = site
    for path in ("/", "/admin"):
        r = client.get(path)
        assert r.status_code == 200
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "<script>" not in r.text  # scripts come from /static only (CSP 'self')


def test_the_server_listens_on_localhost_unless_told_otherwise() -> None:
    import inspect

    from oversight.cli import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_a_revoked_labeller_cannot_answer_a_lease_they_hold(tmp_path: Path) -> None:
    post(tmp_path, "b", 1, Settings())
    token = add(tmp_path, "ann")
    with live_server(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        lease = client.get("/api/next", headers=auth(token)).json()["lease"]
        db = connect(tmp_path)
        revoke_labeller(db, "ann")
        db.close()
        before = snapshot(tmp_path)
        rejected(client.post("/api/answer", json={"lease": lease, "answer": "left"},
                             headers=auth(token)), 403, "revoked")
        assert snapshot(tmp_path) == before


def test_stored_tokens_are_hashes(tmp_path: Path) -> None:
    token = add(tmp_path, "ann")
    db = sqlite3.connect(tmp_path / "labels.sqlite")
    stored = db.execute("SELECT token_hash FROM labellers").fetchone()[0]
    db.close()
    assert token not in stored and len(stored) == 64

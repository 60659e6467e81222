"""Hostile requests and damaged files (issue 14's server cases): every one gets a 4xx (or a
one-line CLI error) as JSON `{"error": ...}` with the security headers, and the labels database
is unchanged; a repeated answer is stored once; revoking releases leases at once; CSV cells
cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from oversight.cli import app
from oversight.web.db import LABELS_FILE, connect
from oversight.web.queue import Settings
from oversight.web.server import MAX_HEADERS, create_app
from oversight.web.tokens import issue_admin, revoke_labeller

from .helpers import add, live_server, post
from .test_security import auth, snapshot

Site = tuple[httpx.Client, Path, dict[str, str]]


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[Site]:
    post(tmp_path, "b", 1, Settings())  # one query wanting one label
    tokens = {name: add(tmp_path, name) for name in ("ann", "bob", "=HYPERLINK(1)")}
    db = connect(tmp_path)
    tokens["admin"] = issue_admin(db)
    db.close()
    with live_server(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        yield client, tmp_path, tokens


def refused(r: httpx.Response, status: int, words: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert words in r.json()["error"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_out_of_range_nested_oversized_and_unknown_requests_get_json_4xx(site: Site) -> None:
    client, folder, tokens = site
    ann = auth(tokens["ann"])
    lease = client.get("/api/next", headers=ann).json()["lease"]
    before = snapshot(folder)
    deep = b"[" * 3000 + b"]" * 3000
    cases = [
        (client.post("/api/answer", content=b'{"lease": ' + str(10**30).encode()
                     + b', "answer": "left"}', headers=ann), 422, "from 0 to 2**63 - 1"),
        (client.post("/api/answer", json={"lease": 2**63, "answer": "left"}, headers=ann),
         422, "from 0 to 2**63 - 1"),
        (client.post("/api/answer", json={"lease": -1, "answer": "left"}, headers=ann),
         422, "from 0 to 2**63 - 1"),
        (client.post("/api/shown", json={"lease": 2**64}, headers=ann), 422, "2**63"),
        (client.post("/api/answer", content=deep[:2000] + deep[-2000:], headers=ann),
         400, "JSON object"),
        (client.post("/api/answer", content=b'{"lease": ' + b"[" * 1900 + b"]" * 1900 + b"}",
                     headers=ann), 400, "JSON object"),
        (client.get("/api/nothing-here", headers=ann), 404, "Not Found"),
        (client.get("/no/such/page"), 404, "Not Found"),
        (client.post("/api/next", headers=ann), 405, "Method Not Allowed"),
        (client.get("/api/answer", headers=ann), 405, "Method Not Allowed"),
        (client.get("/api/next", headers=ann | {"X-Big": "x" * MAX_HEADERS}), 431,
         "headers over"),
    ]
    for response, status, words in cases:
        refused(response, status, words)
    assert snapshot(folder) == before
    assert client.post("/api/answer", json={"lease": lease, "answer": "left"},
                       headers=ann).status_code == 200


def test_a_repeated_answer_is_stored_once_and_a_different_one_refused(site: Site) -> None:
    client, folder, tokens = site
    ann = auth(tokens["ann"])
    lease = client.get("/api/next", headers=ann).json()["lease"]
    body = {"lease": lease, "answer": "tie"}
    first = client.post("/api/answer", json=body, headers=ann)
    after_first = snapshot(folder)
    again = client.post("/api/answer", json=body, headers=ann)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.json()["recorded"] == "tie" and again.json()["progress"]["answered"] == 1
    assert snapshot(folder) == after_first
    refused(client.post("/api/answer", json={"lease": lease, "answer": "left"}, headers=ann),
            409, "answered already")
    db = connect(folder)
    assert db.execute("SELECT COUNT(*), MIN(answer) FROM labels WHERE status = 'answered'"
                      ).fetchone() == (1, "tie")
    db.close()


def test_revoking_releases_the_revoked_labellers_leases_at_once(site: Site) -> None:
    client, folder, tokens = site
    ann, bob = auth(tokens["ann"]), auth(tokens["bob"])
    held = client.get("/api/next", headers=ann).json()["lease"]
    assert held is not None
    assert client.get("/api/next", headers=bob).json()["lease"] is None  # ann holds the only one
    db = connect(folder)
    revoke_labeller(db, "ann")
    db.close()
    got = client.get("/api/next", headers=bob).json()
    assert got["lease"] is not None and got["lease"] != held
    assert client.post("/api/answer", json={"lease": got["lease"], "answer": "left"},
                       headers=bob).status_code == 200
    db = connect(folder)
    assert db.execute("SELECT taken, needed FROM queries").fetchone() == (1, 1)
    assert db.execute("SELECT status FROM labels WHERE id = ?", (held,)).fetchone() == (
        "expired",)
    db.close()
    refused(client.post("/api/answer", json={"lease": held, "answer": "left"}, headers=ann),
            403, "revoked")


def test_csv_cells_that_look_like_formulas_are_escaped(site: Site) -> None:
    client, _, tokens = site
    evil = auth(tokens["=HYPERLINK(1)"])
    lease = client.get("/api/next", headers=evil).json()["lease"]
    client.post("/api/answer", json={"lease": lease, "answer": "left"}, headers=evil)
    admin = auth(tokens["admin"])
    for path, column in (("/api/admin/labels.csv", "labeller"), ("/api/admin/stats.csv", "name")):
        text = client.get(path, headers=admin).text
        names = {row[column] for row in csv.DictReader(io.StringIO(text))}
        assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names


@pytest.mark.parametrize("damage", ["garbage", "truncated", "overwritten"])
def test_serve_refuses_a_damaged_labels_file_in_one_line(tmp_path: Path, damage: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("serve got as far as listening")

    monkeypatch.setattr(uvicorn, "run", never)
    post(tmp_path, "b", 300, Settings())
    path = tmp_path / LABELS_FILE
    db = connect(tmp_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = path.read_bytes()
    match damage:
        case "garbage":
            path.write_bytes(os.urandom(len(data)))
        case "truncated":
            path.write_bytes(data[: len(data) // 2])
        case "overwritten":  # a header that opens fine, a page inside a table overwritten
            page = 4096
            path.write_bytes(data[: 3 * page] + bytes(range(256)) * 16 + data[4 * page:])
    for sidecar in ("-wal", "-shm"):
        Path(str(path) + sidecar).unlink(missing_ok=True)
    damaged = path.read_bytes()
    result = CliRunner().invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "damaged or not a labels database" in result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == damaged  # nothing written into it


def test_an_answer_can_bring_the_next_query_in_the_same_response(tmp_path: Path) -> None:
    post(tmp_path, "b", 3, Settings())
    token = add(tmp_path, "ann")
    ann = auth(token)
    with live_server(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        first = client.get("/api/next", headers=ann).json()
        refused(client.post("/api/answer", json={"lease": first["lease"], "answer": "left",
                                                 "next": "yes"}, headers=ann), 422, "bool")
        refused(client.post("/api/answer", json={"lease": first["lease"], "answer": "left",
                                                 "then": True}, headers=ann), 422, "exactly")
        leases = [first["lease"]]
        reply = client.post("/api/answer", json={"lease": first["lease"], "answer": "left",
                                                 "next": True}, headers=ann).json()
        while reply["next"]["lease"] is not None:
            assert set(reply["next"]) == set(first) and reply["next"]["lease"] not in leases
            leases.append(reply["next"]["lease"])
            reply = client.post("/api/answer", json={"lease": leases[-1], "answer": "tie",
                                                     "next": True}, headers=ann).json()
        assert reply["next"] == {"lease": None, "progress": {"answered": 3, "remaining": 0}}
    db = connect(tmp_path)
    assert db.execute("SELECT COUNT(*) FROM labels WHERE status = 'answered'").fetchone() == (3,)
    db.close()

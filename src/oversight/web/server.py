"""The labelling server: a FastAPI app over an experiment folder's labels database.

Pages (server-rendered with Jinja2, plain JavaScript, no build step)
    GET  /                   the labelling page (asks for the labeller's token, keeps it in the
                             tab's sessionStorage, sends it as `Authorization: Bearer`)
    GET  /admin              the admin page (asks for the admin token the same way)
API (JSON; every endpoint needs a token; errors are {"error": message} with a 4xx status)
    GET  /api/me             who the token belongs to, their view and progress
    GET  /api/next           the next query leased to this labeller: its frames in their view
                             ("kind": "frames"), or for a text world its prompt and the two
                             completions as text ("kind": "text"), on the sides drawn for it
    POST /api/shown          {"lease": id}: the page displays it; the server's clock starts
    POST /api/answer         {"lease": id, "answer": "left" | "right" | "tie" | "cant_tell" |
                             "timeout", optionally "next": true (the response then carries
                             GET /api/next's body as "next": one round trip per answer)}
    GET  /api/admin/stats    per-labeller statistics (admin token); .../stats.csv, .../labels.csv

Endpoints are `async` and talk to SQLite on the event loop's thread: every transaction is short,
so one thread serialises them without lock contention, and BEGIN IMMEDIATE keeps several server
processes safe too. Labellers never receive the true preference, whether a query is gold, or
anyone else's answers.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oversight.web import queue, stats
from oversight.web.db import LABELS_FILE, LabelsFileError, check, connect
from oversight.web.frames import palette_json, segment_json, warm, world_of
from oversight.web.queue import ANSWERS, QueueError
from oversight.web.texts import text_json
from oversight.web.tokens import Labeller, find_labeller, is_admin

HERE = Path(__file__).parent
log = logging.getLogger("oversight.web")
MAX_BODY = 4096  # bytes: an answer is a few dozen
MAX_HEADERS = 16384  # bytes of request header names and values (a browser sends well under 2 KiB)
MAX_ID = 2**63 - 1  # SQLite's largest integer
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class BodyLimit:
    """ASGI middleware: request headers over MAX_HEADERS bytes in all get 431, a request body
    over `limit` bytes 413 before the app reads it, whether it announces its length or streams
    chunks."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(k) + len(v) for k, v in scope["headers"]) > MAX_HEADERS:
            await JSONResponse({"error": f"request headers over {MAX_HEADERS} bytes"},
                               status_code=431)(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(self.limit)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(self.limit)(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: HEADERS on every response, and no caching of /api/ answers; an
    unexpected error becomes a JSON 500 with the same headers (the traceback goes to the log)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        if scope["path"].startswith("/api/"):
            extra.append((b"cache-control", b"no-store"))

        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # a bug, not a bad request (those are 4xx): logged here, never sent to the client
            log.exception("error serving %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            await JSONResponse({"error": "internal server error"},
                               status_code=500)(scope, receive, with_headers)


Endpoint = Callable[[Request], Awaitable[Response]]


class Hot:
    """ASGI middleware: the labellers' endpoints (GET /api/next, POST /api/shown, /api/answer:
    two or three requests per answer) are called directly by (method, path), without FastAPI's
    routing, exception and exit-stack layers, which cost more than the endpoints themselves;
    their ApiError and QueueError become the same JSON errors as elsewhere. Everything else
    goes on to the app."""

    def __init__(self, app: ASGIApp, endpoints: dict[tuple[str, str], Endpoint]) -> None:
        self.app, self.endpoints = app, endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoints.get((scope.get("method", ""), scope.get("path", "")))
        if scope["type"] != "http" or endpoint is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await endpoint(Request(scope, receive))
        except (ApiError, QueueError) as e:
            status = e.status
            response = JSONResponse({"error": e.message if isinstance(e, ApiError) else str(e)},
                                    status_code=status)
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"error": f"request body over {limit} bytes"}, status_code=413)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing token: send 'Authorization: Bearer <token>'")
    return token.strip()


async def _json_body(request: Request, keys: dict[str, type],
                     optional: dict[str, type] | None = None) -> dict[str, Any]:
    """The request's JSON object: exactly `keys`, plus any of `optional`, of the given types."""
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):  # deep nesting too
        raise ApiError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    optional = optional or {}
    if not set(keys) <= set(body) <= set(keys) | set(optional):
        extra = f" (and optionally {sorted(optional)})" if optional else ""
        raise ApiError(422, f"expected exactly the fields {sorted(keys)}{extra}, "
                            f"got {sorted(body)}")
    for k, kind in (keys | optional).items():
        if k not in body:
            continue
        value = body[k]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ApiError(422, f"{k} must be an integer, got {value!r}")
        if kind is int and not 0 <= value <= MAX_ID:
            raise ApiError(422, f"{k} must be an integer from 0 to 2**63 - 1, got {value}")
        if not isinstance(value, kind):
            raise ApiError(422, f"{k} must be a {kind.__name__}, got {value!r}")
    return body


def _dumps(content: dict[str, Any]) -> str:
    return json.dumps(content, separators=(",", ":"))


def _json(content: dict[str, Any]) -> Response:
    """A JSON response without FastAPI's encoder pass."""
    return Response(_dumps(content), media_type="application/json")


def create_app(folder: Path, clock: Callable[[], float] = time.time) -> FastAPI:
    """The app serving `folder/labels.sqlite`; `clock` is the server's time source (tests).
    A damaged labels file is a LabelsFileError here, before anything is served."""
    db = connect(folder)
    try:
        check(db, folder / LABELS_FILE)
    except LabelsFileError:
        db.close()
        raise
    for name, params in db.execute("SELECT DISTINCT b.world, b.world_params FROM batches b"
                                   " JOIN queries q ON q.batch = b.id WHERE q.taken < q.needed"
                                   " AND q.texts IS NULL"):
        warm(world_of(name, json.dumps(json.loads(params), sort_keys=True)))  # as next_query

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()

    app = FastAPI(title="oversight-lab labelling", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    hot: dict[tuple[str, str], Endpoint] = {}
    app.add_middleware(Hot, endpoints=hot)  # innermost: inside the body limit and headers
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(SecurityHeaders)
    templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, e: ApiError) -> JSONResponse:
        return JSONResponse({"error": e.message}, status_code=e.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> Response:
        return JSONResponse({"error": str(e.detail)}, status_code=e.status_code,
                            headers=getattr(e, "headers", None))

    @app.exception_handler(QueueError)
    async def queue_error(request: Request, e: QueueError) -> JSONResponse:
        return JSONResponse({"error": str(e)}, status_code=e.status)

    def labeller(request: Request) -> Labeller:
        found = find_labeller(db, _bearer(request))
        if found is None:
            raise ApiError(401, "unknown token")
        if found.revoked is not None:
            raise ApiError(403, f"the token of {found.name!r} was revoked")
        return found

    def admin(request: Request) -> None:
        if not is_admin(db, _bearer(request)):
            raise ApiError(401, "this needs the admin token (oversight labellers admin DIR)")

    def progress(who: Labeller) -> dict[str, int]:
        done, left = queue.progress(db, who)
        return {"answered": done, "remaining": left}

    @app.get("/")
    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "label.html.j2", {"keys": KEYS})

    @app.get("/admin")
    async def admin_page(request: Request) -> Response:
        return templates.TemplateResponse(request, "admin.html.j2", {})

    @app.get("/api/me")
    async def me(request: Request) -> dict[str, Any]:
        who = labeller(request)
        return {"name": who.name, "view": who.view, "progress": progress(who)}

    def api(path: str, method: str) -> Callable[[Endpoint], Endpoint]:
        """Register a labeller's endpoint (hit at every answer) with `Hot` (served there) and
        as a plain Starlette route (so that a wrong method still gets FastAPI's 405)."""
        def register(endpoint: Endpoint) -> Endpoint:
            hot[method, path] = endpoint
            app.add_route(path, endpoint, methods=[method])
            return endpoint
        return register

    def next_text(who: Labeller) -> str:
        """GET /api/next's body: a new (or the held, unshown) lease of `who`, as JSON text."""
        lease = queue.lease_next(db, who, clock())
        if lease is None:
            return _dumps({"lease": None, "progress": progress(who)})
        reveal = lease.view == "expert" or lease.revealed
        head = {"lease": lease.id, "view": lease.view, "revealed": reveal,
                "time_limit": lease.time_limit}
        if lease.texts is not None:
            return _dumps(head | text_json(lease.texts, reveal, lease.swapped)
                          | {"progress": progress(who)})
        world = world_of(lease.world, json.dumps(lease.world_params, sort_keys=True))
        first, second = (lease.second, lease.first) if lease.swapped else (lease.first,
                                                                            lease.second)
        shown = lease.evidence[::-1] if lease.swapped else lease.evidence
        left, left_evidence = segment_json(world, *first, reveal, shown[0])
        right, right_evidence = segment_json(world, *second, reveal, shown[1])
        text = _dumps(head | {"kind": "frames", "task": world.description, "world": world.name,
                              "progress": progress(who)})
        # the frames are JSON text already (frames.segment_json): spliced in, not re-encoded
        return (f'{text[:-1]},{palette_json()},"left":{left},"right":{right},'
                f'"evidence":{{"left":{left_evidence},"right":{right_evidence}}}}}')

    @api("/api/next", "GET")
    async def next_query(request: Request) -> Response:
        return Response(next_text(labeller(request)), media_type="application/json")

    @api("/api/shown", "POST")
    async def shown(request: Request) -> Response:
        who = labeller(request)
        body = await _json_body(request, {"lease": int})
        return _json({"lease": body["lease"],
                      "shown": queue.mark_shown(db, who, body["lease"], clock())})

    @api("/api/answer", "POST")
    async def answer(request: Request) -> Response:
        who = labeller(request)
        body = await _json_body(request, {"lease": int, "answer": str}, {"next": bool})
        if body["answer"] not in ANSWERS:
            raise ApiError(422, f"answer must be one of {sorted(ANSWERS)}, "
                                f"got {body['answer']!r}")
        recorded = queue.answer(db, who, body["lease"], body["answer"], clock())
        text = _dumps({"lease": body["lease"], "recorded": recorded, "progress": progress(who)})
        if body.get("next"):  # one round trip per answer: the next query comes back with it
            text = f'{text[:-1]},"next":{next_text(who)}}}'
        return Response(text, media_type="application/json")

    @app.get("/api/admin/stats")
    async def admin_stats(request: Request) -> dict[str, Any]:
        admin(request)
        return {"labellers": [{k: None if isinstance(v, float) and math.isnan(v) else v
                               for k, v in asdict(s).items()} for s in stats.labeller_stats(db)]}

    @app.get("/api/admin/stats.csv")
    async def admin_stats_csv(request: Request) -> PlainTextResponse:
        admin(request)
        return PlainTextResponse(stats.stats_csv(stats.labeller_stats(db)), media_type="text/csv")

    @app.get("/api/admin/labels.csv")
    async def admin_labels_csv(request: Request) -> PlainTextResponse:
        admin(request)
        return PlainTextResponse(stats.labels_csv(db), media_type="text/csv")

    return app


KEYS = (("←", "left is better", "left"), ("→", "right is better", "right"),
        ("↑", "tie", "tie"), ("↓", "can't tell", "cant_tell"))

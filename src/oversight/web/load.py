"""Simulated labellers over HTTP, for the load test and `benchmarks/labelling_server.py`.

`serve_in_subprocess` starts `oversight serve` on 127.0.0.1 in its own process (so the server
has its own interpreter, as in use); `drive` runs N labellers concurrently on one asyncio loop,
each fetching the next query and answering it at random (a seeded generator per labeller) until
nothing is left for them, and records every status code and the latency of every GET /api/next.
The client is aiohttp (in the dev extra): light enough that the server, not it, is measured.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import numpy as np

CHOICES = ("left", "right", "tie", "cant_tell")


@dataclass(frozen=True)
class LoadResult:
    answers: int
    seconds: float
    next_latencies: tuple[float, ...]  # seconds per request that brought the next query
    statuses: dict[int, int]  # HTTP status -> how many responses

    @property
    def answers_per_second(self) -> float:
        return self.answers / self.seconds

    def next_ms(self, percentile: float) -> float:
        """That percentile of GET /api/next's latency, in milliseconds."""
        return float(np.percentile(self.next_latencies, percentile) * 1000)

    @property
    def p95_next_ms(self) -> float:
        return self.next_ms(95)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_subprocess(folder: Path, timeout: float = 60.0, src: Path | None = None
                        ) -> Iterator[str]:
    """`oversight serve folder` on a free port of 127.0.0.1; yields its URL, stops it after.
    `src`: serve the package found there (another checkout's src/, for a before/after
    benchmark) instead of the one this interpreter imports."""
    port = free_port()
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen([sys.executable, "-m", "oversight.cli", "serve", str(folder),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {proc.stderr.read().decode()[-2000:]}"
                                   if proc.stderr else "the server exited")
            try:
                httpx.get(url + "/api/me", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start within {timeout} s") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _labeller(session: aiohttp.ClientSession, url: str, token: str,
                    rng: np.random.Generator, latencies: list[float], statuses: Counter[int],
                    think: float, combined: bool) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    answered = 0
    body = None
    while True:
        if body is None:
            start = time.perf_counter()
            async with session.get(url + "/api/next", headers=headers) as r:
                body = await r.json()
            latencies.append(time.perf_counter() - start)
            statuses[r.status] += 1
            if r.status != 200:
                return answered
        if body["lease"] is None:
            return answered
        given = CHOICES[int(rng.integers(len(CHOICES)))]
        if think:
            await asyncio.sleep(think)
        answer = {"lease": body["lease"], "answer": given} | ({"next": True} if combined else {})
        start = time.perf_counter()
        async with session.post(url + "/api/answer", headers=headers, json=answer) as r:
            reply = await r.json()
        statuses[r.status] += 1
        answered += r.status == 200
        body = None
        if combined:  # this request brought the next query: its latency is the wait for it
            latencies.append(time.perf_counter() - start)
            if r.status != 200:
                return answered
            body = reply["next"]


async def _drive(url: str, tokens: list[str], seed: int, think: float, combined: bool
                 ) -> LoadResult:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    rngs = np.random.default_rng(seed).spawn(len(tokens))
    connector = aiohttp.TCPConnector(limit=len(tokens))
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        start = time.perf_counter()
        counts = await asyncio.gather(*(_labeller(session, url, t, r, latencies, statuses, think,
                                                  combined)
                                        for t, r in zip(tokens, rngs, strict=True)))
        seconds = time.perf_counter() - start
    return LoadResult(sum(counts), seconds, tuple(latencies), dict(statuses))


def drive(url: str, tokens: list[str], seed: int = 0, think: float = 0.0,
          combined: bool = False) -> LoadResult:
    """Every labeller (one token each) answers until nothing is left for them, looking at each
    query for `think` seconds (0: answer at once, the server's saturation). `combined`: each
    answer asks for the next query in the same request (POST /api/answer with "next": true),
    one round trip per answer instead of two."""
    return asyncio.run(_drive(url, tokens, seed, think, combined))

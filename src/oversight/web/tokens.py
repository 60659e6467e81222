"""Labeller and admin tokens: random, shown once, stored only as their SHA-256 hash.

A token is `secrets.token_urlsafe(32)` (256 bits), so a plain hash is enough: there is nothing to
brute-force. Looking a token up by its hash keeps comparisons out of Python string equality.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from oversight.web.db import write


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Labeller:
    id: int
    name: str
    expert: bool
    created: float
    revoked: float | None

    @property
    def view(self) -> str:
        """The view this labeller is entitled to: 'expert' (hidden evidence revealed) or 'lay'."""
        return "expert" if self.expert else "lay"


class TokenError(ValueError):
    """A labeller name that cannot be added or revoked; the message says why."""


def add_labeller(db: sqlite3.Connection, name: str, expert: bool) -> str:
    """Register a labeller and return their token (the only time it exists in clear)."""
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise TokenError(f"a labeller name must be 1 to 100 printable characters, got {name!r}")
    token = secrets.token_urlsafe(32)
    with write(db):
        if db.execute("SELECT 1 FROM labellers WHERE name = ?", (name,)).fetchone():
            raise TokenError(f"a labeller named {name!r} exists already")
        db.execute("INSERT INTO labellers (name, expert, token_hash, created) VALUES (?, ?, ?, ?)",
                   (name, int(expert), digest(token), time.time()))
    return token


def revoke_labeller(db: sqlite3.Connection, name: str) -> None:
    """Revoke `name`'s token; the queries they hold unanswered are released for others now."""
    with write(db):
        row = db.execute("SELECT revoked FROM labellers WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise TokenError(f"no labeller named {name!r}")
        if row[0] is not None:
            raise TokenError(f"{name!r} was revoked already")
        db.execute("UPDATE labellers SET revoked = ? WHERE name = ?", (time.time(), name))
        # their unanswered leases go back to the queue at once (the server refuses their token)
        held = "SELECT l.id FROM labels l JOIN labellers p ON p.id = l.labeller" \
               " WHERE p.name = ? AND l.status = 'leased'"
        db.execute(f"UPDATE queries SET taken = taken - 1 WHERE id IN (SELECT query FROM labels"
                   f" WHERE id IN ({held}))", (name,))
        db.execute(f"UPDATE labels SET status = 'expired' WHERE id IN ({held})", (name,))


def labellers(db: sqlite3.Connection) -> list[Labeller]:
    rows = db.execute("SELECT id, name, expert, created, revoked FROM labellers ORDER BY id")
    return [Labeller(i, n, bool(e), c, r) for i, n, e, c, r in rows]


def find_labeller(db: sqlite3.Connection, token: str) -> Labeller | None:
    """The labeller holding `token` (revoked ones included: the caller says why it refuses)."""
    row = db.execute("SELECT id, name, expert, created, revoked FROM labellers "
                     "WHERE token_hash = ?", (digest(token),)).fetchone()
    return None if row is None else Labeller(row[0], row[1], bool(row[2]), row[3], row[4])


def issue_admin(db: sqlite3.Connection) -> str:
    """A new admin token; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    with write(db):
        db.execute("INSERT OR REPLACE INTO admin VALUES (1, ?, ?)", (digest(token), time.time()))
    return token


def is_admin(db: sqlite3.Connection, token: str) -> bool:
    row = db.execute("SELECT token_hash FROM admin WHERE id = 1").fetchone()
    return row is not None and secrets.compare_digest(row[0], digest(token))

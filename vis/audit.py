"""The audit log: who did what, when, as a hash chain that `vis audit verify` checks.

Each entry's ``hash`` is the SHA-256 (hex) of the canonical JSON of its fields and the previous
entry's hash (:func:`entry_hash`); the first entry's ``prev_hash`` is :data:`GENESIS`. Appends are
serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction advisory lock), so the chain is a
line in ``id`` order. A changed, removed or inserted entry breaks the chain from there on.

Canonical form (stable across SQLite and PostgreSQL)::

    json.dumps({"action", "at" (UTC ISO 8601 with microseconds), "client", "detail", "prev_hash",
                "target", "username"}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from vis.db.engine import WRITE_LOCK
from vis.db.schema import audit_anchor, audit_log

GENESIS = "0" * 64
#: Key of PostgreSQL's advisory lock that serialises appends ("VISAUDIT" in ASCII, truncated).
PG_LOCK_KEY = 0x5649_5341_5544

# Actions the app writes.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
#: An account or a client address locked out after repeated failed logins.
LOCKOUT = "login_lockout"
LOGOUT = "logout"
VIEW = "view"
DENIED = "denied"
INCIDENT_VIEW = "incident_view"
VISIT = "patrol_visit"
DOWNLOAD = "download"
USER_CHANGE = "user_change"


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(dt.UTC)


def entry_hash(
    *,
    at: dt.datetime,
    username: str | None,
    action: str,
    target: str | None,
    detail: Any,
    client: str | None,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "action": action,
            "at": _utc(at).isoformat(timespec="microseconds"),
            "client": client,
            "detail": detail,
            "prev_hash": prev_hash,
            "target": target,
            "username": username,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    engine: Engine,
    action: str,
    *,
    username: str | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """Write one entry at the end of the chain; returns its hash."""
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        return append_in(
            conn, action, username=username, target=target, detail=detail, client=client, at=at
        )


def append_in(
    conn: Connection,
    action: str,
    *,
    username: str | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """:func:`append` inside the caller's transaction (which, on SQLite, holds the write lock:
    :data:`~vis.db.engine.WRITE_LOCK`), so that an entry commits with the change it records."""
    at = _utc(at or dt.datetime.now(dt.UTC))
    target = target[:300] if target else target
    client = client[:100] if client else client
    username = username[:100] if username else username
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    prev = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    prev_hash = prev or chain_start(conn)[1]
    digest = entry_hash(
        at=at,
        username=username,
        action=action,
        target=target,
        detail=detail,
        client=client,
        prev_hash=prev_hash,
    )
    conn.execute(
        insert(audit_log).values(
            at=at,
            username=username,
            action=action,
            target=target,
            detail=detail,
            client=client,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    return digest


def chain_start(conn: Connection) -> tuple[int, str]:
    """Where the chain starts: (id of the last purged entry, its hash), or (0, GENESIS).

    A retention purge (:mod:`vis.retention`) deletes the oldest entries and records an anchor
    (``audit_anchor``) in the same transaction; the first remaining entry's ``prev_hash`` is the
    anchor's hash, so the rest of the chain still verifies and a later deletion still shows.
    """
    row = conn.execute(
        select(audit_anchor.c.last_id, audit_anchor.c.last_hash)
        .order_by(audit_anchor.c.id.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.last_id), str(row.last_hash))


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    first_bad_id: int | None
    #: Why ``first_bad_id`` does not fit: ``"gap"`` (its prev_hash is not the hash of the entry
    #: before it: an entry was removed or inserted) or ``"changed"`` (its own content was changed).
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def _rows(conn: Connection, after: int = 0, batch: int = 5000) -> Iterator[Any]:
    last = after
    while True:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.id > last).order_by(audit_log.c.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify_chain(conn: Connection) -> ChainCheck:
    """Recompute the chain in ``id`` order from its start (:func:`chain_start`); report the first
    entry that does not fit."""
    after, prev_hash = chain_start(conn)
    n = 0
    for row in _rows(conn, after):
        n += 1
        expected = entry_hash(
            at=row.at,
            username=row.username,
            action=row.action,
            target=row.target,
            detail=row.detail,
            client=row.client,
            prev_hash=prev_hash,
        )
        if row.prev_hash != prev_hash:
            return ChainCheck(n, row.id, "gap")
        if row.hash != expected:
            return ChainCheck(n, row.id, "changed")
        prev_hash = row.hash
    return ChainCheck(n, None)

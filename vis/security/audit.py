"""The audit log: who did what, when, as a hash chain that `vis audit verify` checks.

Each entry's ``hash`` is the HMAC-SHA-256 (hex), keyed with the secret in the environment variable
:data:`KEY_ENV` (``VIS_AUDIT_KEY``, at least 32 characters), of the canonical JSON of its fields
and the previous entry's hash (:func:`entry_hash`); the first entry's ``prev_hash`` is
:data:`GENESIS`. Without a key it is a plain SHA-256.

What the check guarantees (:attr:`ChainCheck.keyed`):

* with the key: nobody without the key can change, remove or insert an entry, or rewrite the
  chain from there on, without `vis audit verify` naming the first entry that does not fit. The
  retention purge's anchors carry an HMAC too, so a forged anchor cannot cut the chain's head;
* without a key: accidental damage and a change of one entry are found, but whoever can write the
  database can delete an entry and recompute every later hash, and the check passes.

An existing chain gets the key once with :func:`seal` (`vis audit seal`): it first checks the plain
chain, then rewrites every hash with the key. Appends are
serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction advisory lock), so the chain is a
line in ``id`` order. A changed, removed or inserted entry breaks the chain from there on.

Canonical form (stable across SQLite and PostgreSQL)::

    json.dumps({"action", "at" (UTC ISO 8601 with microseconds), "client", "detail", "prev_hash",
                "target", "username"}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update

from vis.db.engine import WRITE_LOCK
from vis.db.schema import audit_anchor, audit_log

GENESIS = "0" * 64
#: The environment variable that holds the audit chain's HMAC key.
KEY_ENV = "VIS_AUDIT_KEY"
MIN_KEY_LENGTH = 32


class AuditKeyError(ValueError):
    """The configured audit key is unusable; the message is one line for the operator."""


def audit_key() -> bytes | None:
    """The HMAC key from :data:`KEY_ENV`, or None when it is not set."""
    value = os.environ.get(KEY_ENV, "")
    if not value:
        return None
    if len(value) < MIN_KEY_LENGTH:
        raise AuditKeyError(f"{KEY_ENV} is te kort: minstens {MIN_KEY_LENGTH} tekens")
    return value.encode("utf-8")


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


def row_hash(row: Any, prev_hash: str, key: bytes | None) -> str:
    """:func:`entry_hash` of a stored ``audit_log`` row after ``prev_hash``."""
    return entry_hash(
        at=row.at,
        username=row.username,
        action=row.action,
        target=row.target,
        detail=row.detail,
        client=row.client,
        prev_hash=prev_hash,
        key=key,
    )


def entry_hash(
    *,
    at: dt.datetime,
    username: str | None,
    action: str,
    target: str | None,
    detail: Any,
    client: str | None,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """The entry's hash: HMAC-SHA-256 with ``key``, plain SHA-256 without."""
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
    if key is not None:
        return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def anchor_mac(key: bytes, last_id: int, last_hash: str, purged: int, at: dt.datetime) -> str:
    """The HMAC of a retention anchor (:mod:`vis.ops.retention`)."""
    text_ = f"{last_id}|{last_hash}|{purged}|{_utc(at).isoformat(timespec='microseconds')}"
    return hmac.new(key, text_.encode("utf-8"), hashlib.sha256).hexdigest()


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
        key=audit_key(),
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


def chain_start(conn: Connection, key: bytes | None = None) -> tuple[int, str]:
    """Where the chain starts: (id of the last purged entry, its hash), or (0, GENESIS).

    A retention purge (:mod:`vis.ops.retention`) deletes the oldest entries and records an anchor
    (``audit_anchor``) in the same transaction; the first remaining entry's ``prev_hash`` is the
    anchor's hash, so the rest of the chain still verifies and a later deletion still shows.
    """
    row = conn.execute(select(audit_anchor).order_by(audit_anchor.c.id.desc()).limit(1)).first()
    if row is None:
        return (0, GENESIS)
    if key is not None:
        expected = anchor_mac(key, int(row.last_id), str(row.last_hash), int(row.purged), row.at)
        if not hmac.compare_digest(str(row.mac or ""), expected):
            raise ForgedAnchor(int(row.last_id))
    return (int(row.last_id), str(row.last_hash))


class ForgedAnchor(Exception):
    """The newest retention anchor's HMAC does not fit (checked with a key only)."""

    def __init__(self, last_id: int) -> None:
        super().__init__(f"anchor after entry {last_id}")
        self.last_id = last_id


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    first_bad_id: int | None
    #: Why ``first_bad_id`` does not fit: ``"gap"`` (its prev_hash is not the hash of the entry
    #: before it: an entry was removed or inserted), ``"changed"`` (its own content was changed,
    #: or, with a key, its hash was not made with the key), or ``"anchor"`` (the retention
    #: anchor's HMAC does not fit: ``first_bad_id`` is the first entry after it).
    reason: str | None = None
    #: Whether the check used the HMAC key (see the module doc for what each guarantees).
    keyed: bool = False

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


def verify_chain(conn: Connection, key: bytes | None = None, *, use_env: bool = True) -> ChainCheck:
    """Recompute the chain in ``id`` order from its start (:func:`chain_start`); report the first
    entry that does not fit. The key is :func:`audit_key` unless given (or ``use_env=False``)."""
    if key is None and use_env:
        key = audit_key()
    keyed = key is not None
    try:
        after, prev_hash = chain_start(conn, key)
    except ForgedAnchor as forged:
        return ChainCheck(0, forged.last_id + 1, "anchor", keyed)
    n = 0
    for row in _rows(conn, after):
        n += 1
        expected = row_hash(row, prev_hash, key)
        if row.prev_hash != prev_hash:
            return ChainCheck(n, row.id, "gap", keyed)
        if not hmac.compare_digest(str(row.hash or ""), expected):
            return ChainCheck(n, row.id, "changed", keyed)
        prev_hash = row.hash
    return ChainCheck(n, None, None, keyed)


def seal(conn: Connection, key: bytes) -> int:
    """Rewrite an intact plain chain with ``key`` (and its newest anchor); returns the entries
    sealed. Refuses (:class:`AuditKeyError`) when the plain chain does not verify. Run inside a
    transaction that holds the write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
    check = verify_chain(conn, None, use_env=False)
    if not check.ok:
        raise AuditKeyError(
            f"de keten is zonder sleutel niet heel (regel {check.first_bad_id}, {check.reason}): "
            "niet verzegeld"
        )
    anchor = conn.execute(select(audit_anchor).order_by(audit_anchor.c.id.desc()).limit(1)).first()
    if anchor is not None:
        mac = anchor_mac(
            key, int(anchor.last_id), str(anchor.last_hash), int(anchor.purged), anchor.at
        )
        conn.execute(update(audit_anchor).where(audit_anchor.c.id == anchor.id).values(mac=mac))
    after, prev_hash = chain_start(conn)
    n = 0
    for row in list(_rows(conn, after)):
        digest = row_hash(row, prev_hash, key)
        conn.execute(
            update(audit_log)
            .where(audit_log.c.id == row.id)
            .values(prev_hash=prev_hash, hash=digest)
        )
        prev_hash = digest
        n += 1
    return n

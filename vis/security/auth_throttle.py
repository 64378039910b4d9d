"""Login throttling and lockout per client address (the per-user lockout is in
:mod:`vis.security.auth`).

Per client address:

* after ``throttle_after`` failed logins each next attempt has to wait 1, 2, 4, … seconds (at most
  ``max_delay_s``) after the previous attempt; an earlier one is refused unchecked;
* the ``max_failed``-th failure locks the client out for ``lockout``;
* a pause of ``lockout`` without failures starts the count afresh. A successful login does not
  reset it: otherwise one valid account would let a client guess at all the others.

Every attempt is reserved (under the write lock) before its password is checked and settled after
it, and failures plus attempts in flight never exceed ``max_failed``: parallel attempts from one
client cannot slip past the limit together, while a clean client (an office behind one address)
may still log in many users at once, up to ``max_failed`` at the same moment (more are refused as
"busy" for a second). Refused attempts cost no password check and are not counted.
Reservations of a process that died are dropped after a pause of ``lockout`` without attempts.
Client addresses are personal data: a client without failures keeps no row after its login, and
rows without an attempt for a day (and not locked) are deleted at the next login of any client.

The client address (:func:`client_key`) is Streamlit's ``st.context.ip_address``. Streamlit's
uvicorn server takes it from ``X-Forwarded-For`` when the TCP peer is a trusted proxy (by default
127.0.0.1 and ::1; ``FORWARDED_ALLOW_IPS`` for others) and otherwise uses the TCP peer. Streamlit
reports a loopback peer as ``None``: all those clients share the key ``loopback``. IPv6 addresses
count per /64 network (one subscriber usually holds a whole /64).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from vis.db.schema import login_clients

LOOPBACK = "loopback"
#: Rows of clients without an attempt for this long (and not locked) are deleted.
FORGET_AFTER = dt.timedelta(days=1)


def client_key(ip: str | None) -> str:
    """The throttling key of a client address (``None``: a loopback peer, see the module doc)."""
    text = (ip or "").strip()
    if not text:
        return LOOPBACK
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return "other:" + text[:58]
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        else:
            return LOOPBACK if addr.is_loopback else str(ipaddress.IPv6Network((addr, 64), False))
    return LOOPBACK if addr.is_loopback else str(addr)


@dataclass(frozen=True)
class ClientPolicy:
    """The limits per client (``[app] client_*``; see the module doc)."""

    max_failed: int = 20
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    throttle_after: int = 5
    max_delay_s: float = 60.0

    def delay_s(self, counted: int) -> float:
        """Seconds an attempt must wait after the previous one, with ``counted`` failures."""
        if counted < self.throttle_after:
            return 0.0
        return float(min(2.0 ** (counted - self.throttle_after), self.max_delay_s))


@dataclass(frozen=True)
class Gate:
    """May this attempt go on? ``retry_after_s``: when it may try again, if refused."""

    state: Literal["open", "busy", "throttled", "locked"]
    retry_after_s: float = 0.0

    @property
    def open(self) -> bool:
        return self.state == "open"


def _ensure_row(conn: Connection, client: str, now: dt.datetime) -> None:
    values = {"client": client, "failures": 0, "pending": 0, "last_attempt_at": now}
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(login_clients).values(**values).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(login_clients).values(**values).on_conflict_do_nothing())


def _claim_row(conn: Connection, client: str, now: dt.datetime) -> Any:
    """The client's row, created when missing and locked for this transaction.

    On PostgreSQL a row that another transaction deletes while this one waits for its lock is not
    returned: then it is created again.
    """
    for _ in range(3):
        _ensure_row(conn, client, now)
        row = conn.execute(
            select(login_clients).where(login_clients.c.client == client).with_for_update()
        ).first()
        if row is not None:
            return row
    raise RuntimeError(f"login_clients: the row of {client!r} keeps disappearing")


def _set(conn: Connection, client: str, **values: object) -> None:
    conn.execute(update(login_clients).where(login_clients.c.client == client).values(**values))


def reserve(conn: Connection, client: str, policy: ClientPolicy, now: dt.datetime) -> Gate:
    """Refuse the attempt, or reserve it until :func:`settle` says how it went.

    Call inside a transaction that holds the write lock (SQLite: ``WRITE_LOCK``; PostgreSQL locks
    the client's row here).
    """
    row = _claim_row(conn, client, now)
    if row.locked_until is not None and row.locked_until > now:
        return Gate("locked", (row.locked_until - now).total_seconds())
    failures, pending = row.failures, row.pending
    if row.last_failure_at is None or now - row.last_failure_at >= policy.lockout:
        failures = 0  # a quiet pause: start afresh
    if now - row.last_attempt_at >= policy.lockout:
        pending = 0  # nothing is checked for that long: reservations of a process that died
    if failures + pending >= policy.max_failed:
        # The attempts in flight may still lock the client. A client without a run of failures
        # is only busy (many users behind one address at once): it is told so, not accused.
        return Gate("busy" if failures < policy.throttle_after else "throttled", 1.0)
    delay = policy.delay_s(failures)
    # Clamped: a parallel attempt may have stamped a later time than this attempt's own ``now``.
    wait = delay - max((now - row.last_attempt_at).total_seconds(), 0.0)
    if delay > 0 and wait > 0:
        return Gate("throttled", wait)
    _set(conn, client, failures=failures, pending=pending + 1, last_attempt_at=now)
    return Gate("open")


def settle(
    conn: Connection, client: str, ok: bool, policy: ClientPolicy, now: dt.datetime
) -> dt.datetime | None:
    """Close a reserved attempt; a failure is counted, and the ``max_failed``-th locks the client.
    Returns until when the client is now locked, if this attempt locked it."""
    row = _claim_row(conn, client, now)
    pending = max(row.pending - 1, 0)
    conn.execute(
        delete(login_clients).where(
            and_(
                login_clients.c.last_attempt_at < now - FORGET_AFTER,
                or_(login_clients.c.locked_until.is_(None), login_clients.c.locked_until < now),
            )
        )
    )
    if ok:
        clean = row.failures == 0 and (row.locked_until is None or row.locked_until <= now)
        if clean and pending == 0:
            conn.execute(delete(login_clients).where(login_clients.c.client == client))
        else:
            _set(conn, client, pending=pending)
        return None
    failures = row.failures + 1
    if failures < policy.max_failed:
        _set(conn, client, pending=pending, failures=failures, last_failure_at=now)
        return None
    until = now + policy.lockout
    _set(conn, client, pending=pending, failures=0, last_failure_at=now, locked_until=until)
    return until

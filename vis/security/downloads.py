"""One-time download grants: how police data leaves the app (the route is in :mod:`vis.web`).

A page never hands a file to Streamlit (whose ``/media`` URLs answer anyone, without login or
audit). A click on a download button issues a :class:`Grant` here: a random 256-bit token, bound
to the Streamlit session, the user and their role, the browser's ``vis_browser`` cookie (a hash of
it), and the roles that may have the file. The page then shows a link to
``/vis/download/<token>``. The route (:func:`vis.web.download`) redeems the grant **once**:

* it is gone after the first request, whatever the answer, and expires after
  :data:`GRANT_TTL` seconds;
* the request must carry the same browser cookie;
* at that moment the session must still be open and logged in as the same user, with a role that
  may have the file, and the account must still be valid
  (:func:`vis.security.auth.session_still_valid`);
* only then is the file built (the grant holds a function, not bytes), and its ``download`` audit
  entry written, before a byte is sent. A file that cannot be audited is not sent.

Grants live in this process's memory: a restart voids them all, which is what a one-minute link
should do.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Seconds a grant can be redeemed after its click.
GRANT_TTL = 60.0
#: The cookie that binds sessions and grants to one browser (set by :mod:`vis.web`).
BROWSER_COOKIE = "vis_browser"
#: URL path prefix of the download route.
ROUTE_PREFIX = "/vis/download/"
#: Outstanding grants per session at most (older ones are dropped).
MAX_PER_SESSION = 8


def browser_hash(cookie: str | None) -> str | None:
    """What is kept of the browser cookie: its SHA-256 (so a memory dump holds no cookie)."""
    if not cookie:
        return None
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Grant:
    token: str
    session_id: str
    username: str
    role: str
    epoch: int
    #: Roles that may have this file (checked again when it is fetched).
    roles: frozenset[str]
    #: The ``download`` audit entry's target, e.g. ``pilot:binnenstad-2017:xlsx``.
    target: str
    file_name: str
    mime: str
    build: Callable[[], bytes]
    browser: str | None
    #: ``time.monotonic()`` after which the grant is void.
    expires: float
    #: The client as the audit log shows it (address and short session id).
    client: str
    #: The engine the audit entry (and the account check) go to.
    engine: Any


_lock = threading.Lock()
_grants: dict[str, Grant] = {}


def _drop_expired(now: float) -> None:
    for token in [t for t, g in _grants.items() if g.expires <= now]:
        del _grants[token]


def issue(
    *,
    session_id: str,
    username: str,
    role: str,
    epoch: int,
    roles: frozenset[str],
    target: str,
    file_name: str,
    mime: str,
    build: Callable[[], bytes],
    browser: str | None,
    client: str,
    engine: Any,
    ttl: float = GRANT_TTL,
) -> Grant:
    """A new grant (see the module doc); returns it with its token."""
    now = time.monotonic()
    grant = Grant(
        token=secrets.token_urlsafe(32),
        session_id=session_id,
        username=username,
        role=role,
        epoch=epoch,
        roles=roles,
        target=target,
        file_name=file_name,
        mime=mime,
        build=build,
        browser=browser,
        expires=now + ttl,
        client=client,
        engine=engine,
    )
    with _lock:
        _drop_expired(now)
        mine = sorted(
            (g for g in _grants.values() if g.session_id == session_id), key=lambda g: g.expires
        )
        for old in mine[: max(len(mine) - MAX_PER_SESSION + 1, 0)]:
            del _grants[old.token]
        _grants[grant.token] = grant
    return grant


def redeem(token: str) -> Grant | None:
    """Take the grant ``token`` out (once); None when unknown, used or expired."""
    now = time.monotonic()
    with _lock:
        grant = _grants.pop(token, None)
        _drop_expired(now)
    if grant is None or grant.expires <= now:
        return None
    return grant


def revoke_session(session_id: str) -> None:
    """Void every outstanding grant of a session (logout)."""
    with _lock:
        for token in [t for t, g in _grants.items() if g.session_id == session_id]:
            del _grants[token]


def outstanding() -> int:
    with _lock:
        _drop_expired(time.monotonic())
        return len(_grants)

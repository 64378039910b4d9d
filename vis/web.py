"""VIS's additions to Streamlit's web server (``st.App`` in ``app.py``): the download route and a
middleware for headers, the browser cookie and closed endpoints.

* ``GET /vis/download/<token>`` redeems a one-time grant (:mod:`vis.security.downloads`): it checks
the
  browser cookie, the Streamlit session's login and role and the account at request time, builds
  the file, writes its ``download`` audit entry, and only then answers, with ``Cache-Control:
  no-store``. Every refusal is the same short Dutch text without detail, status 403 or 404.
* :class:`SecurityMiddleware` (every HTTP answer): a strict ``Content-Security-Policy``
  (:func:`content_security_policy`: scripts only from the server and Streamlit's one inline
  script by its hash, no framing, no plugins, connections only to the server and, with online
  tiles on, the tile server) with ``X-Frame-Options: DENY`` for old browsers,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, a
  ``Permissions-Policy``; sets the ``vis_browser`` cookie (random, HttpOnly, SameSite=Strict)
  that binds sessions and downloads to one browser; answers ``/_stcore/metrics`` with 404
  (Streamlit serves it without login).

Streamlit's own ``/media`` route stays (images, charts); the pages put no police data there.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from typing import Any
from urllib.parse import quote

from vis.security.downloads import BROWSER_COOKIE, ROUTE_PREFIX, Grant, browser_hash, redeem

#: Paths answered with 404 before Streamlit sees them.
CLOSED_PATHS = frozenset({"/_stcore/metrics"})
OTHER_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), payment=(), usb=()"),
)
REFUSED = "Geen toegang: deze downloadlink is ongeldig, verlopen of al gebruikt."

_COOKIE_RE = re.compile(r"(?:^|;\s*)" + BROWSER_COOKIE + r"=([A-Za-z0-9_-]{20,100})")


def _has_browser_cookie(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"cookie" and _COOKIE_RE.search(value.decode("latin-1")):
            return True
    return False


def inline_script_hashes() -> tuple[str, ...]:
    """The CSP source (``'sha256-…'``) of each inline script in the installed Streamlit's
    ``index.html``, the page it serves unchanged: so its one bootstrap line may run and nothing
    else inline may."""
    import base64
    import hashlib
    from pathlib import Path

    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if "src=" not in attrs and body.strip()
    )


def content_security_policy(tile_origins: tuple[str, ...] = ()) -> str:
    """The policy of every answer. Streamlit's pages need WebAssembly (``'wasm-unsafe-eval'``,
    no JavaScript eval) and inline styles (its components style themselves); the map's workers
    start from blob URLs. ``tile_origins``: servers of online map tiles, if used. The browser
    tests walk every page of every role under this policy and fail on any violation."""
    outside = " ".join(tile_origins)
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(("'self'", *inline_script_hashes(), "'wasm-unsafe-eval'")),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob: {outside}",
        "font-src": "'self' data:",
        "connect-src": f"'self' {outside}",
        "worker-src": "'self' blob:",
        "frame-src": "'self'",
        "frame-ancestors": "'none'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


class SecurityMiddleware:
    """Pure ASGI middleware (see the module doc); websockets pass through untouched."""

    def __init__(self, app: Any, policy: str) -> None:
        self.app = app
        self.headers = ((b"content-security-policy", policy.encode()), *OTHER_HEADERS)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "") in CLOSED_PATHS:
            await _plain(send, 404, "Not Found")
            return
        extra = list(self.headers)
        if not _has_browser_cookie(scope.get("headers", [])):
            value = secrets.token_urlsafe(32)
            cookie = f"{BROWSER_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict"
            if scope.get("scheme") == "https":
                cookie += "; Secure"
            extra.append((b"set-cookie", cookie.encode()))

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {extra_name for extra_name, _ in extra if extra_name != b"set-cookie"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
        *OTHER_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Refused(Exception):
    """The download is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


def _session_user(grant: Grant) -> Any:
    """The user the grant's Streamlit session is logged in as now (None when closed/out)."""
    from streamlit import runtime

    from vis.pages.common import USER_KEY

    if not runtime.exists():
        return None
    session = runtime.get_instance().get_app_session(grant.session_id)
    if session is None:
        return None
    try:
        return session.session_state[USER_KEY]
    except KeyError:
        return None


def _check_session(grant: Grant, cookie: str | None) -> None:
    from vis.security.auth import User

    if grant.browser is None or browser_hash(cookie) != grant.browser:
        raise Refused(403, "other browser")
    user = _session_user(grant)
    if not isinstance(user, User) or (user.username, user.epoch) != (grant.username, grant.epoch):
        raise Refused(403, "session logged out")
    if user.role not in grant.roles or user.role != grant.role:
        raise Refused(403, "role")


def deliver(grant: Grant, now: dt.datetime | None = None) -> bytes:
    """Check the account, build the file and write its audit entry (blocking: run in a thread).

    Raises :class:`Refused` when the account no longer allows it."""
    from vis.db.engine import WRITE_LOCK
    from vis.security import audit
    from vis.security.auth import User, session_still_valid

    user = User(grant.username, grant.role, grant.epoch)
    engine = grant.engine
    with engine.connect() as conn:
        if not session_still_valid(conn, user, now):
            raise Refused(403, "account")
    data = grant.build()
    with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
        if not session_still_valid(conn, user, now):
            raise Refused(403, "account")
        audit.append_in(
            conn,
            audit.DOWNLOAD,
            username=grant.username,
            target=grant.target,
            detail={"file": grant.file_name, "bytes": len(data)},
            client=grant.client,
        )
    return data


def _disposition(name: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def download(request: Any) -> Any:
    """The download route (see the module doc)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    grant = redeem(str(request.path_params.get("token", "")))
    try:
        if grant is None:
            raise Refused(404, "unknown or expired")
        _check_session(grant, request.cookies.get(BROWSER_COOKIE))
        data = await run_in_threadpool(deliver, grant)
    except Refused as refused:
        logging.getLogger("vis.web").info("download refused: %s", refused.why)
        return PlainTextResponse(REFUSED, status_code=refused.status, headers=headers)
    headers["Content-Disposition"] = _disposition(grant.file_name)
    return Response(data, media_type=grant.mime, headers=headers)


_SESSION_ID = re.compile(
    r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
)


def redact_session_ids() -> None:
    """Keep Streamlit's session ids (UUIDs) out of every log line: only their first 8 characters
    remain, as in the audit log. Whoever holds a full id can try to take the session over."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "vis_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record
        if _SESSION_ID.search(message):
            record.msg = _SESSION_ID.sub(r"\1-…", message)
            record.args = ()
        return record

    factory.vis_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def routes() -> list[Any]:
    from starlette.routing import Route

    return [Route(ROUTE_PREFIX + "{token}", download, methods=["GET"])]


def tile_origins(online_tiles: bool, tile_style: str) -> tuple[str, ...]:
    """The origin of the basemap's style (and its tiles) when online tiles are on, else none."""
    from urllib.parse import urlsplit

    if not online_tiles:
        return ()
    parts = urlsplit(tile_style)
    return (f"{parts.scheme}://{parts.netloc}",)


def middleware() -> list[Any]:
    """Built once when `vis serve` starts, with the app settings it was started with."""
    from starlette.middleware import Middleware

    from vis.app_settings import load_app_settings

    app = load_app_settings()
    policy = content_security_policy(tile_origins(app.online_tiles, app.tile_style))
    return [Middleware(SecurityMiddleware, policy=policy)]

"""The one HTTP client of VIS: a ``requests.Session`` with retries, timeouts and a bearer token.

:func:`build_session` mounts a urllib3 :class:`~urllib3.util.retry.Retry` that retries GET on
connection errors, on broken or timed-out reads, on 429 and on 500/502/503/504, with exponential
backoff. A ``Retry-After`` header (429, 503) is honoured up to ``http.max_retry_after_s``; a longer
one is not waited for: the answer comes back at once and :func:`get` fails with a clear message.

:func:`get` is the only way VIS fetches: explicit ``(connect, read)`` timeouts, the whole body read
(urllib3 2 enforces Content-Length, and :func:`get` checks it once more), and every failure turned
into one :class:`FetchError` with a one-line message. The bearer token is sent in the
``Authorization`` header only; it never appears in a message or a log line (:func:`scrub`).
"""

from __future__ import annotations

import logging
import os
import re
from http.client import IncompleteRead
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from vis.settings import HttpSettings

log = logging.getLogger(__name__)

#: Answers that are retried (with backoff, or after Retry-After where the server sends one).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Query parameters whose values are hidden when a URL is shown or stored.
SECRET_PARAMS = re.compile(r"(?i)token|key|secret|passw|pwd|auth|sig|credential|session")
_AUTH_HEADER = re.compile(r"(?i)(authorization\W{1,4})(bearer\s+|basic\s+)?[^\s'\",;}]+")
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s'\",;}]+")
_MAX_MESSAGE = 500


class FetchError(RuntimeError):
    """Fetching from a source failed. The message is one line and holds no secret."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CappedRetry(Retry):
    """A :class:`Retry` that refuses to wait longer than ``max_retry_after`` seconds.

    urllib3 would sleep for any Retry-After (2.x clamps it only at six hours). When the header asks
    for more than the cap, :meth:`increment` ends the retries at once; with
    ``raise_on_status=False`` urllib3 then hands that answer back, and :func:`get` reports it.
    """

    def __init__(self, *args: Any, max_retry_after: float = 300.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> CappedRetry:
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> CappedRetry:
        if response is not None and retry_after_too_long(response, self.max_retry_after):
            reason = ResponseError("Retry-After above the configured cap")
            raise MaxRetryError(cast(ConnectionPool, _pool), url, reason)
        return super().increment(method, url, response, error, _pool, _stacktrace)


class BearerAuth(requests.auth.AuthBase):
    """Sends ``Authorization: Bearer <token>``; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds that a Retry-After header value asks for (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    try:
        return Retry().parse_retry_after(value)
    except Urllib3Error:
        return None


def retry_after_too_long(response: BaseHTTPResponse | requests.Response, cap: float) -> bool:
    status = response.status if isinstance(response, BaseHTTPResponse) else response.status_code
    if status not in Retry.RETRY_AFTER_STATUS_CODES:
        return False
    seconds = retry_after_seconds(response.headers.get("Retry-After"))
    return seconds is not None and seconds > cap


def build_session(http: HttpSettings) -> requests.Session:
    """The session every fetch of a run goes through: retries, backoff and the User-Agent."""
    retry = CappedRetry(
        total=http.retries,
        connect=http.retries,
        read=http.retries,
        status=http.retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=http.backoff_factor,
        respect_retry_after_header=True,
        raise_on_status=False,
        max_retry_after=http.max_retry_after_s,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = http.user_agent
    return session


def get(
    session: requests.Session, url: str, *, http: HttpSettings, token: str | None = None
) -> requests.Response:
    """GET ``url``, whole body read; a failure or a non-2xx answer is a :class:`FetchError`."""
    shown = redact_url(url)
    if token is not None and (not token or any(c.isspace() or ord(c) < 32 for c in token)):
        raise FetchError(f"GET {shown}: the token is empty or holds whitespace")
    # An auth object rather than a header: requests then never swaps in ~/.netrc credentials.
    auth = BearerAuth(token) if token else None
    log.debug("GET %s", shown)
    try:
        response = session.get(
            url, auth=auth, timeout=(http.connect_timeout_s, http.read_timeout_s)
        )
    except (requests.RequestException, Urllib3Error, OSError, ValueError) as exc:
        raise FetchError(scrub(f"GET {shown}: {describe(exc, http)}", token)) from None
    retried = _retries_used(response)
    if not 200 <= response.status_code < 300:
        message = _status_message(response, http, retried)
        raise FetchError(scrub(f"GET {shown}: {message}", token), status=response.status_code)
    _check_length(response, shown, token)
    log.info(
        "GET %s: HTTP %s, %d bytes%s",
        shown,
        response.status_code,
        len(response.content),
        f", after {retried} retries" if retried else "",
    )
    return response


def token_from_env(name: str) -> str | None:
    """The bearer token in environment variable ``name``; None when no variable is configured."""
    name = name.strip()
    if not name:
        return None
    value = os.environ.get(name)
    if value is None:
        raise FetchError(f"environment variable {name} (the source's token_env) is not set")
    if not value.strip():
        raise FetchError(f"environment variable {name} (the source's token_env) is empty")
    return value.strip()


def redact_url(url: str) -> str:
    """``url`` fit to show or store: no user:password, and secret-looking query values hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rpartition("@")[2] if "@" in parts.netloc else parts.netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(SECRET_PARAMS.search(k) for k, _ in pairs):
            query = urlencode(
                [(k, "***" if SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrub(text: str, token: str | None = None) -> str:
    """``text`` on one line, without the token and without any Authorization or Bearer value."""
    if token:
        text = text.replace(token, "***")
    text = _AUTH_HEADER.sub(r"\1***", text)
    text = _BEARER.sub("Bearer ***", text)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def describe(exc: BaseException, http: HttpSettings) -> str:
    """A short, plain description of a failed request (the URL is added by the caller)."""
    chain = _causes(exc)
    exhausted = http.retries > 0 and any(isinstance(e, MaxRetryError) for e in chain)
    after = f" (after {http.retries} retries)" if exhausted else ""
    for e in chain:
        if isinstance(e, requests.ConnectTimeout) or (
            isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError)
        ):
            return (
                f"no connection within the connect timeout of {http.connect_timeout_s:g} s{after}"
            )
        if isinstance(e, requests.ReadTimeout | ReadTimeoutError):
            return f"no answer within the read timeout of {http.read_timeout_s:g} s{after}"
    for e in chain:
        if isinstance(e, IncompleteRead):
            partial = e.partial if isinstance(e.partial, int) else len(e.partial)
            expected = f", {e.expected} more expected" if e.expected is not None else ""
            return f"the answer was cut off: {partial} bytes received{expected}"
        if isinstance(e, NewConnectionError):
            return f"cannot connect: {_short(e.__cause__ or e)}{after}"
        if isinstance(e, SSLError | requests.exceptions.SSLError):
            return f"TLS error: {_short(e)}"
        if isinstance(e, requests.TooManyRedirects):
            return "too many redirects"
        if isinstance(e, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return "not a valid URL"
        if isinstance(e, requests.exceptions.InvalidSchema):
            return "not an http(s) URL"
    for e in chain:
        if isinstance(e, ProtocolError):
            return f"the connection broke: {_short(e)}{after}"
    return f"{type(exc).__name__}: {_short(exc)}{after}"


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps: arguments, MaxRetryError reasons and __cause__, depth first."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        e = todo.pop(0)
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        if isinstance(e, MaxRetryError) and isinstance(e.reason, BaseException):
            todo.append(e.reason)
        if e.__cause__ is not None:
            todo.append(e.__cause__)
    return seen


def _short(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 prefixes "HTTPConnection(host=..., port=...): " and similar; keep the reason.
    text = re.sub(r"^<?[\w.]+(?: object at 0x[0-9a-f]+)?>?:\s*", "", text)
    return " ".join(text.split())[:200] or type(exc).__name__


def _retries_used(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) if isinstance(retries, Retry) else 0


def _status_message(response: requests.Response, http: HttpSettings, retried: int) -> str:
    status = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    if retry_after_too_long(response, http.max_retry_after_s):
        wait = retry_after_seconds(response.headers.get("Retry-After")) or 0.0
        return (
            f"{status}: the server asks to wait {wait:.0f} s (Retry-After), longer than "
            f"http.max_retry_after_s = {http.max_retry_after_s:g} s"
        )
    if response.status_code in RETRY_STATUSES and retried:
        return f"{status}, still after {retried} retries"
    return status


def _check_length(response: requests.Response, shown: str, token: str | None) -> None:
    declared = response.headers.get("Content-Length")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if declared is None or encoding not in ("", "identity"):
        return
    try:
        expected = int(declared)
    except ValueError:
        raise FetchError(
            scrub(f"GET {shown}: invalid Content-Length {declared!r}", token)
        ) from None
    if len(response.content) != expected:
        raise FetchError(
            scrub(
                f"GET {shown}: the answer was cut off: {len(response.content)} of {expected} "
                "bytes received",
                token,
            )
        )

"""The BVH feed over HTTP (contract §1 "Delivery over HTTP"): windows, formats and JSON paging.

A source's URL template holds ``{vanaf}`` and ``{tot}`` (``jjjj-mm-dd``, ``tot`` exclusive);
:func:`window_url` fills them in. :func:`fetch_pages` fetches the answer and hands it on as
:class:`Page` objects, in order, each with the format its Content-Type names. A JSON answer is
paged: ``{"incidenten": [...], "volgende": URL-or-null}``, and the pages are followed until
``volgende`` is null. Turning a page's bytes into rows is the work of ``ingest.formats``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import requests

from ingest.http import FetchError, get, redact_url
from vis.settings import HttpSettings

log = logging.getLogger(__name__)

CSV = "bvh-csv"
XLSX = "bvh-xlsx"
JSON = "bvh-json"
FORMATS = frozenset({CSV, XLSX, JSON})
AUTO = "auto"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Content-Types that name a format.
MIME_FORMATS: dict[str, str] = {
    "text/csv": CSV,
    "application/csv": CSV,
    XLSX_MIME: XLSX,
    "application/json": JSON,
}
#: Content-Types that say nothing about the format: the configured format decides.
GENERIC_MIMES = frozenset({"", "application/octet-stream"})
#: Most pages one JSON answer may have before VIS gives up (a guard against endless paging).
DEFAULT_MAX_PAGES = 10_000


@dataclass(frozen=True)
class Page:
    """One answer of the feed: its format (bvh-csv, bvh-xlsx or bvh-json), bytes and URL."""

    fmt: str
    body: bytes
    url: str


def window_url(template: str, vanaf: dt.date, tot: dt.date) -> str:
    """The URL for incidents from ``vanaf`` up to, not including, ``tot``."""
    if "{vanaf}" not in template or "{tot}" not in template:
        raise ValueError("the URL template must contain {vanaf} and {tot}")
    if tot <= vanaf:
        raise ValueError(
            f"empty window: tot {tot.isoformat()} is not after vanaf {vanaf.isoformat()}"
        )
    return template.replace("{vanaf}", vanaf.isoformat()).replace("{tot}", tot.isoformat())


def format_for(content_type: str | None, fmt: str = AUTO) -> str:
    """The format of an answer with ``content_type``; ``fmt`` decides only for generic types.

    Raises :class:`FetchError` for any other Content-Type (an HTML login page, plain text, ...)
    and for a generic one when ``fmt`` is ``auto``.
    """
    if fmt != AUTO and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use auto, {', '.join(sorted(FORMATS))}")
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in MIME_FORMATS:
        return MIME_FORMATS[mime]
    if mime in GENERIC_MIMES:
        if fmt == AUTO:
            shown = content_type or "none"
            raise FetchError(
                f"Content-Type {shown} does not say whether the answer is CSV, XLSX or JSON; "
                "configure the source's format"
            )
        return fmt
    raise FetchError(
        f"unexpected Content-Type {content_type}: expected CSV, XLSX or JSON "
        "(a login or error page?)"
    )


def fetch_pages(
    session: requests.Session,
    url: str,
    *,
    http: HttpSettings,
    token: str | None,
    fmt: str = AUTO,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Iterator[Page]:
    """The pages of the answer to ``url``, fetched one by one as the caller asks for them.

    CSV and XLSX answers are one page. A JSON answer is followed through ``volgende`` (relative
    URLs resolved against the page's URL) until it is null. A page seen twice, more than
    ``max_pages`` pages, a JSON body of another shape, or a ``volgende`` on another host while a
    token is in use (it would carry the token there) is a :class:`FetchError`.
    """
    if fmt != AUTO and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use auto, {', '.join(sorted(FORMATS))}")
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    return _pages(session, url, http=http, token=token, fmt=fmt, max_pages=max_pages)


def _pages(
    session: requests.Session,
    url: str,
    *,
    http: HttpSettings,
    token: str | None,
    fmt: str,
    max_pages: int,
) -> Iterator[Page]:
    origin = _origin(url)
    seen: set[str] = set()
    next_url: str | None = url
    number = 0
    while next_url is not None:
        number += 1
        key = urldefrag(next_url).url
        if key in seen:
            raise FetchError(f"page {number} repeats {redact_url(next_url)}: the paging loops")
        if number > max_pages:
            raise FetchError(f"more than {max_pages} pages at {redact_url(url)}: giving up")
        seen.add(key)
        response = get(session, next_url, http=http, token=token)
        shown = redact_url(response.url or next_url)
        try:
            page_fmt = format_for(response.headers.get("Content-Type"), fmt)
        except FetchError as exc:
            raise FetchError(f"GET {shown}: {exc}") from None
        if fmt not in (AUTO, page_fmt):
            log.warning(
                "GET %s: configured as %s, but the Content-Type says %s", shown, fmt, page_fmt
            )
        page = Page(fmt=page_fmt, body=response.content, url=response.url or next_url)
        if page_fmt != JSON:
            if number > 1:
                raise FetchError(f"GET {shown}: page {number} of a JSON answer is {page_fmt}")
            yield page
            return
        following = next_page(page)
        if following is not None and token and _origin(following) != origin:
            raise FetchError(
                f"GET {shown}: 'volgende' points to another host ({_origin(following)}); "
                "the token is not sent there"
            )
        yield page
        next_url = following


def next_page(page: Page) -> str | None:
    """The absolute URL of the page after a JSON ``page``, or None; checks the page's shape."""
    shown = redact_url(page.url)
    try:
        doc: Any = json.loads(page.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"GET {shown}: the answer is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or "incidenten" not in doc or "volgende" not in doc:
        raise FetchError(
            f'GET {shown}: the JSON answer is not {{"incidenten": [...], "volgende": ...}}'
        )
    rows, following = doc["incidenten"], doc["volgende"]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FetchError(f"GET {shown}: 'incidenten' in the JSON answer is not a list of objects")
    if following is None or following == "":
        return None
    if not isinstance(following, str):
        raise FetchError(f"GET {shown}: 'volgende' is neither a URL nor null")
    return urljoin(page.url, following.strip())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"

"""The BVH feed over a real loopback server: formats by Content-Type and JSON paging."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from ingest.feed import XLSX_MIME, Page, fetch_pages, format_for, window_url
from ingest.http import FetchError, build_session
from vis.settings import HttpSettings

FAST = HttpSettings(
    connect_timeout_s=2, read_timeout_s=2, retries=1, backoff_factor=0.01, max_retry_after_s=5
)
TOKEN = "feed-token-123"
TEMPLATE_PATH = "/incidenten"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = build_session(FAST)
    yield s
    s.close()


def _page(test_data: Path, n: int, volgende: str | None) -> bytes:
    doc = json.loads((test_data / f"bvh-extract-example.page{n}.json").read_text("utf-8"))
    doc["volgende"] = volgende
    return json.dumps(doc).encode("utf-8")


def test_window_url() -> None:
    template = "https://feed.example/incidenten?vanaf={vanaf}&tot={tot}"
    assert window_url(template, dt.date(2017, 3, 13), dt.date(2017, 3, 14)) == (
        "https://feed.example/incidenten?vanaf=2017-03-13&tot=2017-03-14"
    )
    with pytest.raises(ValueError, match="empty window"):
        window_url(template, dt.date(2017, 3, 14), dt.date(2017, 3, 14))
    with pytest.raises(ValueError, match="vanaf"):
        window_url("https://feed.example/all", dt.date(2017, 3, 13), dt.date(2017, 3, 14))


@pytest.mark.parametrize(
    ("content_type", "fmt", "expected"),
    [
        ("text/csv; charset=windows-1252", "auto", "bvh-csv"),
        ("application/csv", "auto", "bvh-csv"),
        (XLSX_MIME, "auto", "bvh-xlsx"),
        ("application/json; charset=utf-8", "auto", "bvh-json"),
        ("Application/JSON", "bvh-csv", "bvh-json"),
        ("application/octet-stream", "bvh-xlsx", "bvh-xlsx"),
        (None, "bvh-csv", "bvh-csv"),
    ],
)
def test_format_for(content_type: str | None, fmt: str, expected: str) -> None:
    assert format_for(content_type, fmt) == expected


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [("text/html; charset=utf-8", "bvh-csv"), ("text/plain", "auto"), (None, "auto")],
)
def test_format_for_rejects(content_type: str | None, fmt: str) -> None:
    with pytest.raises(FetchError):
        format_for(content_type, fmt)


def test_json_paging_in_order_with_token(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    first = httpserver.url_for(TEMPLATE_PATH) + "?vanaf=2017-03-13&tot=2017-03-14"
    second = first + "&pagina=2"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    httpserver.expect_request(
        TEMPLATE_PATH, query_string="vanaf=2017-03-13&tot=2017-03-14", headers=auth
    ).respond_with_data(_page(test_data, 1, second), content_type="application/json")
    httpserver.expect_request(
        TEMPLATE_PATH, query_string="vanaf=2017-03-13&tot=2017-03-14&pagina=2", headers=auth
    ).respond_with_data(_page(test_data, 2, None), content_type="application/json; charset=utf-8")

    pages = list(fetch_pages(session, first, http=FAST, token=TOKEN, fmt="auto"))

    assert [p.url for p in pages] == [first, second]
    assert all(isinstance(p, Page) and p.fmt == "bvh-json" for p in pages)
    ids = [[r["Incident Identificatie"] for r in json.loads(p.body)["incidenten"]] for p in pages]
    assert ids[0][0] == "PL0900_BVH_7100001" and ids[1][0] == "PL0900_BVH_7100006"
    assert len(httpserver.log) == 2


def test_relative_volgende_and_three_pages(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    body = _page(test_data, 2, None)
    httpserver.expect_request("/feed/p1").respond_with_data(
        _page(test_data, 1, "p2"), content_type="application/json"
    )
    httpserver.expect_request("/feed/p2").respond_with_data(
        _page(test_data, 1, "/feed/p3?x=1"), content_type="application/octet-stream"
    )
    httpserver.expect_request("/feed/p3").respond_with_data(body, content_type="application/json")
    pages = list(
        fetch_pages(session, httpserver.url_for("/feed/p1"), http=FAST, token=None, fmt="bvh-json")
    )
    assert [p.url.split("/feed/")[1] for p in pages] == ["p1", "p2", "p3?x=1"]
    assert pages[-1].body == body


def test_a_page_seen_twice_is_a_loop(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    url = httpserver.url_for("/feed/loop")
    httpserver.expect_request("/feed/loop").respond_with_data(
        _page(test_data, 1, url), content_type="application/json"
    )
    with pytest.raises(FetchError, match="loops"):
        list(fetch_pages(session, url, http=FAST, token=None))


def test_maximum_number_of_pages(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    for n in range(1, 4):
        httpserver.expect_request(f"/feed/{n}").respond_with_data(
            _page(test_data, 1, f"/feed/{n + 1}"), content_type="application/json"
        )
    pages = fetch_pages(session, httpserver.url_for("/feed/1"), http=FAST, token=None, max_pages=2)
    with pytest.raises(FetchError, match="more than 2 pages"):
        list(pages)
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"data": []}', b'{"incidenten": {}, "volgende": null}', b'{"incidenten": []}'],
)
def test_json_of_another_shape_is_a_fetch_error(
    httpserver: HTTPServer, session: requests.Session, body: bytes
) -> None:
    httpserver.expect_request("/feed").respond_with_data(body, content_type="application/json")
    with pytest.raises(FetchError, match="JSON"):
        list(fetch_pages(session, httpserver.url_for("/feed"), http=FAST, token=None))


def test_csv_and_xlsx_are_one_page(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    csv = (test_data / "bvh-extract-example.csv").read_bytes()
    httpserver.expect_request("/e.csv").respond_with_data(
        csv, content_type="text/csv; charset=windows-1252"
    )
    httpserver.expect_request("/e.xlsx").respond_with_data(
        b"PK\x03\x04xlsx", content_type=XLSX_MIME
    )
    [page] = fetch_pages(session, httpserver.url_for("/e.csv"), http=FAST, token=None)
    assert page == Page(fmt="bvh-csv", body=csv, url=httpserver.url_for("/e.csv"))
    [page] = fetch_pages(session, httpserver.url_for("/e.xlsx"), http=FAST, token=None)
    assert page.fmt == "bvh-xlsx" and page.body == b"PK\x03\x04xlsx"


def test_generic_content_type_uses_the_configured_format(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/e").respond_with_data(
        b"a;b\n1;2\n", content_type="application/octet-stream"
    )
    [page] = fetch_pages(session, httpserver.url_for("/e"), http=FAST, token=None, fmt="bvh-csv")
    assert page.fmt == "bvh-csv"
    with pytest.raises(FetchError, match="application/octet-stream"):
        list(fetch_pages(session, httpserver.url_for("/e"), http=FAST, token=None, fmt="auto"))


def test_wrong_content_type_is_a_fetch_error(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/login").respond_with_data(
        "<html>Log in</html>", content_type="text/html; charset=utf-8"
    )
    with pytest.raises(FetchError) as info:
        list(
            fetch_pages(
                session, httpserver.url_for("/login"), http=FAST, token=TOKEN, fmt="bvh-csv"
            )
        )
    assert "text/html" in str(info.value)
    assert TOKEN not in str(info.value)


def test_a_later_page_that_is_not_json_fails(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    httpserver.expect_request("/p1").respond_with_data(
        _page(test_data, 1, "/p2"), content_type="application/json"
    )
    httpserver.expect_request("/p2").respond_with_data("a;b", content_type="text/csv")
    pages = fetch_pages(session, httpserver.url_for("/p1"), http=FAST, token=None)
    assert next(pages).fmt == "bvh-json"
    with pytest.raises(FetchError, match="page 2"):
        next(pages)


def test_volgende_to_another_host_is_refused_with_a_token(
    httpserver: HTTPServer, session: requests.Session, test_data: Path
) -> None:
    httpserver.expect_request("/p1").respond_with_data(
        _page(test_data, 1, "https://elsewhere.example/p2"), content_type="application/json"
    )
    with pytest.raises(FetchError, match="another host"):
        list(fetch_pages(session, httpserver.url_for("/p1"), http=FAST, token=TOKEN))
    assert len(httpserver.log) == 1


def test_unknown_format_is_refused_at_once(session: requests.Session) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        fetch_pages(session, "http://127.0.0.1:9/x", http=FAST, token=None, fmt="bvh-xml")

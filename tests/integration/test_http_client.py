"""The HTTP client on real loopback servers: retries, Retry-After, timeouts, truncation, token."""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.http import FetchError, build_session, get, redact_url, scrub, token_from_env
from vis.settings import HttpSettings

TOKEN = "s3cr3t-T0ken.value"
FAST = HttpSettings(
    connect_timeout_s=2,
    read_timeout_s=2,
    retries=3,
    backoff_factor=0.01,
    max_retry_after_s=5,
    user_agent="VIS-test/1",
)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = build_session(FAST)
    yield s
    s.close()


class _TruncatingHandler(socketserver.BaseRequestHandler):
    """Answers every request with a Content-Length of 100 and only 3 bytes of body, then closes."""

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n"
            b"Connection: close\r\n\r\nabc"
        )


@pytest.fixture
def truncating_server() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TruncatingHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/extract.csv"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_500_then_200_is_retried(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_data("busy", status=500)
    httpserver.expect_request("/x").respond_with_data("ok", content_type="text/csv")
    response = get(session, httpserver.url_for("/x"), http=FAST, token=None)
    assert response.content == b"ok"
    assert len(httpserver.log) == 2


def test_5xx_that_persists_fails_after_the_retries(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/x").respond_with_data("down", status=503)
    with pytest.raises(FetchError) as info:
        get(session, httpserver.url_for("/x"), http=FAST, token=TOKEN)
    assert "HTTP 503" in str(info.value) and "3 retries" in str(info.value)
    assert info.value.status == 503
    assert len(httpserver.log) == 1 + FAST.retries


def test_client_errors_are_not_retried(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request("/x").respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        get(session, httpserver.url_for("/x"), http=FAST, token=None)
    assert len(httpserver.log) == 1


def test_429_with_retry_after_is_honoured(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/x").respond_with_data("ok", content_type="text/csv")
    started = time.monotonic()
    response = get(session, httpserver.url_for("/x"), http=FAST, token=None)
    assert response.content == b"ok"
    assert time.monotonic() - started >= 0.95
    assert len(httpserver.log) == 2


def test_retry_after_above_the_cap_fails_fast(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "come back tomorrow", status=429, headers={"Retry-After": "3600"}
    )
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        get(session, httpserver.url_for("/x"), http=FAST, token=None)
    assert time.monotonic() - started < 1.0
    message = str(info.value)
    assert "HTTP 429" in message and "3600 s" in message and "max_retry_after_s = 5" in message
    assert len(httpserver.log) == 1


def test_read_timeout_is_a_fetch_error(httpserver: HTTPServer) -> None:
    settings = FAST.model_copy(update={"read_timeout_s": 0.1, "retries": 1})

    def slow(_request: Request) -> Response:
        time.sleep(0.4)
        return Response("late", content_type="text/csv")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with build_session(settings) as s, pytest.raises(FetchError) as info:
        get(s, httpserver.url_for("/slow"), http=settings, token=TOKEN)
    assert "read timeout of 0.1 s" in str(info.value)
    assert TOKEN not in str(info.value)


def test_connection_refused_is_retried_then_a_fetch_error(session: requests.Session) -> None:
    url = f"http://127.0.0.1:{_free_port()}/x"
    with pytest.raises(FetchError) as info:
        get(session, url, http=FAST, token=TOKEN)
    assert "cannot connect" in str(info.value) and "after 3 retries" in str(info.value)
    assert "\n" not in str(info.value)


def test_truncated_body_is_a_fetch_error(truncating_server: str, session: requests.Session) -> None:
    with pytest.raises(FetchError) as info:
        get(session, truncating_server, http=FAST, token=TOKEN)
    assert "cut off" in str(info.value) and "3 bytes received" in str(info.value)
    assert TOKEN not in str(info.value)


def test_token_and_user_agent_are_sent(httpserver: HTTPServer, session: requests.Session) -> None:
    httpserver.expect_request(
        "/x", headers={"Authorization": f"Bearer {TOKEN}", "User-Agent": "VIS-test/1"}
    ).respond_with_data("ok", content_type="text/csv")
    assert get(session, httpserver.url_for("/x"), http=FAST, token=TOKEN).content == b"ok"


def test_no_authorization_header_without_a_token(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    get(session, httpserver.url_for("/x"), http=FAST, token=None)
    request, _ = httpserver.log[0]
    assert "Authorization" not in request.headers


def test_token_never_in_errors_or_logs(
    httpserver: HTTPServer, session: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A server that echoes the request headers in its error page and a reason phrase.
    httpserver.expect_request("/echo").respond_with_handler(
        lambda req: Response(f"denied for {req.headers.get('Authorization')}", status=401)
    )
    httpserver.expect_request("/ok").respond_with_data("fine", content_type="text/csv")
    messages = []
    for path in ("/echo", "/missing"):
        with pytest.raises(FetchError) as info:
            get(session, httpserver.url_for(path), http=FAST, token=TOKEN)
        messages.append(str(info.value))
    get(session, httpserver.url_for("/ok"), http=FAST, token=TOKEN)
    assert messages[0].startswith("GET http://") and "HTTP 401" in messages[0]
    for text in [*messages, *(r.getMessage() for r in caplog.records)]:
        assert TOKEN not in text
    assert caplog.records, "the client logs its requests"


def test_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIS_TEST_FEED_TOKEN", f"  {TOKEN}\n")
    monkeypatch.delenv("VIS_TEST_MISSING_TOKEN", raising=False)
    monkeypatch.setenv("VIS_TEST_EMPTY_TOKEN", "")
    assert token_from_env("") is None
    assert token_from_env("VIS_TEST_FEED_TOKEN") == TOKEN
    with pytest.raises(FetchError, match=r"VIS_TEST_MISSING_TOKEN.*not set"):
        token_from_env("VIS_TEST_MISSING_TOKEN")
    with pytest.raises(FetchError, match=r"VIS_TEST_EMPTY_TOKEN.*empty"):
        token_from_env("VIS_TEST_EMPTY_TOKEN")


def test_redact_url_and_scrub() -> None:
    assert redact_url("https://u:pw@feed.example/x?vanaf=2017-03-01&api_key=abc#f") == (
        "https://feed.example/x?vanaf=2017-03-01&api_key=***"
    )
    assert redact_url("https://feed.example/x?vanaf=2017-03-01") == (
        "https://feed.example/x?vanaf=2017-03-01"
    )
    assert scrub(f"headers: {{'Authorization': 'Bearer {TOKEN}'}}\nnext", None) == (
        "headers: {'Authorization': '***'} next"
    )
    assert TOKEN not in scrub(f"oops {TOKEN}", TOKEN)


def test_netrc_credentials_never_replace_the_bearer_token(
    httpserver: HTTPServer,
    session: requests.Session,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine localhost login someone password other\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/x", headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_data(
        "ok"
    )
    assert get(session, httpserver.url_for("/x"), http=FAST, token=TOKEN).content == b"ok"


def test_a_token_with_whitespace_is_refused_without_showing_it(session: requests.Session) -> None:
    with pytest.raises(FetchError) as info:
        get(session, "http://127.0.0.1:9/x", http=FAST, token="abc\ndef")
    assert "abc" not in str(info.value) and "whitespace" in str(info.value)

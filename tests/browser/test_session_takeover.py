"""A session id is not a key to the session: a raw websocket that reconnects to a logged-in
Chromium session with its id gets the login page, not the data; the server log never holds the
full id."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, prepare
from serving import login, settled, start_serve, stop

from vis.pages.shifts import current_or_next_shift, next_shift
from vis.settings import load_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    shifts = {next_shift(now, settings.shifts, TZ), current_or_next_shift(now, settings.shifts, TZ)}
    folder = tmp_path_factory.mktemp("takeover")
    db_url, _ = prepare(folder / "t.db", now, shifts=tuple(shifts))
    log = folder / "serve.log"
    proc, base = start_serve(db_url, log)
    try:
        yield base, log
    finally:
        stop(proc)


def _messages(ws: Any, seconds: float) -> list[ForwardMsg]:
    out: list[ForwardMsg] = []
    deadline = dt.datetime.now() + dt.timedelta(seconds=seconds)
    while dt.datetime.now() < deadline:
        try:
            frame = ws.recv(timeout=1.0)
        except TimeoutError:
            continue
        if isinstance(frame, bytes):
            msg = ForwardMsg.FromString(frame)
            out.append(msg)
            if msg.HasField("script_finished"):
                break
    return out


def test_a_known_session_id_does_not_open_the_session(
    browser: Any, server: tuple[str, Path]
) -> None:
    base, log = server
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    ids: list[str] = []

    def on_socket(ws: Any) -> None:
        def on_frame(payload: Any) -> None:
            if isinstance(payload, bytes):
                msg = ForwardMsg.FromString(payload)
                if msg.HasField("new_session") and msg.new_session.initialize.session_id:
                    ids.append(msg.new_session.initialize.session_id)

        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    login(page, base, "supervisor")
    expect(page.get_by_role("button", name="PDF downloaden")).to_be_visible(timeout=60_000)
    settled(page)
    assert ids, "the session id was not seen"
    session_id = ids[-1]

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    with connect(url, subprotocols=["streamlit", "none", session_id]) as ws:  # type: ignore[list-item]
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_name = ""
        ws.send(rerun.SerializeToString())
        text = "\n".join(str(m) for m in _messages(ws, 30))
    assert "Hotspot" not in text and "PDF downloaden" not in text
    assert "Je sessie is be" in text  # the login page's notice
    context.close()
    assert session_id not in log.read_text(errors="replace")

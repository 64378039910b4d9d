"""Starting and stopping a private `vis serve` for a test, and logging in with Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from vis.settings import PROJECT_ROOT

PASSWORD = "Test-wachtwoord-42!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    db_url: str,
    log: Path,
    port: int | None = None,
    app_config: Path | None = None,
    config: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """`vis serve` on ``db_url`` (a free loopback port unless given), healthy; (process, base URL).

    `vis serve` replaces itself with Streamlit (exec), so the process is the app server itself.
    """
    port = port or free_port()
    env = {
        **os.environ,
        "VIS_DATABASE_URL": db_url,
        "VIS_CONFIG": str(config or PROJECT_ROOT / "config" / "vis.toml"),
        "VIS_APP_CONFIG": str(app_config or PROJECT_ROOT / "config" / "app.toml"),
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vis.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"vis serve exited with {proc.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise TimeoutError("vis serve did not become healthy")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def login(page: Any, url: str, user: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def settled(page: Any) -> None:
    """Wait until the script run is over (Streamlit's own marker) and the page has drawn."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
    page.wait_for_timeout(300)


def download_link(page: Any, button: str) -> str:
    """Click the download button ``button``; the new one-time link it shows (absolute URL)."""
    links = page.locator("a.vis-download")
    old = {links.nth(i).get_attribute("href") for i in range(links.count())}
    page.get_by_role("button", name=button).click()
    page.wait_for_function(
        """(old) => [...document.querySelectorAll('a.vis-download')]
             .some(a => !old.includes(a.getAttribute('href')))""",
        arg=sorted(h for h in old if h),
    )
    href = next(
        h
        for h in (links.nth(i).get_attribute("href") for i in range(links.count()))
        if h not in old
    )
    return str(page.evaluate("(h) => new URL(h, location.href).href", href))


def download(page: Any, button: str) -> bytes:
    """Click the download button ``button``, then its link; the file the browser saved."""
    href = download_link(page, button).split("/vis/download/", 1)[1]
    with page.expect_download() as got:
        page.locator(f'a.vis-download[href$="{href}"]').click()
    return Path(got.value.path()).read_bytes()

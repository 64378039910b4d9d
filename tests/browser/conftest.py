"""Real-browser fixtures: `vis serve` on a free loopback port and Debian's Chromium via Playwright.

The tests skip only when ``CI`` is not set and /usr/bin/chromium is absent; in CI they run (and
fail if Chromium is missing). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from appdata import TZ, prepare

from vis.pages.shifts import current_or_next_shift, next_shift
from vis.settings import PROJECT_ROOT, load_settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# What a page shows is checked here; how fast it shows is measured by benchmarks/bench_app.py. On a
# loaded 2-core CI machine a logged-in page can take well over Playwright's 5 s default to draw.
expect.set_options(timeout=30_000)

if not os.environ.get("CI") and not CHROMIUM.exists():
    pytest.skip("Chromium not installed (apt-get install -y chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"vis serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("vis serve did not become healthy")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a running `vis serve` on a prepared database."""
    settings = load_settings(PROJECT_ROOT / "config" / "vis.toml")
    now = dt.datetime.now(dt.UTC)
    wanted = {next_shift(now, settings.shifts, TZ), current_or_next_shift(now, settings.shifts, TZ)}
    db_url, _ = prepare(tmp_path_factory.mktemp("browser") / "b.db", now, shifts=tuple(wanted))
    port = free_port()
    env = {
        **os.environ,
        "VIS_DATABASE_URL": db_url,
        "VIS_CONFIG": str(PROJECT_ROOT / "config" / "vis.toml"),
    }
    log = (tmp_path_factory.getbasetemp() / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vis.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base, db_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()

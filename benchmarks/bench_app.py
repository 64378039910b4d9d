"""Benchmark of the app on the demo data: login → briefing ready, and 50 concurrent sessions.

It starts `vis serve` on a free loopback port against the demo database (``vis demo --no-serve``
prepares ``var/demo.db``), makes sure a benchmark user and a stored briefing exist, and then
speaks Streamlit's own websocket protocol (``/_stcore/stream``, protobuf BackMsg/ForwardMsg) the
way the browser does: a session is "ready" when the script state turns notRunning after the
briefing's content arrived. With Chromium present it also measures one real browser login.

    python benchmarks/bench_app.py [--db sqlite:///var/demo.db] [--sessions 50]
        [--arrival staggered|simultaneous] [--cold]

Why figures of the shift-start rush differed between runs: each login costs one argon2id verify
(m=19 MiB, t=2: about 30-60 ms of one core), so 50 logins are 1.5-3 s of CPU on a 2-core machine;
when they arrive at the same instant the last one waits for nearly all the others, when they are
spread over 5 s they barely queue. The first requests after `vis serve` starts also pay for
imports and for the per-process caches (wijk names, map JSON) of the briefing. And a machine
shared with other work has fewer free cores. The benchmark therefore prints the case it measures:
cores and load, argon2's cost here, the arrival pattern and whether the server was warm.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets
from sqlalchemy import update
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.util import calc_hash

from vis.db.engine import make_engine
from vis.db.schema import users
from vis.security.auth import AuthError, add_user, hash_password
from vis.settings import PROJECT_ROOT, load_settings
from vis.store.queries import latest_briefing

USER = "bench-supervisor"
#: The server's own log (errors under load are worth reading).
SERVER_LOG = PROJECT_ROOT / "var" / "bench_app_server.log"
READY_TEXT = "Prioriteiten"


def prepare(db_url: str) -> str:
    """A fresh password for the benchmark user, and a stored briefing (built if none)."""
    settings = load_settings()
    engine = make_engine(db_url)
    password = "Bench-" + secrets.token_urlsafe(12) + "-9!"
    try:
        try:
            add_user(engine, USER, password, "supervisor")
        except AuthError:
            with engine.begin() as conn:
                conn.execute(
                    update(users)
                    .where(users.c.username == USER)
                    .values(
                        password_hash=hash_password(password), failed_logins=0, locked_until=None
                    )
                )
        with engine.connect() as conn:
            has_briefing = latest_briefing(conn, settings.municipality.code) is not None
    finally:
        engine.dispose()
    if not has_briefing:
        subprocess.run(
            [sys.executable, "-m", "vis.cli", "briefing", "--date", dt.date.today().isoformat()],
            env={**os.environ, "VIS_DATABASE_URL": db_url},
            check=True,
            capture_output=True,
        )
    return password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db_url: str, port: int) -> subprocess.Popen[bytes]:
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    with SERVER_LOG.open("ab") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "vis.cli", "serve", "--port", str(port)],
            env={**os.environ, "VIS_DATABASE_URL": db_url},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("vis serve did not start")


class Refused(RuntimeError):
    """A run ended without the wanted text but with an alert or an exception (its text)."""


#: The login page's answer when more logins from one address are in flight than the client
#: throttle allows (``client_max_failed_logins``): "try again in a second".
BUSY_TEXT = "veel inlogpogingen tegelijk"


class Session:
    """One browser-like session over Streamlit's websocket protocol."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.widgets: dict[tuple[str, str], str] = {}
        self.ws: Any = None
        #: logins refused as "busy" and tried again a second later, as a user would
        self.busy = 0

    async def __aenter__(self) -> Session:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def rerun(
        self, page: str, states: list[WidgetState], want: str | None, timeout: float = 120
    ) -> float:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = calc_hash(page) if page else ""
        msg.rerun_script.widget_states.widgets.extend(states)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        seen = want is None
        shown: list[str] = []  # alerts and exceptions, to say why a run ended without ``want``
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                etype = el.WhichOneof("type")
                if etype in ("text_input", "button"):
                    widget = getattr(el, etype)
                    self.widgets[(etype, widget.label)] = widget.id
                if not seen and etype in ("heading", "markdown", "text_input"):
                    body = getattr(el, etype)
                    seen = want in (getattr(body, "body", "") or getattr(body, "label", ""))
                if etype == "alert":
                    shown.append(el.alert.body)
                elif etype == "exception":
                    shown.append(f"{el.exception.type}: {el.exception.message}")
            elif kind == "session_status_changed":
                if not fwd.session_status_changed.script_is_running:
                    if seen:
                        return time.perf_counter() - start
                    if shown:
                        raise Refused(f"{page or 'home'}: no {want!r}; the page said {shown}")

    async def login(self, user: str, password: str) -> float:
        """Seconds from the first submit to the ready briefing, a "busy" answer's wait included."""
        name = WidgetState(id=self.widgets[("text_input", "Gebruikersnaam")], string_value=user)
        secret = WidgetState(id=self.widgets[("text_input", "Wachtwoord")], string_value=password)
        submit = WidgetState(id=self.widgets[("button", "Inloggen")], trigger_value=True)
        start = time.perf_counter()
        while True:
            try:
                # at the root (""), where the login form came from: widget ids belong to a page
                await self.rerun("", [name, secret, submit], READY_TEXT)
                return time.perf_counter() - start
            except Refused as refused:
                if BUSY_TEXT not in str(refused) or self.busy >= 5:
                    raise
                self.busy += 1
                await asyncio.sleep(1.0)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<42} n={len(values):>3}  median {statistics.median(values):6.3f} s  "
        f"p95 {pct(values, 0.95):6.3f} s  max {max(values):6.3f} s"
    )


async def one_login(ws_url: str, password: str) -> tuple[float, float]:
    async with Session(ws_url) as s:
        first = await s.rerun("", [], "Gebruikersnaam")
        return first, await s.login(USER, password)


async def _user(
    s: Session,
    password: str,
    start: float,
    seconds: float,
    rng: random.Random,
    out: dict[str, list[float]],
) -> None:
    """One user: open the app, log in, then use the briefing (a rerun) every 1-3 s."""
    await asyncio.sleep(start)
    out["login page"].append(await s.rerun("", [], "Gebruikersnaam"))
    out["login → briefing ready"].append(await s.login(USER, password))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(rng.uniform(1.0, 3.0))
        out["briefing interaction"].append(await s.rerun("briefing", [], READY_TEXT))


async def concurrent(
    ws_url: str, password: str, n: int, seconds: float = 30.0, spread: float = 5.0
) -> dict[str, list[float]]:
    """``n`` sessions open at once, arriving within ``spread`` s (0: all at the same instant),
    each working for ``seconds``."""
    rng = random.Random(7)
    out: dict[str, list[float]] = {
        "login page": [],
        "login → briefing ready": [],
        "briefing interaction": [],
    }
    sessions = [Session(ws_url) for _ in range(n)]
    for s in sessions:
        await s.__aenter__()
    try:
        await asyncio.gather(
            *(_user(s, password, rng.uniform(0, spread), seconds, rng, out) for s in sessions)
        )
        # And the worst case: every session reruns the briefing at the same instant.
        out["burst: all at the same instant"] = list(
            await asyncio.gather(*(s.rerun("briefing", [], READY_TEXT) for s in sessions))
        )
    finally:
        for s in sessions:
            await s.__aexit__()
    print(f"{n} concurrent: logins refused as busy and tried again 1 s later: "
          f"{sum(s.busy for s in sessions)}")  # fmt: skip
    return out


def browser_login(base: str, password: str) -> float | None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(base)
        page.get_by_label("Gebruikersnaam").fill(USER)
        page.get_by_label("Wachtwoord").fill(password)
        start = time.perf_counter()
        page.get_by_role("button", name="Inloggen").click()
        page.get_by_text(READY_TEXT).wait_for()
        page.wait_for_selector('[data-test-script-state="notRunning"]')
        took = time.perf_counter() - start
        browser.close()
    return took


def argon2_ms(repeat: int = 5) -> float:
    """The best of ``repeat`` argon2 verifies with the app's parameters, in ms."""
    from vis.security.auth import password_hasher

    hasher = password_hasher()
    stored = hasher.hash("bench-password-1234")
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        hasher.verify(stored, "bench-password-1234")
        best = min(best, time.perf_counter() - started)
    return best * 1000


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its descendants (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(used.get(p, 0.0) for p in tree)


def floor_line(cpu_per_login: float, sessions: int, argon2_s: float) -> str:
    """What a rush costs at least: every login's server CPU spread perfectly over all cores. And
    what it costs about: the server is one Python process, so what runs under the interpreter
    lock runs one login at a time. Here everything but argon2's C code is counted as such, which
    slightly overstates it (SQLite and Arrow release the lock too)."""
    cores = os.cpu_count() or 1
    spread = sessions * cpu_per_login / cores
    serial = sessions * max(cpu_per_login - argon2_s, 0.0)
    return (
        f"server CPU per login → briefing ready: {cpu_per_login * 1000:.0f} ms, of which argon2 "
        f"{argon2_s * 1000:.0f} ms; {sessions} logins at once need at least {spread:.2f} s on "
        f"{cores} cores, and about {serial:.2f} s for the rest under the interpreter lock "
        f"({sessions} × {(cpu_per_login - argon2_s) * 1000:.0f} ms, one at a time)"
    )


def case_line(args: argparse.Namespace, argon2: float) -> str:
    """The case a run measures, printed above its figures."""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    arrival = (
        "all at the same instant"
        if args.arrival == "simultaneous"
        else "spread over 5 s (staggered)"
    )
    return (
        f"case: {os.cpu_count()} cores, load average {load}; "
        f"argon2 verify {argon2:.0f} ms; "
        f"{args.sessions} logins {arrival}; server {'cold' if args.cold else 'warm'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{PROJECT_ROOT / 'var' / 'demo.db'}")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument(
        "--arrival",
        choices=["staggered", "simultaneous"],
        default="simultaneous",
        help="staggered: logins spread over 5 s; simultaneous: all at once (the worst case)",
    )
    parser.add_argument(
        "--cold", action="store_true", help="measure the rush first, on a server nobody used yet"
    )
    args = parser.parse_args()
    if args.db.startswith("sqlite:///") and not Path(args.db.removeprefix("sqlite:///")).exists():
        raise SystemExit("no demo database: run `vis demo --no-serve` first")
    argon2 = argon2_ms()
    password = prepare(args.db)
    port = free_port()
    proc = serve(args.db, port)
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/_stcore/stream"
    spread = 0.0 if args.arrival == "simultaneous" else 5.0
    try:
        print(case_line(args, argon2))
        if args.cold:
            results = asyncio.run(concurrent(ws_url, password, args.sessions, spread=spread))
        asyncio.run(one_login(ws_url, password))  # not counted: the first login pays the imports
        cpu_before = server_cpu_s(proc.pid)
        singles = [asyncio.run(one_login(ws_url, password)) for _ in range(5)]
        cpu_per_login = (server_cpu_s(proc.pid) - cpu_before) / len(singles)
        print(summary("single session: login page", [a for a, _ in singles]))
        print(summary("single session: login → briefing ready", [b for _, b in singles]))
        took = browser_login(base, password)
        if took is not None:
            print(f"{'Chromium: login click → notRunning':<42} {took:6.3f} s")
        if not args.cold:
            results = asyncio.run(concurrent(ws_url, password, args.sessions, spread=spread))
        for name, values in results.items():
            print(summary(f"{args.sessions} concurrent: {name}", values))
        print(floor_line(cpu_per_login, args.sessions, argon2 / 1000))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()

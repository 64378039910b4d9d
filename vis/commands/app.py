"""`vis user add NAME --role ROLE` and `vis serve [--port P]`: the app's commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from vis.settings import PROJECT_ROOT, Settings, config_path

NEW_PASSWORD_ENV = "VIS_NEW_PASSWORD"


class AppCommandError(RuntimeError):
    """The command cannot do its work; the message is the one line for the operator.

    Handled here rather than by ``vis.cli.main``: under ``python -m vis.cli`` that module's
    exception classes are not the ones ``vis.cli`` would give us on import.
    """


def _password() -> str:
    env = os.environ.get(NEW_PASSWORD_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise AppCommandError(f"geen terminal voor de wachtwoordvraag: zet {NEW_PASSWORD_ENV}")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Herhaal wachtwoord: ") != first:
        raise AppCommandError("de wachtwoorden verschillen")
    return first


def _ready_engine(settings: Settings) -> Any:
    from vis.db.engine import make_engine
    from vis.db.migrate import current_revision, head_revision

    engine = make_engine(
        settings.database_url(), busy_timeout_ms=settings.database.sqlite_busy_timeout_ms
    )
    if current_revision(engine) != head_revision():
        engine.dispose()
        raise AppCommandError("de database is niet (bij)gewerkt: voer eerst 'vis init' uit")
    return engine


def _one_line(func: Any) -> Any:
    """Errors of ``func`` as one line on standard error and exit status 1."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        try:
            return int(func(settings, args))
        except AppCommandError as exc:
            print(f"vis: {exc}", file=sys.stderr)
            return 1

    return run


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from vis.app_settings import load_app_settings
    from vis.auth import AuthError, add_user

    app = load_app_settings()
    password = None if args.oidc else _password()
    engine = _ready_engine(settings)
    try:
        user = add_user(engine, args.name, password, args.role, min_length=app.password_min_length)
    except AuthError as exc:
        raise AppCommandError(str(exc)) from exc
    finally:
        engine.dispose()
    how = "alleen via OIDC" if args.oidc else "met wachtwoord"
    print(f"gebruiker {user.username} toegevoegd met rol {user.role} ({how})")
    return 0


def serve_command(port: int, address: str) -> list[str]:
    """The `streamlit run` command line of the app (headless, no telemetry, no dev tools, no
    forced garbage collection after each run)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        f"--server.port={port}",
        f"--server.address={address}",
        "--server.headless=true",
        "--server.fileWatcherType=none",
        "--server.runOnSave=false",
        "--server.enableXsrfProtection=true",
        "--server.enableStaticServing=false",
        "--server.maxUploadSize=1",
        "--browser.gatherUsageStats=false",
        "--client.showErrorDetails=none",
        "--client.toolbarMode=minimal",
        "--client.disableDataExport=true",
        "--global.developmentMode=false",
        # No gc.collect(2) after every rerun: it held the GIL 70-100 ms per run (see config.toml).
        "--runner.postScriptGC=false",
    ]


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from vis.app_settings import load_app_settings

    load_app_settings()  # a broken app.toml fails here, with one line, not in the browser
    _ready_engine(settings).dispose()  # the database must exist and be migrated
    env = {
        **os.environ,
        "VIS_CONFIG": str(config_path(args.config).resolve()),
        "VIS_DATABASE_URL": settings.database_url(),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        # uvicorn trusts X-Forwarded-For only from these peers (its own default: loopback).
        "FORWARDED_ALLOW_IPS": ",".join(settings.security.trusted_proxies),
    }
    cmd = serve_command(args.port, args.address)
    print(f"VIS app op http://{args.address}:{args.port}", file=sys.stderr, flush=True)
    os.chdir(PROJECT_ROOT)  # .streamlit/config.toml
    os.execve(sys.executable, cmd, env)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from vis.auth import ROLES

    p = sub.add_parser("user", parents=[common], help="lokale gebruikers van de app")
    user_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTIE")
    add = user_sub.add_parser("add", parents=[common], help="een lokale gebruiker toevoegen")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--oidc", action="store_true", help="zonder wachtwoord: inloggen alleen via OIDC (e-mail)"
    )
    add.set_defaults(func=_one_line(cmd_user_add))

    p = sub.add_parser("serve", parents=[common], help="de app starten (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address", default="127.0.0.1", help="luisteradres (standaard alleen deze machine)"
    )
    p.set_defaults(func=_one_line(cmd_serve))

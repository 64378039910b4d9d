"""`vis user add NAME --role ROLE` and `vis serve [--port P]`: the app's commands."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING, Any

from vis.errors import VisError
from vis.security.roles import ROLES

if TYPE_CHECKING:
    from vis.settings import Settings

NEW_PASSWORD_ENV = "VIS_NEW_PASSWORD"


def _password() -> str:
    env = os.environ.get(NEW_PASSWORD_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise VisError(f"geen terminal voor de wachtwoordvraag: zet {NEW_PASSWORD_ENV}")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Herhaal wachtwoord: ") != first:
        raise VisError("de wachtwoorden verschillen")
    return first


def cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    from vis.app_settings import load_app_settings
    from vis.security.auth import AuthError, add_user
    from vis.services.engines import ready_engine

    app = load_app_settings()
    password = None if args.oidc else _password()
    engine = ready_engine(settings)
    try:
        user = add_user(engine, args.name, password, args.role, min_length=app.password_min_length)
    except AuthError as exc:
        raise VisError(str(exc)) from exc
    finally:
        engine.dispose()
    how = "alleen via OIDC" if args.oidc else "met wachtwoord"
    print(f"gebruiker {user.username} toegevoegd met rol {user.role} ({how})")
    return 0


def serve_command(port: int, address: str) -> list[str]:
    """The `streamlit run` command line of the app (headless, no telemetry, no dev tools, no
    forced garbage collection after each run)."""
    from vis.settings import PROJECT_ROOT

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
    from vis.services.engines import ready_engine
    from vis.settings import PROJECT_ROOT, config_path

    load_app_settings()  # a broken app.toml fails here, with one line, not in the browser
    ready_engine(settings).dispose()  # the database must exist and be migrated
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
    """Add `vis user` and `vis serve` to the `vis` subcommands."""
    p = sub.add_parser("user", parents=[common], help="lokale gebruikers van de app")
    user_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTIE")
    add = user_sub.add_parser("add", parents=[common], help="een lokale gebruiker toevoegen")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--oidc", action="store_true", help="zonder wachtwoord: inloggen alleen via OIDC (e-mail)"
    )
    add.set_defaults(func=cmd_user_add)

    p = sub.add_parser("serve", parents=[common], help="de app starten (Streamlit)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address", default="127.0.0.1", help="luisteradres (standaard alleen deze machine)"
    )
    p.set_defaults(func=cmd_serve)

"""The `vis` command line (see the contract in README.md, "Command line").

Every command takes ``--config``; exit status 0 on success, otherwise non-zero with one line on
standard error that says why. One module per command group registers its commands
(``register(sub, common)``); building the parser imports only those light modules, and each
command imports what it needs when it runs, so ``vis --help`` answers at once. Commands raise
:class:`vis.errors.VisError` for work they cannot do; :func:`main` prints it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from vis.cli.common import EXIT_FAILED, EXIT_USAGE
from vis.errors import VisError

#: The reader of the output went away (``vis status --json | head``): the shell's code for SIGPIPE.
EXIT_BROKEN_PIPE = 141

#: The command groups, in the order of ``vis --help`` (modules of this package).
COMMAND_GROUPS = ("data", "demo", "briefing", "calibrate", "evaluate", "app", "ops")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="configuratiebestand (standaard: VIS_CONFIG, anders config/vis.toml)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="meer meldingen")

    parser = argparse.ArgumentParser(
        prog="vis", description="VIS: veiligheidsinformatie voor handhaving", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        importlib.import_module(f"vis.cli.{group}").register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from sqlalchemy.exc import SQLAlchemyError

    from vis.db.engine import DatabaseUrlError
    from vis.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
        code = int(args.func(settings, args))
        sys.stdout.flush()  # here, so that a closed pipe is seen inside this try
        return code
    except BrokenPipeError:
        # Quietly, as other command-line tools do; stdout goes to /dev/null so that the
        # interpreter's last flush at exit does not fail on the closed pipe again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (SettingsError, DatabaseUrlError) as exc:
        print(f"vis: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except VisError as exc:
        print(f"vis: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.status
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        print(f"vis: databasefout: {' '.join(str(cause).split())[:300]}", file=sys.stderr)
        return EXIT_FAILED

"""What the command modules share: argument types, who runs the command, a progress bar.

Light on purpose: the parser imports it (see :mod:`vis.cli`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from vis.errors import VisError

if TYPE_CHECKING:
    from vis.settings import Settings

#: A command: the settings and the parsed arguments in, the exit status out.
Command = Callable[["Settings", argparse.Namespace], int]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def parse_date(text: str) -> dt.date:
    """An argument ``jjjj-mm-dd``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"geen datum jjjj-mm-dd: {text!r}") from exc


def login_name() -> str | None:
    """The operating-system user running the command, if the system knows one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def progress_bar(total_label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """(update(done, total), close) of a bar on standard error (silent when it is no terminal)."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="venster", desc=total_label, file=sys.stderr, disable=None)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def failing_on(
    kinds: Callable[[], tuple[type[Exception], ...]], *, status: int = EXIT_FAILED
) -> Callable[[Command], Command]:
    """Turn the errors that ``kinds()`` names (imported only when the command runs) into
    :class:`VisError` with ``status``: the libraries' own errors, shown as one line."""

    def wrap(func: Command) -> Command:
        @functools.wraps(func)
        def run(settings: Settings, args: argparse.Namespace) -> int:
            expected = kinds()
            try:
                return func(settings, args)
            except expected as exc:
                raise VisError(str(exc), status=status) from exc

        return run

    return wrap

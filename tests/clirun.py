"""`vis` run in-process, as an operator would run it: arguments, environment, working folder.

The real :func:`vis.cli.main` runs with the given environment variables and working folder, its
standard streams captured; a test needs a real process only where one is the point (a signal, a
kill, `vis serve`, a closed pipe).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from vis.cli import main


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_vis(
    *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None
) -> CliResult:
    """``vis ARGS`` with ``env`` set (None: unset) in ``cwd``; standard input is empty."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.StringIO()
    here = Path.cwd()
    stdin = sys.stdin
    try:
        with _environment(env or {}), contextlib.redirect_stdout(out):
            with contextlib.redirect_stderr(err):
                sys.stdin = io.StringIO("")
                if cwd is not None:
                    os.chdir(cwd)
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse: a usage error or --help
                    code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = stdin
        os.chdir(here)
    out.flush()
    raw = out.buffer.getvalue()  # type: ignore[attr-defined]
    return CliResult(code, raw.decode("utf-8", errors="replace"), err.getvalue(), raw)

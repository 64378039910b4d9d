"""Commands of `vis` that live outside ``vis/cli.py``; :func:`register` adds them to the parser."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add every command of this package to the `vis` subcommands."""
    from vis.commands import briefing

    briefing.register(sub, common)

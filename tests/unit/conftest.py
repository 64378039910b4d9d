"""Fixtures of the unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from vis.db.engine import make_engine


@pytest.fixture
def unconnected_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine that is never connected: building a scheduler touches no database."""
    eng = make_engine(f"sqlite:///{tmp_path / 'unused.db'}")
    try:
        yield eng
    finally:
        eng.dispose()

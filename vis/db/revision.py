"""Is the database at the code's schema version? Answered without importing Alembic.

Every command checks this before it works (:func:`vis.services.engines.ready_engine`), and Alembic's
import costs more than the rest of `vis status`. So the stored revision is read with one query, and
the code's head from the revision files' ``revision``/``down_revision`` literals.
:mod:`vis.db.migrate` (Alembic itself) creates and migrates; a test
(tests/integration/test_db_revision.py) checks that both give the same answers.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"


def stored_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before `vis init` (no version table or row)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _literals(path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = value = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value) if value is not None else None
    return found


@cache
def code_head() -> str:
    """The one revision of the migration files that no other revision follows."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found = _literals(path)
        if isinstance(found.get("revision"), str):
            revisions.add(str(found["revision"]))
        down = found.get("down_revision")
        if isinstance(down, str):
            followed.add(down)
        elif isinstance(down, tuple | list):
            followed.update(str(d) for d in down)
    heads = revisions - followed
    if len(heads) != 1:
        raise RuntimeError(f"migrations in {VERSIONS} have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()

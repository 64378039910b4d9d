"""The demo's logins: one user per role, with passwords that are printed (loopback demo only)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from vis.db.schema import users
from vis.security.auth import add_user

#: (username, role, password). Only for the demo database on this machine; never use elsewhere.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("leiding", "supervisor", "Ochtend-Briefing-07"),
    ("boa", "handhaver", "Straat-Tablet-44"),
    ("evaluatie", "evaluator", "Raad-Rapport-2017"),
    ("beheer", "admin", "Sleutel-Kast-2017"),
)


def ensure_demo_users(engine: Engine) -> tuple[tuple[str, str, str], ...]:
    """Create the demo users that don't exist yet; returns all of them for printing."""
    with engine.connect() as conn:
        present = set(conn.execute(select(users.c.username)).scalars())
    for name, role, password in DEMO_USERS:
        if name not in present:
            add_user(engine, name, password, role)
    return DEMO_USERS

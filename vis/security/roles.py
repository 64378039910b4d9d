"""The roles of the app's users (a light module: the `vis` parser offers them as choices)."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("supervisor", "handhaver", "evaluator", "admin")

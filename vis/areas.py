"""The configured areas in the database: codes, names, population and gebied (for area scans)."""

from __future__ import annotations

import tomllib

from sqlalchemy import Engine, delete, insert

from vis.db.schema import areas
from vis.settings import Settings, SettingsError


def gebieden(settings: Settings) -> dict[str, str]:
    """area code → gebied name from ``config/gebieden.toml`` (empty when the file is absent)."""
    path = settings.resolve("gebieden.toml")
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    out: dict[str, str] = {}
    for gebied in data.get("gebied", []):
        for code in gebied.get("wijken", []):
            out[str(code)] = str(gebied["name"])
    return out


def sync_areas(engine: Engine, settings: Settings) -> int:
    """Replace the ``areas`` table with the areas file's contents; returns how many."""
    from ingest.runner import load_areas

    index = load_areas(settings)
    grouping = gebieden(settings)
    rows = [
        {
            "code": a.code,
            "name": a.name,
            "level": settings.geo.area_level,
            "municipality_code": a.municipality_code,
            "inhabitants": a.inhabitants,
            "gebied": grouping.get(a.code),
        }
        for a in index.areas
    ]
    with engine.begin() as conn:
        conn.execute(delete(areas))
        conn.execute(insert(areas), rows)
    return len(rows)

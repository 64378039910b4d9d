"""The configured areas: the area files (wijken, buurten) and, in the database, their codes,
names, population and gebied (for area scans). Part of the core that ``ingest/`` uses."""

from __future__ import annotations

import tomllib

from sqlalchemy import Engine, delete, insert

from vis.db.schema import areas
from vis.geo import AreaIndex
from vis.settings import GEBIEDEN_FILE, Settings, SettingsError


def _area_file(settings: Settings, path: str, code: str, name: str) -> AreaIndex:
    geo = settings.geo
    return AreaIndex.from_geojson(
        settings.resolve(path),
        code_property=code,
        name_property=name,
        municipality_property=geo.area_municipality_property,
        population_property=geo.area_population_property,
    )


def load_areas(settings: Settings) -> AreaIndex:
    """The configured areas (``geo.areas_file``: the wijken)."""
    geo = settings.geo
    return _area_file(settings, geo.areas_file, geo.area_code_property, geo.area_name_property)


def load_buurten(settings: Settings) -> AreaIndex | None:
    """The buurt polygons of ``geo.buurten_file``, or None where none are configured."""
    geo = settings.geo
    if not geo.buurten_file:
        return None
    return _area_file(settings, geo.buurten_file, geo.buurt_code_property, geo.buurt_name_property)


def gebieden(settings: Settings) -> dict[str, str]:
    """area code → gebied name from ``config/gebieden.toml`` (empty when the file is absent)."""
    path = settings.resolve(GEBIEDEN_FILE)
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

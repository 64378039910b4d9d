"""The configured areas: the area files (wijken, buurten) and, in the database, their codes,
names, population and gebied (for area scans). Part of the core that ``ingest/`` uses."""

from __future__ import annotations

import tomllib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
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


class GebiedSettings(BaseModel):
    """One ``[[gebied]]`` of gebieden.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(
        "", description="Short identifier of the gebied (lower case, hyphens); may be left out."
    )
    name: str = Field(
        ..., min_length=1, description="Name of the gebied, as pilots.toml and the pages use it."
    )
    wijken: list[str] = Field(
        default_factory=list, description="Codes of the CBS wijken in the gebied (WK......)."
    )


class GebiedenSettings(BaseModel):
    """gebieden.toml: the wijken grouped into gebieden (of the sociale wijkteams), for the area
    scans and for pilots that name a gebied. A missing file means: no gebieden."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    municipality: str = Field(
        "", description="CBS code of the municipality the grouping is for (GM....); documentary."
    )
    grouping: Literal["official", "plausible"] = Field(
        "official",
        description="official: the municipality's own grouping; plausible: a reconstruction "
        "(the file's comments say what it rests on).",
    )
    gebied: list[GebiedSettings] = Field(
        default_factory=list, description="The gebieden, one table each; a wijk in at most one."
    )

    @model_validator(mode="after")
    def _each_wijk_once(self) -> GebiedenSettings:
        names = [g.name for g in self.gebied]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"gebied named more than once: {', '.join(twice)}")
        wijken = [w for g in self.gebied for w in g.wijken]
        twice = sorted({w for w in wijken if wijken.count(w) > 1})
        if twice:
            raise ValueError(f"wijk in more than one gebied: {', '.join(twice)}")
        return self


def load_gebieden(settings: Settings) -> GebiedenSettings:
    """gebieden.toml beside the configuration, validated; the defaults (no gebieden) when absent."""
    path = settings.resolve(GEBIEDEN_FILE)
    if not path.exists():
        return GebiedenSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return GebiedenSettings.model_validate(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"{path}: invalid configuration: {problems}") from exc


def gebieden(settings: Settings) -> dict[str, str]:
    """area code → gebied name from ``config/gebieden.toml`` (empty when the file is absent)."""
    return {code: g.name for g in load_gebieden(settings).gebied for code in g.wijken}


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

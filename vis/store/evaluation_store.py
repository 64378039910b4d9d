"""Read what the evaluation needs from the database into the DataFrames of
:class:`briefing.evaluation.report.EvaluationData` (SQLAlchemy Core, bound parameters only).

Dates are local (the municipality's time zone): an incident belongs to the day its window
began. Incidents that retention has reduced (``incident_stats``, :mod:`vis.ops.retention`) come back
as one row per counted incident on the first day of their month, at the centre of their grid cell,
without street, and with ``reduced`` True (detail rows have False): figures over whole months are
the same before and after a purge, and a statistic over part of such a month can tell.
The population of a wijk is CBS's figure for the year nearest the reference year when
``cbs_population`` holds it, else ``areas.inhabitants`` (the areas file, CBS 2019).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import shapely
from shapely import geometry as sgeom
from sqlalchemy import Connection, String, func, or_, select, type_coerce

from briefing.evaluation.params import CategoryGroups
from briefing.evaluation.report import EvaluationData
from briefing.inhotspot import cells_shape
from vis.db.schema import (
    areas,
    briefings,
    cbs_population,
    incident_stats,
    incidents,
    patrol_visits,
)
from vis.geo import Grid, from_wgs84
from vis.settings import GeoSettings, Settings

INCIDENT_COLUMNS = ["category", "area_code", "begin_at", "attempt", "arrests", "x", "y", "street"]


def category_groups(settings: Settings) -> CategoryGroups:
    cats = settings.categories
    return CategoryGroups(
        misdrijf=frozenset(c.key for c in cats if c.group == "misdrijf"),
        overlast=frozenset(c.key for c in cats if c.group == "overlast"),
        labels={c.key: c.label for c in cats},
    )


def grid_of(settings: Settings) -> Grid:
    return Grid(settings.geo.cell_size_m, settings.geo.grid_origin_x, settings.geo.grid_origin_y)


def _utc_bounds(start: dt.date, end: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    lo = dt.datetime.combine(start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return lo, hi


def _cell_centre(cell_id: str | None, grid: Grid) -> tuple[float, float]:
    if not cell_id:
        return float("nan"), float("nan")
    x0, y0, x1, y1 = grid.id_bounds(cell_id)
    return (x0 + x1) / 2, (y0 + y1) / 2


def load_reduced_incidents(
    conn: Connection, municipality: str, start: dt.date, end: dt.date, tz: ZoneInfo, grid: Grid
) -> list[tuple[Any, ...]]:
    """Rows in :data:`INCIDENT_COLUMNS` order for the reduced incidents of the months whose first
    day lies from ``start`` to ``end``: ``count`` rows per stats row, ``attempts`` of them with
    attempt True, ``attempts_known - attempts`` False, the rest unknown; arrests on the first."""
    s = incident_stats.c
    rows = conn.execute(
        select(
            s.category,
            s.area_code,
            s.cell_id,
            s.month,
            s.count.label("n"),
            s.attempts,
            s.attempts_known,
            s.arrests,
        )
        .where(s.month >= start, s.month <= end)
        .where(or_(s.municipality_code == municipality, s.municipality_code.is_(None)))
        .order_by(s.id)
    ).all()
    out: list[tuple[Any, ...]] = []
    for r in rows:
        begin = dt.datetime.combine(r.month, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        x, y = _cell_centre(r.cell_id, grid)
        for i in range(int(r.n)):
            attempt = True if i < r.attempts else False if i < r.attempts_known else None
            arrests = int(r.arrests) if i == 0 else 0
            out.append((r.category, r.area_code, begin, attempt, arrests, x, y, None))
    return out


def load_incidents(
    conn: Connection,
    municipality: str,
    start: dt.date,
    end: dt.date,
    tz: ZoneInfo,
    grid: Grid | None = None,
) -> pd.DataFrame:
    """Incidents that began from ``start`` to ``end`` (local days, inclusive), with ``date``,
    and the reduced incidents of the months that begin in that range (placed with ``grid``; the
    default grid origin when not given: pass the configured one, :func:`grid_of`)."""
    lo, hi = _utc_bounds(start, end, tz)
    # begin_at as stored (UTC: text on SQLite, aware on PostgreSQL), parsed below for all rows
    # at once: the column type's conversion row by row took most of the reading time.
    cols = [
        type_coerce(incidents.c[name], String).label(name)
        if name == "begin_at"
        else incidents.c[name]
        for name in INCIDENT_COLUMNS
    ]
    query = (
        select(*cols)
        .where(incidents.c.begin_at >= lo, incidents.c.begin_at < hi)
        .where(
            or_(
                incidents.c.municipality_code == municipality,
                incidents.c.municipality_code.is_(None),
            )
        )
    )
    rows = [tuple(r) for r in conn.execute(query).all()]
    detail = len(rows)
    if grid is None:
        geo = GeoSettings()
        grid = Grid(geo.cell_size_m, geo.grid_origin_x, geo.grid_origin_y)
    rows += load_reduced_incidents(conn, municipality, start, end, tz, grid)
    frame = pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
    frame["reduced"] = [i >= detail for i in range(len(frame))]
    begin = pd.to_datetime(frame["begin_at"], utc=True, format="ISO8601")
    frame["begin_at"] = begin
    frame["date"] = begin.dt.tz_convert(tz).dt.date if len(frame) else pd.Series([], dtype=object)
    frame["x"] = pd.to_numeric(frame["x"], errors="coerce").astype(float)
    frame["y"] = pd.to_numeric(frame["y"], errors="coerce").astype(float)
    return frame


def load_areas(conn: Connection, municipality: str, reference_year: int) -> pd.DataFrame:
    """The municipality's areas with the population nearest ``reference_year``."""
    rows = conn.execute(
        select(areas.c.code, areas.c.name, areas.c.gebied, areas.c.inhabitants)
        .where(areas.c.municipality_code == municipality)
        .order_by(areas.c.code)
    ).all()
    frame = pd.DataFrame(
        [tuple(r) for r in rows], columns=["code", "name", "gebied", "inhabitants"]
    )
    cbs = conn.execute(
        select(cbs_population.c.area_code, cbs_population.c.year, cbs_population.c.inhabitants)
        .where(cbs_population.c.area_code.in_(list(frame["code"])))
        .where(cbs_population.c.inhabitants.is_not(None))
    ).all()
    best: dict[str, tuple[int, int]] = {}
    for code, year, inhabitants in cbs:
        distance = abs(int(year) - reference_year)
        if code not in best or distance < best[code][0]:
            best[code] = (distance, int(inhabitants))
    if best:
        frame["inhabitants"] = [
            best[c][1] if c in best else v
            for c, v in zip(frame["code"], frame["inhabitants"], strict=True)
        ]
    return frame


@lru_cache(maxsize=8192)
def _cells_shape(cells: tuple[str, ...], grid: Grid) -> shapely.Geometry | None:
    """:func:`briefing.inhotspot.cells_shape`, kept: the same hotspot recurs in many briefings
    and in every evaluation (shapely geometries are immutable)."""
    return cells_shape(cells, grid.id_bounds)


def _hotspot_geometry(spot: dict[str, Any], grid: Grid, crs: str) -> shapely.Geometry | None:
    """The hotspot in metric coordinates: its grid cells when listed (exact), else its WGS84
    polygon projected back."""
    cells = spot.get("cells") or spot.get("cell_ids")
    if isinstance(cells, list) and cells:
        return _cells_shape(tuple(str(c) for c in cells), grid)
    geometry = spot.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
        shape = sgeom.shape(geometry)
        return shapely.transform(shape, lambda c: _to_metric(c, crs))
    return None


def _to_metric(coords: Any, crs: str) -> Any:
    x, y = from_wgs84(coords[:, 0], coords[:, 1], crs)
    coords[:, 0], coords[:, 1] = x, y
    return coords


def load_hotspots(
    conn: Connection, municipality: str, start: dt.date, end: dt.date, grid: Grid, crs: str
) -> pd.DataFrame:
    """The hotspots of the latest version of each stored briefing from ``start`` to ``end`` (only
    the ``hotspots`` part of each briefing's JSON is read)."""
    latest = (
        select(briefings.c.date, briefings.c.shift, func.max(briefings.c.version).label("v"))
        .where(briefings.c.municipality_code == municipality)
        .where(briefings.c.date >= start, briefings.c.date <= end)
        .group_by(briefings.c.date, briefings.c.shift)
        .subquery()
    )
    b = briefings.c
    rows = conn.execute(
        select(
            b.id,
            b.date,
            b.shift,
            b.window_start,
            b.window_end,
            b.content["hotspots"].label("spots"),
        )
        .join(
            latest,
            (briefings.c.date == latest.c.date)
            & (briefings.c.shift == latest.c.shift)
            & (briefings.c.version == latest.c.v),
        )
        .where(briefings.c.municipality_code == municipality)
    ).all()
    out = []
    for row in rows:
        for spot in row.spots or []:
            geometry = _hotspot_geometry(spot, grid, crs)
            if geometry is None:
                continue
            out.append(
                {
                    "briefing_id": row.id,
                    "date": row.date,
                    "shift": row.shift,
                    "window_start": row.window_start,
                    "window_end": row.window_end,
                    "hotspot_id": str(spot.get("id", "")),
                    "rank": spot.get("rank"),
                    "geometry": geometry,
                }
            )
    columns = ["briefing_id", "date", "shift", "window_start", "window_end", "hotspot_id"]
    return pd.DataFrame(out, columns=[*columns, "rank", "geometry"])


def load_visits(conn: Connection, briefing_ids: list[int]) -> pd.DataFrame:
    columns = ["briefing_id", "hotspot_id", "visited_at", "duration_min"]
    if not briefing_ids:
        return pd.DataFrame(columns=columns)
    rows = conn.execute(
        select(*(patrol_visits.c[c] for c in columns)).where(
            patrol_visits.c.briefing_id.in_(briefing_ids)
        )
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def data_until(conn: Connection, tz: ZoneInfo) -> dt.date | None:
    latest = conn.execute(select(func.max(incidents.c.known_at))).scalar()
    if latest is None:
        return None
    if isinstance(latest, str):
        latest = dt.datetime.fromisoformat(latest)
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=dt.UTC)
    return latest.astimezone(tz).date()


def municipality_area_m2(settings: Settings) -> float | None:
    from vis.areas import load_areas as load_area_file

    found = load_area_file(settings).of_municipality(settings.municipality.code)
    return float(sum(a.geometry.area for a in found)) or None


def load_evaluation_data(
    conn: Connection, settings: Settings, start: dt.date, end: dt.date
) -> EvaluationData:
    """Everything from ``start`` to ``end`` (local days) for one municipality."""
    tz = ZoneInfo(settings.schedule.timezone)
    code = settings.municipality.code
    grid = grid_of(settings)
    spots = load_hotspots(conn, code, start, end, grid, settings.geo.crs)
    return EvaluationData(
        incidents=load_incidents(conn, code, start, end, tz, grid),
        areas=load_areas(conn, code, end.year),
        hotspots=spots,
        visits=load_visits(conn, sorted({int(i) for i in spots["briefing_id"]})),
        municipality_area_m2=municipality_area_m2(settings),
        data_until=data_until(conn, tz),
    )

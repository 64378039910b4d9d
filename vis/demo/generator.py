"""The demo police feed: a deterministic, seeded, calibrated BVH extract of Amersfoort.

:func:`generate_incidents` draws every incident of the period and writes it as a real extract
writes it (33 contract columns, all text). The steps, each vectorised with numpy:

1. per profile (:mod:`vis.demo.profiles`) and calendar year, the calibrated count
   (:mod:`vis.demo.calibration`); near-repeat offspring are part of that count, not extra;
2. hidden moments from the day and hour profiles, places from population and attractors
   (:mod:`vis.demo.spatial`); offspring close to a parent in space and time;
3. windows, Kennisname, flags; companions that share a registration with another incident;
4. clamping to the period and skipping the spring DST gap; addresses; ids in Kennisname order.

Random numbers come from ``np.random.default_rng`` seeded with the parameters' seed and a fixed
key per step, so a step's draws do not depend on how many numbers another step used.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ingest import columns as c
from vis.demo.bvh import coordinate_texts, moment_columns
from vis.demo.calibration import Bucket, buckets, yearly_targets
from vis.demo.params import DemoParams
from vis.demo.places import (
    FALLBACK,
    POSTCODE_LETTERS,
    STATION_RADIUS_M,
    STATION_RD,
    STATION_STREETS,
    STREETS,
    short_name,
)
from vis.demo.profile import Profile
from vis.demo.profiles import PROFILES
from vis.demo.spatial import City
from vis.demo.timing import (
    DAY,
    NONE,
    known_after,
    sample_moments,
    skip_spring_gap,
    spring_gap_days,
    windows,
)
from vis.geo import Area

BVH_COLUMNS = c.BVH_COLUMNS
_NUMERIC = ("t", "begin", "end", "known", "x", "y", "area")
_MONTH_MEAN_TEMP = (3, 4, 6, 9, 13, 16, 18, 18, 15, 11, 7, 4)
_WEATHER = ("Droog", "Bewolkt", "Regen", "Motregen", "Mist")
_STREET_SIDE = {"Openbare Weg/-Water", "Parkeerterrein", "Fietsenstalling", "Openbaar vervoer"}


def rng_for(params: DemoParams, *key: str) -> np.random.Generator:
    """A generator for one step: the seed plus a stable hash of the step's name."""
    words = [params.seed & 0xFFFFFFFF, (params.seed >> 32) & 0xFFFFFFFF]
    words += [zlib.crc32(k.encode("utf-8")) for k in key]
    return np.random.default_rng(words)


def generate_incidents(params: DemoParams, areas: Sequence[Area]) -> pd.DataFrame:
    """Every demo incident of the period, as a BVH extract: exactly the 33 contract columns.

    ``areas`` are the municipality's wijken (``AreaIndex.of_municipality("GM0307")``). Rows are in
    Kennisname order; every value is a string as a real extract writes it.
    """
    city = City.from_areas(areas)
    targets = yearly_targets(params, PROFILES)
    parts = [
        profile_events(params, city, i, buckets(p, targets[p.key], params.start, params.end))
        for i, p in enumerate(PROFILES)
    ]
    core = pd.concat(parts, ignore_index=True)
    _companions(params, core)
    return to_extract(params, city, core, first_id=3_600_000)


def profile_events(
    params: DemoParams, city: City, index: int, year_buckets: list[Bucket], stream: str = "events"
) -> pd.DataFrame:
    """The numeric core of one profile's incidents (moments in local minutes, RD metres, flags)."""
    profile = PROFILES[index]
    rng = rng_for(params, stream, profile.key)
    frames = []
    for bucket in year_buckets:
        t, x, y, area = _moments_and_places(params, rng, city, profile, bucket)
        n = len(t)
        begin, end = windows(rng, profile, t)
        known = known_after(rng, profile, np.where(end == NONE, begin, end))
        code_w = np.array([k.weight for k in profile.codes])
        if profile.key == "woninginbraak":
            attempt = np.zeros(n, bool)
            attempt[rng.permutation(n)[: round(params.woninginbraak_attempt_share * n)]] = True
        else:
            attempt = rng.random(n) < profile.attempt
        has_suspect = rng.random(n) < profile.suspects
        suspects = np.where(has_suspect, 1 + (rng.random(n) < 0.2), 0)
        arrested = has_suspect & (rng.random(n) < profile.arrests / max(profile.suspects, 1e-9))
        solved = (arrested & (rng.random(n) < 0.85)) | (has_suspect & (rng.random(n) < 0.1))
        obj_w = np.array([w for _, w in profile.objects])
        frames.append(
            pd.DataFrame(
                {
                    "profile": index,
                    "code": rng.choice(len(code_w), size=n, p=code_w / code_w.sum()),
                    "year": bucket.year,
                    "t": t,
                    "begin": begin,
                    "end": end,
                    "known": known,
                    "x": x,
                    "y": y,
                    "area": area,
                    "attempt": attempt,
                    "report": rng.random(n) < profile.report,
                    "suspects": suspects,
                    "arrests": np.where(arrested, 1, 0),
                    "solved": solved,
                    "object": np.array([o for o, _ in profile.objects], dtype=object)[
                        rng.choice(len(obj_w), size=n, p=obj_w / obj_w.sum())
                    ],
                    "project": np.where(
                        rng.random(n) < profile.project[1], profile.project[0], ""
                    ).astype(object),
                    "located": rng.random(n) >= profile.no_location,
                    "parent": -1,
                    "tie": rng.random(n),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _moments_and_places(
    params: DemoParams, rng: np.random.Generator, city: City, profile: Profile, bucket: Bucket
) -> tuple[npt.NDArray[np.int64], np.ndarray, np.ndarray, npt.NDArray[np.int64]]:
    """Hidden moments and places of one bucket: background events plus near-repeat offspring."""
    rep = profile.repeat
    share = 0.0
    if rep is not None:
        share = params.near_repeat_share if profile.key == "woninginbraak" else rep.share
    n_off = round(share * bucket.count) if bucket.count > 1 else 0
    n_bg = bucket.count - n_off
    t = sample_moments(rng, profile, bucket, n_bg)
    x, y, area = city.sample(rng, profile, n_bg)
    if rep is None or n_off == 0 or n_bg == 0:
        return t, x, y, area
    parent = rng.integers(0, n_bg, size=n_off)
    delay = np.minimum(rng.exponential(rep.days * DAY, n_off), rep.max_days * DAY).astype(np.int64)
    lo = int(bucket.days[0].astype(np.int64)) * DAY
    hi = (int(bucket.days[-1].astype(np.int64)) + 1) * DAY - 1
    t_off = t[parent] + delay
    t_off = np.clip(np.where(t_off > hi, t[parent] - delay, t_off), lo, hi)
    xo, yo, ao = city.offspring(
        rng, x[parent], y[parent], rep.distance_m, rep.max_distance_m, rep.same_address
    )
    return (
        np.concatenate([t, t_off]),
        np.concatenate([x, xo]),
        np.concatenate([y, yo]),
        np.concatenate([area, ao]),
    )


def _companions(params: DemoParams, core: pd.DataFrame) -> None:
    """Some incidents share a registration, moment and place with another (a threat with an
    assault): copy those from a parent of the same calendar year, in place."""
    rng = rng_for(params, "companions")
    keys = [p.key for p in PROFILES]
    for i, profile in enumerate(PROFILES):
        parent_key, share = profile.companion_of
        if not parent_key or share <= 0:
            continue
        j = keys.index(parent_key)
        for year in np.unique(core["year"]):
            own = np.flatnonzero((core["profile"] == i) & (core["year"] == year))
            parents = np.flatnonzero((core["profile"] == j) & (core["year"] == year))
            if len(own) == 0 or len(parents) == 0:
                continue
            rows = rng.permutation(own)[: round(share * len(own))]
            pick = parents[rng.integers(0, len(parents), size=len(rows))]
            for col in (*_NUMERIC, "located"):
                core.loc[rows, col] = core.loc[pick, col].to_numpy()
            core.loc[rows, "known"] += rng.integers(1, 10, size=len(rows))
            core.loc[rows, "parent"] = pick


def _clamp_moments(params: DemoParams, core: pd.DataFrame) -> None:
    """Keep every moment inside the period, in order, and outside the spring DST gap."""
    lo = int(np.datetime64(params.start, "D").astype(np.int64)) * DAY
    hi = (int(np.datetime64(params.end, "D").astype(np.int64)) + 1) * DAY - 1
    gap = spring_gap_days(params.start.year, params.end.year)
    begin = skip_spring_gap(np.clip(core["begin"].to_numpy(np.int64), lo, hi), gap)
    end = core["end"].to_numpy(np.int64)
    end = skip_spring_gap(np.where(end == NONE, NONE, np.minimum(end, hi)), gap)
    end = np.where((end != NONE) & (end <= begin), NONE, end)
    known = skip_spring_gap(np.minimum(core["known"].to_numpy(np.int64), hi), gap)
    known = np.maximum(known, np.maximum(begin, end))
    core["begin"], core["end"], core["known"] = begin, end, known


def _addresses(
    rng: np.random.Generator, city: City, core: pd.DataFrame
) -> dict[str, npt.NDArray[np.object_]]:
    """Street, house number, postcode, place and police area names per row (core order)."""
    n = len(core)
    area = core["area"].to_numpy(np.int64)
    info = [STREETS.get(a.code, FALLBACK) for a in city.areas]
    u = rng.random(n)
    street = np.empty(n, dtype=object)
    for i, wijk in enumerate(info):
        rows = np.flatnonzero(area == i)
        street[rows] = np.array(wijk.streets, dtype=object)[
            (u[rows] * len(wijk.streets)).astype(int)
        ]
    dx = core["x"].to_numpy(float) - STATION_RD[0]
    dy = core["y"].to_numpy(float) - STATION_RD[1]
    station = (np.hypot(dx, dy) < STATION_RADIUS_M) & (rng.random(n) < 0.7)
    street[station] = np.array(STATION_STREETS, dtype=object)[
        rng.integers(0, 2, int(station.sum()))
    ]
    letters = np.array(list(POSTCODE_LETTERS), dtype=object)
    pc4 = np.array([w.pc4 for w in info], dtype=object)[area]
    postcode = (
        pc4 + letters[rng.integers(0, len(letters), n)] + letters[rng.integers(0, len(letters), n)]
    )
    number = rng.integers(1, 181, n).astype(str).astype(object)
    suffix = np.array(["", " A", " B", " C", "-1", "-2", " bis"], dtype=object)[
        rng.choice(7, size=n, p=[0.86, 0.05, 0.03, 0.01, 0.025, 0.02, 0.005])
    ]
    house = number + suffix
    street_side = core["object"].isin(_STREET_SIDE).to_numpy() & (rng.random(n) < 0.65)
    house[street_side] = ""
    names = [a.name for a in city.areas]
    return {
        "street": street,
        "house": house,
        "postcode": postcode,
        "place": np.array([w.place for w in info], dtype=object)[area],
        "wijk": np.array(names, dtype=object)[area],
        "buurt": np.array([short_name(nm) for nm in names], dtype=object)[area],
    }


def to_extract(
    params: DemoParams, city: City, core: pd.DataFrame, first_id: int, first_registration: int = 0
) -> pd.DataFrame:
    """Write the numeric core as BVH extract rows (strings), sorted by Kennisname, with ids."""
    rng = rng_for(params, "extract", str(first_id))
    core = core.copy()
    _clamp_moments(params, core)
    n = len(core)
    addr = _addresses(rng, city, core)
    parent = core["parent"].to_numpy(np.int64)
    has_parent = np.flatnonzero(parent >= 0)
    for values in addr.values():
        values[has_parent] = values[parent[has_parent]]

    order = np.lexsort((core["tie"], core["begin"], core["known"]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    unit = params.police_unit
    ident = first_id + np.cumsum(rng.integers(1, 40, n))  # other incidents lie in between
    known_year = (core["known"].to_numpy(np.int64) // DAY).astype("datetime64[D]").astype(
        "datetime64[Y]"
    ).astype(np.int64) + 1970
    # Registration numbers count up within each year of registration.
    step = rng.integers(1, 6, n)
    running = np.cumsum(step)
    year_sorted = known_year[order]
    new_year = np.r_[True, year_sorted[1:] != year_sorted[:-1]]
    sequence = (
        first_registration + running - np.maximum.accumulate(np.where(new_year, running - step, 0))
    )
    bron_sorted = np.array(
        [
            f"{unit}_BVH_{y}{s % 1_000_000:06d}"
            for y, s in zip(year_sorted.tolist(), sequence.tolist(), strict=True)
        ],
        dtype=object,
    )
    bron = bron_sorted[rank]
    bron[has_parent] = bron[parent[has_parent]]

    codes = [
        (PROFILES[p].codes[k].code, PROFILES[p].codes[k].label)
        for p, k in zip(core["profile"].tolist(), core["code"].tolist(), strict=True)
    ]
    located = core["located"].to_numpy(bool)
    decimals = rng.choice(3, size=n, p=[0.85, 0.07, 0.08])
    x = np.where(located, core["x"].to_numpy(float), np.nan)
    y = np.where(located, core["y"].to_numpy(float), np.nan)
    temp, weather = _weather(rng, core)
    cols: dict[str, object] = {
        c.ID: np.array([f"{unit}_BVH_{i}" for i in ident.tolist()], dtype=object)[rank],
        c.SOURCE_REGISTRATION: bron,
        c.MK_CODE: [k for k, _ in codes],
        c.MK_LABEL: [lbl for _, lbl in codes],
        c.STREET: addr["street"],
        c.HOUSE_NUMBER: addr["house"],
        c.POSTCODE: addr["postcode"],
        c.PLACE: addr["place"],
        c.MUNICIPALITY: "Amersfoort",
        c.PROVINCE: "Utrecht",
        c.POLICE_AREA: addr["wijk"],
        c.POLICE_NEIGHBOURHOOD: addr["buurt"],
        c.POLICE_SUBNEIGHBOURHOOD: addr["buurt"],
    }
    for (wd, part, text), m in zip(
        (
            (c.BEGIN_WEEKDAY, c.BEGIN_DAYPART, c.BEGIN),
            (c.END_WEEKDAY, c.END_DAYPART, c.END),
            (c.KNOWN_WEEKDAY, c.KNOWN_DAYPART, c.KNOWN),
        ),
        (core["begin"], core["end"], core["known"]),
        strict=True,
    ):
        cols[wd], cols[part], cols[text] = moment_columns(m.to_numpy(np.int64))
    flag = np.array(["N", "J"], dtype=object)
    cols.update(
        {
            c.REPORT: flag[core["report"].to_numpy(int)],
            c.ATTEMPT: flag[core["attempt"].to_numpy(int)],
            c.SUSPECTS: core["suspects"].astype(str).to_numpy(object),
            c.ARRESTS: core["arrests"].astype(str).to_numpy(object),
            c.SOLVED: flag[core["solved"].to_numpy(int)],
            c.OBJECT: core["object"].to_numpy(object),
            c.PROJECTS: core["project"].to_numpy(object),
            c.TEMPERATURE: temp,
            c.WEATHER: weather,
            c.X: coordinate_texts(x, decimals),
            c.Y: coordinate_texts(y, decimals),
        }
    )
    frame = pd.DataFrame(cols, index=pd.RangeIndex(n), columns=list(BVH_COLUMNS))
    return frame.iloc[order].reset_index(drop=True).astype(object)


def _weather(
    rng: np.random.Generator, core: pd.DataFrame
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Temperature and weather: mostly empty, as in real extracts; plausible when filled."""
    n = len(core)
    filled = rng.random(n) < 0.04
    month = (core["begin"].to_numpy(np.int64) // DAY).astype("datetime64[D]").astype(
        "datetime64[M]"
    ).astype(np.int64) % 12
    degrees = np.round(np.asarray(_MONTH_MEAN_TEMP, float)[month] + rng.normal(0.0, 3.0, n))
    temp = np.where(filled, degrees.astype(np.int64).astype(str), "").astype(object)
    kind = np.array(_WEATHER, dtype=object)[rng.integers(0, len(_WEATHER), n)]
    return temp, np.where(filled, kind, "").astype(object)

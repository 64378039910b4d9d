"""A few deliberately bad demo rows, spread over the period, so that quarantine and the
unmapped-code report have something to show.

Kinds, cycled in Kennisname order (the Kennisname itself is always valid, so a feed can serve the
row on its day):

- ``bad_date``: an impossible begin date (31 February);
- ``end_before_begin``: the end of the window two hours before its begin;
- ``far_outside``: WGS84 degrees written into X/Y (outside RD New altogether);
- ``unknown_code``: an MK code and label that no category knows (kept, reported as unmapped);
- ``missing_id``: no Incident Identificatie;
- ``outside_city``: a valid RD point in Utrecht, far from Amersfoort (kept, area unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ingest import columns as c
from vis.demo.bvh import moment_columns, parse_local_minutes
from vis.demo.calibration import Bucket
from vis.demo.generator import profile_events, rng_for, to_extract
from vis.demo.params import DemoParams
from vis.demo.profiles import PROFILES
from vis.demo.spatial import City
from vis.demo.theft import FIETSDIEFSTAL
from vis.geo import Area

KINDS = (
    "bad_date",
    "end_before_begin",
    "far_outside",
    "unknown_code",
    "missing_id",
    "outside_city",
)
#: The kinds that the ingest must quarantine; the others are loaded (and reported).
QUARANTINED_KINDS = ("bad_date", "end_before_begin", "far_outside", "missing_id")
#: Column telling which kind of fault a bad row carries (not a contract column).
KIND = "_fault"
UNKNOWN_CODE = ("Q99", "Onbekende incidentsoort")
UTRECHT_RD = ("136920", "455870")  # Domplein, Utrecht
AMERSFOORT_WGS84 = ("5,3872", "52,1561")  # degrees where metres belong


def generate_bad_rows(params: DemoParams, areas: Sequence[Area]) -> pd.DataFrame:
    """About ``params.bad_rows_per_year`` faulty rows a year (at least one of each kind).

    Returns the 33 contract columns plus :data:`KIND`; drop that column before serving.
    """
    city = City.from_areas(areas)
    days = np.arange(np.datetime64(params.start, "D"), np.datetime64(params.end, "D") + 1)
    years = len(days) / 365.25
    n = max(len(KINDS), round(params.bad_rows_per_year * years))
    bucket = Bucket(params.start.year, days, np.ones(len(days)), n)
    index = PROFILES.index(FIETSDIEFSTAL)
    core = profile_events(params, city, index, [bucket], stream="bad-rows")
    rows = to_extract(params, city, core, first_id=9_900_000, first_registration=900_000)
    kind = np.array(KINDS, dtype=object)[np.arange(n) % len(KINDS)]
    rng = rng_for(params, "bad-rows", "faults")

    bad = kind == "bad_date"
    years_text = rows.loc[bad, c.BEGIN].str.slice(6, 10)
    hours = rng.integers(8, 20, int(bad.sum()))
    rows.loc[bad, c.BEGIN] = [
        f"31-02-{y} {h:02d}:30" for y, h in zip(years_text, hours, strict=True)
    ]

    bad = kind == "end_before_begin"
    begin = parse_local_minutes(rows.loc[bad, c.BEGIN])
    weekday, daypart, text = moment_columns(begin - 120)
    rows.loc[bad, c.END_WEEKDAY] = weekday
    rows.loc[bad, c.END_DAYPART] = daypart
    rows.loc[bad, c.END] = text

    bad = kind == "far_outside"
    rows.loc[bad, c.X], rows.loc[bad, c.Y] = AMERSFOORT_WGS84

    bad = kind == "unknown_code"
    rows.loc[bad, c.MK_CODE], rows.loc[bad, c.MK_LABEL] = UNKNOWN_CODE

    rows.loc[kind == "missing_id", c.ID] = ""

    bad = kind == "outside_city"
    rows.loc[bad, c.X], rows.loc[bad, c.Y] = UTRECHT_RD
    rows[KIND] = kind
    return rows

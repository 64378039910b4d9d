"""Later versions of demo incidents, and the moment at which a feed knows each row.

The police send an incident again when they change it: an arrest registered days later
(Aanhoudingen 0 -> 1), or a report made after the first registration (Aangifte N -> J). Such a row
carries the incident's own columns, changed, plus the moment of the change in :data:`CHANGED`
(an extra column, as real extracts may carry; the ingest keeps only the contract's columns), so
that a feed can serve it in the window of a later day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest import columns as c
from vis.demo.bvh import moment_columns, parse_local_minutes
from vis.demo.generator import rng_for
from vis.demo.params import DemoParams
from vis.demo.profiles import profile_of_code
from vis.demo.timing import DAY

LOCAL_TZ = "Europe/Amsterdam"
#: The moment a row was last changed (``dd-mm-jjjj uu:mm``, local); only on update rows.
CHANGED = "Mutatiedatum/tijd"


def generate_updates(params: DemoParams, incidents: pd.DataFrame) -> pd.DataFrame:
    """Later versions of some of ``incidents`` (from :func:`generate_incidents`).

    Returns the 33 contract columns plus :data:`CHANGED`, in order of that moment; a change that
    would happen after the period's end is left out (it has not happened yet).
    """
    rng = rng_for(params, "updates")
    lookup = profile_of_code()
    profiles = [
        lookup.get((code, label))
        for code, label in zip(incidents[c.MK_CODE], incidents[c.MK_LABEL], strict=True)
    ]
    n = len(incidents)
    later_arrest = np.array([p.later_arrests if p else 0.0 for p in profiles])
    late_report = np.array([p.late_report if p else 0.0 for p in profiles])
    arrest = (incidents[c.ARRESTS] == "0").to_numpy() & (rng.random(n) < later_arrest)
    report = ~arrest & (incidents[c.REPORT] == "N").to_numpy() & (rng.random(n) < late_report)

    known = parse_local_minutes(incidents[c.KNOWN])
    arrest_days = np.clip(np.exp(np.log(5.0) + 0.9 * rng.normal(size=n)), 1.0, 60.0)
    delay_days = np.where(arrest, np.ceil(arrest_days), rng.integers(1, 5, n)).astype(np.int64)
    office_minute = rng.integers(8 * 60, 18 * 60, n)  # changes are made in office hours
    changed = (known // DAY + delay_days) * DAY + office_minute
    last = (int(np.datetime64(params.end, "D").astype(np.int64)) + 1) * DAY - 1
    keep = (arrest | report) & (changed <= last)
    solved_now = rng.random(n) < 0.7

    rows = incidents.loc[keep].copy()
    a = arrest[keep]
    suspects = pd.to_numeric(rows[c.SUSPECTS]).clip(lower=1).astype(str)
    rows.loc[a, c.ARRESTS] = "1"
    rows.loc[a, c.SUSPECTS] = suspects[a]
    rows.loc[a & solved_now[keep], c.SOLVED] = "J"
    rows.loc[report[keep], c.REPORT] = "J"
    rows[CHANGED] = moment_columns(changed[keep])[2]
    order = np.lexsort((rows[c.ID].to_numpy(), changed[keep]))
    return rows.iloc[order].reset_index(drop=True)


def known_at(rows: pd.DataFrame) -> pd.Series:
    """When a feed knows each row (UTC): :data:`CHANGED` where filled, else the Kennisname.

    A feed serves a row in the window (``vanaf`` to ``tot``) that holds this moment.
    """
    text = rows[c.KNOWN].astype(str)
    if CHANGED in rows.columns:
        changed = rows[CHANGED].fillna("").astype(str)
        text = changed.where(changed != "", text)
    minutes = parse_local_minutes(text)
    local = pd.Series(
        np.where(minutes >= 0, minutes, 0).astype("datetime64[m]"), index=rows.index
    ).astype("datetime64[us]")
    # As the ingest reads local time: autumn's repeated hour as summer time.
    aware = local.dt.tz_localize(
        LOCAL_TZ, ambiguous=np.ones(len(local), bool), nonexistent="shift_forward"
    ).dt.tz_convert("UTC")
    return aware.where(pd.Series(minutes >= 0, index=rows.index))

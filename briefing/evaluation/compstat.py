"""A CompStat-style table: last week, last 28 days and year to date against a year earlier.

Instead of a % change (which swings wildly on small numbers) each row carries the Poisson Z of
Wheeler (2016, "Tables and graphs for monitoring temporal crime trends"):
``Z = 2·(sqrt(current) - sqrt(previous))``, the difference on the square-root scale that makes
Poisson counts' variance about 1/4. ``|Z| >= 2`` is worth a look; ``|Z| < 2`` is noise.
The week and the 28 days are compared with the same weekdays 52 weeks (364 days) earlier; the
year to date with the same calendar days a year earlier.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from briefing.evaluation.explain import nl_number, nl_percent
from briefing.evaluation.params import day_series, within

COLUMNS = [
    "categorie",
    "venster",
    "van",
    "tot_en_met",
    "huidig",
    "vorig_jaar",
    "verschil",
    "verandering_pct",
    "z",
    "uitleg",
]


def poisson_z(current: int, previous: int) -> float:
    """Wheeler's Poisson Z; 0 when both are zero (never NaN)."""
    return 2.0 * (math.sqrt(max(current, 0)) - math.sqrt(max(previous, 0)))


def _same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def windows(as_of: dt.date) -> list[tuple[str, dt.date, dt.date, dt.date, dt.date]]:
    """(name, start, end, previous start, previous end), all inclusive."""
    year_ago = dt.timedelta(days=364)
    week0 = as_of - dt.timedelta(days=6)
    d28 = as_of - dt.timedelta(days=27)
    ytd0 = as_of.replace(month=1, day=1)
    return [
        ("week", week0, as_of, week0 - year_ago, as_of - year_ago),
        ("28 dagen", d28, as_of, d28 - year_ago, as_of - year_ago),
        ("jaar tot nu", ytd0, as_of, ytd0.replace(year=as_of.year - 1), _same_day_last_year(as_of)),
    ]


def _explain(current: int, previous: int, z: float) -> str:
    pct = "" if previous == 0 else f", {nl_percent(100 * (current - previous) / previous, 0)}"
    head = f"{current} tegen {previous} een jaar eerder{pct}"
    if abs(z) >= 2:
        word = "duidelijke daling" if z < 0 else "duidelijke stijging"
    else:
        word = "binnen de normale schommeling"
    return f"{head}: {word} (Z = {nl_number(z, 1)})"


def compstat_table(dates: pd.DataFrame, as_of: dt.date, categories: Sequence[str]) -> pd.DataFrame:
    """One row per category (plus "totaal") and window.

    ``dates`` has columns ``date`` (local calendar date, :class:`datetime.date`) and ``category``.
    """
    days = day_series(dates)
    cats = dates["category"]
    rows: list[dict[str, object]] = []
    keys = [*categories, "totaal"]
    for name, start, end, pstart, pend in windows(as_of):
        cur_mask = within(days, start, end)
        prev_mask = within(days, pstart, pend)
        for key in keys:
            in_cat = cats.isin(categories) if key == "totaal" else cats == key
            current = int((cur_mask & in_cat).sum())
            previous = int((prev_mask & in_cat).sum())
            z = poisson_z(current, previous)
            rows.append(
                {
                    "categorie": key,
                    "venster": name,
                    "van": start,
                    "tot_en_met": end,
                    "huidig": current,
                    "vorig_jaar": previous,
                    "verschil": current - previous,
                    "verandering_pct": None
                    if previous == 0
                    else 100.0 * (current - previous) / previous,
                    "z": z,
                    "uitleg": _explain(current, previous, z),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)

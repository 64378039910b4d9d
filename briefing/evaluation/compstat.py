"""A CompStat-style table: last week, last 28 days and year to date against a year earlier.

Instead of a % change (which swings wildly on small numbers) each row carries the Poisson Z of
Wheeler (2016, "Tables and graphs for monitoring temporal crime trends"),
``Z = 2·(sqrt(current) - sqrt(previous))``, as a descriptive size. It is *not* the flag: both
counts are random, so under no change that Z has variance about 2, not 1, and ``|Z| >= 2`` fires
in 16–21 % of quiet weeks (more on small counts). A row is flagged as a clear rise or fall only
when the exact conditional test of the two counts (the central p of
:func:`briefing.evaluation.rates.compare_rates`, per day of each window) is below 0,05: its
false-alarm rate is at most 5 % at every count when nothing changed.
The week and the 28 days are compared with the same weekdays 52 weeks (364 days) earlier; the
year to date with the same calendar days a year earlier. A window that cuts a month which
retention has reduced to monthly counts (dated on the 1st, see :mod:`vis.ops.retention`) would
count that month's lump wrongly: it is not compared, and says why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from briefing.evaluation.explain import nl_number, nl_p, nl_percent, undetermined
from briefing.evaluation.params import cuts_reduced_month, day_series, within
from briefing.evaluation.rates import compare_rates

#: Flag a rise or fall when the exact test's p is below this.
FLAG_ALPHA = 0.05
REDUCED = (
    "het venster snijdt een maand die na de bewaartermijn alleen als maandtotaal bestaat "
    "(alle incidenten op de 1e van de maand)"
)

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
    "p",
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


def compstat_p(current: int, days: int, previous: int, previous_days: int) -> float | None:
    """The exact conditional test's central p of two counts over their windows (None: both 0)."""
    return compare_rates(current, float(days), previous, float(previous_days)).p_value


def is_flagged(current: int, days: int, previous: int, previous_days: int) -> bool:
    """A clear rise or fall: the exact test's p below :data:`FLAG_ALPHA`."""
    p = compstat_p(current, days, previous, previous_days)
    return p is not None and p < FLAG_ALPHA


def _explain(current: int, previous: int, z: float, p: float | None) -> str:
    pct = "" if previous == 0 else f", {nl_percent(100 * (current - previous) / previous, 0)}"
    head = f"{current} tegen {previous} een jaar eerder{pct}"
    if p is not None and p < FLAG_ALPHA:
        word = "duidelijke daling" if current < previous else "duidelijke stijging"
    else:
        word = "binnen de normale schommeling"
    return f"{head}: {word} (Z = {nl_number(z, 1)}, {nl_p(p)})"


def compstat_table(
    dates: pd.DataFrame,
    as_of: dt.date,
    categories: Sequence[str],
    *,
    reduced_months: frozenset[dt.date] = frozenset(),
) -> pd.DataFrame:
    """One row per category (plus "totaal") and window.

    ``dates`` has columns ``date`` (local calendar date, :class:`datetime.date`) and ``category``;
    ``reduced_months`` holds the first day of each month that exists only as monthly counts.
    """
    days = day_series(dates)
    cats = dates["category"].to_numpy(dtype=object)
    rows: list[dict[str, object]] = []
    keys = [*categories, "totaal"]
    of_key = {key: cats == key for key in categories} | {"totaal": np.isin(cats, list(categories))}
    for name, start, end, pstart, pend in windows(as_of):
        skip = cuts_reduced_month(start, end, reduced_months) or cuts_reduced_month(
            pstart, pend, reduced_months
        )
        n_days, p_days = (end - start).days + 1, (pend - pstart).days + 1
        cur_mask = within(days, start, end).to_numpy(bool)
        prev_mask = within(days, pstart, pend).to_numpy(bool)
        for key in keys:
            current = int(np.count_nonzero(cur_mask & of_key[key]))
            previous = int(np.count_nonzero(prev_mask & of_key[key]))
            z: float | None = poisson_z(current, previous)
            p = None if skip else compstat_p(current, n_days, previous, p_days)
            text = (
                f"{current} tegen {previous} een jaar eerder: {undetermined(REDUCED)}"
                if skip
                else _explain(current, previous, z or 0.0, p)
            )
            if skip:
                z = None
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
                    "p": p,
                    "uitleg": text,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)

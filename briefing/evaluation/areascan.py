"""Area scans (gebiedsscans veiligheid): a one-page profile for each gebied.

For one gebied and a reference day ``as_of`` (the last day with data):

- trends: counts per month and series over the last 24 months, and the last 12 months against
  the 12 before (rate ratio with exact test);
- rates per 1.000 inhabitants over the last 12 months against the city; the test compares the
  gebied with the rest of the city (independent counts);
- the top hotspots: the grid cells with most misdrijven in the last 12 months.

When the last year or the year before begins or ends inside a month that retention reduced to
monthly counts (``reduced`` incidents, dated on the 1st), the comparisons say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from briefing.evaluation.explain import direction_sentence
from briefing.evaluation.indicators import categories_of, per_1000_per_year
from briefing.evaluation.params import (
    CategoryGroups,
    Period,
    cuts_reduced_month,
    day_series,
    within,
)
from briefing.evaluation.rates import compare_rates
from briefing.lattice import Grid

#: The series of a scan: indicator keys (see :mod:`briefing.evaluation.indicators`).
SERIES: dict[str, str] = {
    "misdrijven": "Misdrijven",
    "woninginbraak": "Woninginbraken",
    "veelvoorkomend": "Veelvoorkomende criminaliteit",
    "geweld": "Geweld",
    "winkeldiefstal": "Winkeldiefstal",
    "overlast_jeugd": "Overlast jeugd",
}


@dataclass(frozen=True)
class AreaScan:
    gebied: str
    inhabitants: int | None
    wijken: tuple[str, ...]
    last_year: Period
    trend: pd.DataFrame = field(repr=False)  # maand, reeks, aantal
    change: pd.DataFrame = field(repr=False)  # reeks, vorig, laatste, verhouding, p, uitleg
    rates: pd.DataFrame = field(repr=False)  # reeks, gebied_per_1000, stad_per_1000, p, uitleg
    hotspots: pd.DataFrame = field(repr=False)  # cel, aantal, meest, straat


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _count(frame: pd.DataFrame, day: pd.Series[Any], period: Period, cats: frozenset[str]) -> int:
    mask = within(day, period.start, period.end)
    return int((mask & frame["category"].isin(cats)).sum())


def area_scan(
    incidents: pd.DataFrame,
    areas: pd.DataFrame,
    gebied: str,
    as_of: dt.date,
    groups: CategoryGroups,
    grid: Grid,
    *,
    top_n: int = 5,
    alpha: float = 0.05,
) -> AreaScan:
    """The profile of one gebied.

    ``incidents``: ``date``, ``category``, ``area_code``, ``x``, ``y`` and optionally ``street``.
    ``areas``: ``code``, ``gebied``, ``inhabitants`` (the municipality's wijken).
    """
    mine = areas.loc[areas["gebied"] == gebied]
    codes = tuple(sorted(mine["code"]))
    pop_g = float(pd.to_numeric(mine["inhabitants"], errors="coerce").sum()) or None
    pop_city = float(pd.to_numeric(areas["inhabitants"], errors="coerce").sum()) or None
    last = Period(_year_back(as_of) + dt.timedelta(days=1), as_of)
    before = Period(_year_back(last.start), last.start - dt.timedelta(days=1))
    in_g = incidents["area_code"].isin(codes).to_numpy(dtype=bool)
    known = incidents["area_code"].notna().to_numpy(dtype=bool)
    inside, outside = incidents.loc[in_g], incidents.loc[~in_g & known]
    day_in, day_out = day_series(inside), day_series(outside)

    reduced: frozenset[dt.date] = frozenset()
    if "reduced" in incidents and len(incidents):
        flagged = incidents.loc[incidents["reduced"].astype(bool), "date"]
        reduced = frozenset(d.replace(day=1) for d in flagged)
    caveat = (
        " (let op: het jaar begint of eindigt midden in een maand waarvan na de bewaartermijn "
        "alleen maandcijfers over zijn; die maand telt helemaal of niet mee)"
        if cuts_reduced_month(before.start, before.end, reduced)
        or cuts_reduced_month(last.start, last.end, reduced)
        else ""
    )
    trend_start = pd.Timestamp(_year_back(before.start)).to_period("M")
    months = pd.period_range(trend_start + 12, pd.Timestamp(as_of).to_period("M"), freq="M")
    trend_rows, change_rows, rate_rows = [], [], []
    month_of = pd.Series(pd.PeriodIndex(day_in.to_numpy(), freq="M"), index=day_in.index)
    for key, label in SERIES.items():
        cats = categories_of(key, groups)
        sel = inside["category"].isin(cats) if len(inside) else pd.Series([], dtype=bool)
        per_month = month_of[sel].value_counts() if len(inside) else pd.Series(dtype=int)
        for m in months:
            trend_rows.append({"maand": m.to_timestamp().date(), "reeks": label,
                               "aantal": int(per_month.get(m, 0))})  # fmt: skip
        prev, now = _count(inside, day_in, before, cats), _count(inside, day_in, last, cats)
        rr = compare_rates(now, last.days, prev, before.days, alpha=alpha)
        change_rows.append({
            "reeks": label, "vorig_jaar": prev, "laatste_jaar": now, "verhouding": rr.ratio,
            "p": rr.p_value,
            "uitleg": direction_sentence(rr.ratio, rr.p_value, alpha, subject=label,
                against="het jaar ervoor", reason=rr.reason, noun="in het laatste jaar")
                + caveat,
        })  # fmt: skip
        other = _count(outside, day_out, last, cats)
        pop_rest = (pop_city - pop_g) if pop_city and pop_g else None
        vs_city = compare_rates(now, pop_g or 0.0, other, pop_rest or 0.0, alpha=alpha)
        rate_rows.append({
            "reeks": label, "aantal": now,
            "gebied_per_1000": per_1000_per_year(now, pop_g, last),
            "stad_per_1000": per_1000_per_year(now + other, pop_city, last),
            "verhouding_rest_stad": vs_city.ratio, "p": vs_city.p_value,
            "uitleg": direction_sentence(vs_city.ratio, vs_city.p_value, alpha,
                subject=f"{label} in {gebied}", against="de rest van de stad",
                reason=vs_city.reason, noun="per inwoner") + caveat,
        })  # fmt: skip
    return AreaScan(
        gebied=gebied,
        inhabitants=int(pop_g) if pop_g else None,
        wijken=codes,
        last_year=last,
        trend=pd.DataFrame(trend_rows, columns=["maand", "reeks", "aantal"]),
        change=pd.DataFrame(change_rows),
        rates=pd.DataFrame(rate_rows),
        hotspots=_top_cells(inside, day_in, last, groups, grid, top_n),
    )


def _top_cells(
    inside: pd.DataFrame,
    day: pd.Series[Any],
    period: Period,
    groups: CategoryGroups,
    grid: Grid,
    top_n: int,
) -> pd.DataFrame:
    columns = ["cel", "aantal", "meest", "straat"]
    if inside.empty:
        return pd.DataFrame(columns=columns)
    mask = within(day, period.start, period.end)
    sel = inside.loc[mask & inside["category"].isin(groups.misdrijf)]
    sel = sel.loc[sel["x"].notna() & sel["y"].notna()]
    if sel.empty:
        return pd.DataFrame(columns=columns)
    sel = sel.assign(cel=grid.cell_ids(sel["x"].to_numpy(float), sel["y"].to_numpy(float)))
    rows = []
    for cell, part in sel.groupby("cel"):
        street = part["street"].dropna().mode() if "street" in part else pd.Series(dtype=str)
        top_cat = part["category"].value_counts()
        rows.append({
            "cel": cell, "aantal": len(part),
            "meest": groups.label(str(top_cat.index[0])),
            "straat": str(street.iloc[0]) if len(street) else "",
        })  # fmt: skip
    table = pd.DataFrame(rows, columns=columns).sort_values(
        ["aantal", "cel"], ascending=[False, True]
    )
    return table.head(top_n).reset_index(drop=True)


def area_scans(
    incidents: pd.DataFrame,
    areas: pd.DataFrame,
    as_of: dt.date,
    groups: CategoryGroups,
    grid: Grid,
    gebieden: Sequence[str] | None = None,
) -> list[AreaScan]:
    """A scan for each gebied (all gebieden of ``areas`` when not given)."""
    names = gebieden or sorted(str(g) for g in areas["gebied"].dropna().unique())
    return [area_scan(incidents, areas, g, as_of, groups, grid) for g in names]

"""Dosage: patrol visits per hotspot (from the tablet) against the change in incidents there.

Per hotspot id (the same id on several days is the same place): the briefings that named it,
the visits and minutes registered, and the incidents inside it in the ``window_days`` before it
was first briefed against the ``window_days`` from that day. The summary tells whether more
visits went with a larger fall: Spearman's rank correlation between visits and the change, and
the before/after rate ratio of hotspots with at least the median number of visits against the
others.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from briefing.evaluation.explain import nl_number, nl_p, undetermined
from briefing.evaluation.params import day_series, within
from briefing.evaluation.rates import RateRatio, compare_rates
from briefing.inhotspot import in_hotspot

DOSAGE_COLUMNS = [
    "hotspot_id",
    "eerste_briefing",
    "briefings",
    "bezoeken",
    "minuten",
    "voor",
    "na",
    "verschil",
]


@dataclass(frozen=True)
class DosageSummary:
    hotspots: int
    spearman_rho: float | None
    spearman_p: float | None
    high_dose: RateRatio | None
    low_dose: RateRatio | None
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dosage_table(
    hotspots: pd.DataFrame,
    visits: pd.DataFrame,
    incidents: pd.DataFrame,
    *,
    window_days: int = 28,
) -> pd.DataFrame:
    """One row per hotspot id. Columns of the inputs as in :mod:`briefing.evaluation.record`;
    ``visits`` has ``hotspot_id`` and ``duration_min``; ``incidents`` has ``date``, ``x``, ``y``.
    """
    if hotspots.empty:
        return pd.DataFrame(columns=DOSAGE_COLUMNS)
    day = day_series(incidents)
    xs = incidents["x"].to_numpy(float) if len(incidents) else np.zeros(0)
    ys = incidents["y"].to_numpy(float) if len(incidents) else np.zeros(0)
    located = np.isfinite(xs) & np.isfinite(ys)
    visit_count = visits.groupby("hotspot_id").size() if len(visits) else pd.Series(dtype=int)
    minutes = (
        pd.to_numeric(visits["duration_min"], errors="coerce").groupby(visits["hotspot_id"]).sum()
        if len(visits)
        else pd.Series(dtype=float)
    )
    rows = []
    for hotspot_id, spots in hotspots.groupby("hotspot_id", sort=True):
        first: dt.date = min(spots["date"])
        geometry = spots["geometry"].iloc[0]
        span = dt.timedelta(days=window_days)
        one = dt.timedelta(days=1)
        before_mask = within(day, first - span, first - one).to_numpy() & located
        after_mask = within(day, first, first + span - one).to_numpy() & located
        before = int(in_hotspot(geometry, xs[before_mask], ys[before_mask]).sum())
        after = int(in_hotspot(geometry, xs[after_mask], ys[after_mask]).sum())
        rows.append(
            {
                "hotspot_id": hotspot_id,
                "eerste_briefing": first,
                "briefings": int(spots["briefing_id"].nunique()),
                "bezoeken": int(visit_count.get(hotspot_id, 0)),
                "minuten": float(minutes.get(hotspot_id, 0.0)),
                "voor": before,
                "na": after,
                "verschil": after - before,
            }
        )
    return pd.DataFrame(rows, columns=DOSAGE_COLUMNS)


def dosage_summary(table: pd.DataFrame, *, alpha: float = 0.05) -> DosageSummary:
    n = len(table)
    if n == 0:
        return DosageSummary(0, None, None, None, None, f"Dosis: {undetermined('geen hotspots')}")
    rho = p = None
    visits = table["bezoeken"].to_numpy(float)
    change = table["verschil"].to_numpy(float)
    if n >= 3 and np.ptp(visits) > 0 and np.ptp(change) > 0:
        result = stats.spearmanr(visits, change)
        rho, p = float(result.statistic), float(result.pvalue)
        if not (math.isfinite(rho) and math.isfinite(p)):
            rho = p = None
    median = float(np.median(visits))
    high = table.loc[visits >= median] if median > 0 else table.iloc[0:0]
    low = table.loc[visits < median] if median > 0 else table
    window = 1.0  # both halves span the same number of days: exposure 1 each

    def before_after(part: pd.DataFrame) -> RateRatio | None:
        if part.empty:
            return None
        return compare_rates(int(part["na"].sum()), window, int(part["voor"].sum()), window)

    high_rr, low_rr = before_after(high), before_after(low)
    if rho is None:
        reason = "minder dan 3 hotspots" if n < 3 else "bezoeken of verandering overal gelijk"
        text = f"Dosis-effect: {undetermined(reason)}"
    else:
        sense = "grotere daling" if rho < 0 else "kleinere daling of stijging"
        verdict = "significant" if p is not None and p < alpha else "niet significant"
        text = (
            f"Dosis-effect: meer bezoeken gaan samen met een {sense} (Spearman rho = "
            f"{nl_number(rho, 2)}, {nl_p(p)}; {verdict})"
        )
    return DosageSummary(n, rho, p, high_rr, low_rr, text)

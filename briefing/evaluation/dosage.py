"""Dosage: patrol visits per hotspot (from the tablet) against the change in incidents there.

Per hotspot id (the same id on several days is the same place): the briefings that named it,
the visits and minutes registered, and the incidents inside it in the ``window_days`` before it
was first briefed against the ``window_days`` from that day. The after-window ends at the last
day with data; a hotspot whose after-window is cut short (``volledig`` False), or whose windows
cut a month that retention reduced to monthly counts, is left out of the summary, and the
summary says how many.

The before-window is the one the hotspots were chosen on, so incidents there fall back by
themselves (regression to the mean): a fall after a visit is no evidence. The summary therefore
compares visited hotspots with *unvisited hotspots of similar score* (the same before-count
band): within bands where both occur, the after-counts of the visited against those of the
unvisited, with their before-counts as exposure (exact conditional test). Spearman's rank
correlation between visits and the change, and the before/after ratios of high- and low-dose
hotspots, are shown beside it as description.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from briefing.evaluation.distributions import spearman
from briefing.evaluation.explain import nl_number, nl_p, undetermined
from briefing.evaluation.params import cuts_reduced_month, day_series
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
    "na_tot",
    "volledig",
]
#: Bands of the before-count ("score") within which visited and unvisited hotspots are compared.
SCORE_BANDS = (0, 1, 2, 3, 5, 9, 17, 33)


@dataclass(frozen=True)
class DosageSummary:
    hotspots: int
    spearman_rho: float | None
    spearman_p: float | None
    high_dose: RateRatio | None
    low_dose: RateRatio | None
    explanation: str
    left_out: int = 0
    visited_vs_unvisited: RateRatio | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dosage_table(
    hotspots: pd.DataFrame,
    visits: pd.DataFrame,
    incidents: pd.DataFrame,
    *,
    window_days: int = 28,
    data_until: dt.date | None = None,
    reduced_months: frozenset[dt.date] = frozenset(),
) -> pd.DataFrame:
    """One row per hotspot id. Columns of the inputs as in :mod:`briefing.evaluation.record`;
    ``visits`` has ``hotspot_id`` and ``duration_min``; ``incidents`` has ``date``, ``x``, ``y``.
    ``data_until`` is the last day with data (None: the windows are taken as complete).
    """
    if hotspots.empty:
        return pd.DataFrame(columns=DOSAGE_COLUMNS)
    # Located incidents in order of their day: a window of days is then one slice of them.
    days = day_series(incidents).to_numpy(dtype="datetime64[D]")
    xs = incidents["x"].to_numpy(float) if len(incidents) else np.zeros(0)
    ys = incidents["y"].to_numpy(float) if len(incidents) else np.zeros(0)
    located = np.isfinite(xs) & np.isfinite(ys) & ~np.isnat(days)
    order = np.argsort(days[located], kind="stable")
    days, xs, ys = days[located][order], xs[located][order], ys[located][order]

    def inside(geometry: Any, first_day: dt.date, last_day: dt.date) -> int:
        """Located incidents in ``geometry`` from ``first_day`` to ``last_day`` inclusive."""
        lo = int(np.searchsorted(days, np.datetime64(first_day, "D"), side="left"))
        hi = int(np.searchsorted(days, np.datetime64(last_day, "D"), side="right"))
        return int(in_hotspot(geometry, xs[lo:hi], ys[lo:hi]).sum()) if hi > lo else 0

    visit_count = visits.groupby("hotspot_id").size() if len(visits) else pd.Series(dtype=int)
    minutes = (
        pd.to_numeric(visits["duration_min"], errors="coerce").groupby(visits["hotspot_id"]).sum()
        if len(visits)
        else pd.Series(dtype=float)
    )
    rows = []
    span, one = dt.timedelta(days=window_days), dt.timedelta(days=1)
    for hotspot_id, spots in hotspots.groupby("hotspot_id", sort=True):
        first: dt.date = min(spots["date"])
        geometry = spots["geometry"].iloc[0]
        after_end = first + span - one
        complete = data_until is None or after_end <= data_until
        if data_until is not None:
            after_end = min(after_end, data_until)
        complete = complete and not (
            cuts_reduced_month(first - span, first - one, reduced_months)
            or cuts_reduced_month(first, after_end, reduced_months)
        )
        before = inside(geometry, first - span, first - one)
        after = inside(geometry, first, after_end)
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
                "na_tot": after_end,
                "volledig": bool(complete),
            }
        )
    return pd.DataFrame(rows, columns=DOSAGE_COLUMNS)


def _band(count: int) -> int:
    return int(np.searchsorted(SCORE_BANDS, count, side="right"))


def visited_against_unvisited(table: pd.DataFrame, alpha: float = 0.05) -> RateRatio | None:
    """After-counts of visited against unvisited hotspots of the same before-count band, with
    the before-counts as exposure; None when no band holds both."""
    bands = table["voor"].map(_band)
    visited = table["bezoeken"] > 0
    both = [b for b in set(bands) if visited[bands == b].any() and (~visited[bands == b]).any()]
    sel = table.loc[bands.isin(both)]
    v, u = sel.loc[sel["bezoeken"] > 0], sel.loc[sel["bezoeken"] == 0]
    if v.empty or u.empty or v["voor"].sum() == 0 or u["voor"].sum() == 0:
        return None
    return compare_rates(
        int(v["na"].sum()), float(v["voor"].sum()), int(u["na"].sum()), float(u["voor"].sum()),
        alpha=alpha,
    )  # fmt: skip


def dosage_summary(table: pd.DataFrame, *, alpha: float = 0.05) -> DosageSummary:
    left_out = int((~table["volledig"].astype(bool)).sum()) if "volledig" in table else 0
    if left_out:
        table = table.loc[table["volledig"].astype(bool)]
    n = len(table)
    skipped = (
        f"; {left_out} hotspots met onvolledige nameting (data eindigt eerder, of maandcijfers "
        "na de bewaartermijn) niet meegeteld"
        if left_out
        else ""
    )
    if n == 0:
        text = f"Dosis: {undetermined('geen hotspots met een volledige nameting')}{skipped}"
        return DosageSummary(0, None, None, None, None, text, left_out)
    rho = p = None
    visits = table["bezoeken"].to_numpy(float)
    change = table["verschil"].to_numpy(float)
    if n >= 3 and np.ptp(visits) > 0 and np.ptp(change) > 0:
        rho, p = spearman(visits, change)
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
    matched = visited_against_unvisited(table, alpha)
    if matched is None or matched.ratio is None:
        versus = (
            "Bezochte tegen niet bezochte hotspots met een vergelijkbare score: "
            f"{undetermined('geen vergelijkbare niet bezochte hotspots')}"
        )
    else:
        verdict = "significant" if matched.significant else "niet significant"
        versus = (
            "Bezochte tegen niet bezochte hotspots met een vergelijkbare score (zelfde aantal "
            f"incidenten vooraf): verhouding van de nameting {nl_number(matched.ratio, 2)} "
            f"({nl_p(matched.p_value)}; {verdict})"
        )
    if rho is None:
        reason = "minder dan 3 hotspots" if n < 3 else "bezoeken of verandering overal gelijk"
        text = f"Dosis-effect: {undetermined(reason)}"
    else:
        sense = "grotere daling" if rho < 0 else "kleinere daling of stijging"
        verdict = "significant" if p is not None and p < alpha else "niet significant"
        text = (
            f"Dosis-effect: meer bezoeken gaan samen met een {sense} (Spearman rho = "
            f"{nl_number(rho, 2)}, {nl_p(p)}; {verdict}; beschrijvend: de hotspots zijn op de "
            "voormeting gekozen)"
        )
    return DosageSummary(n, rho, p, high_rr, low_rr, f"{text}. {versus}{skipped}", left_out,
                         matched)  # fmt: skip

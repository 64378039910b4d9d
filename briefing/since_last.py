"""What happened since the last briefing: the KPI figures with their test, and notable incidents.

One definition, computed once when a briefing is built and stored with it (pages, the PDF and
`vis briefing` only show it). For a shift starting at the cut-off ``T``:

- the **window** is ``[T - since_hours, T)`` by Kennisname: what the police learned of since the
  same shift yesterday (24 h), whenever it happened. A burglary reported this morning that
  happened last week is news to the supervisor; one reported yesterday was in yesterday's briefing;
- the **baseline** is the ``average_days`` before the window, by Kennisname too; ``average`` is its
  mean per window (count × since_hours / (average_days × 24));
- the **test** per category is a one-sided exact Poisson test of the window's count against the
  rate ``(baseline + 0.5) / baseline hours`` (the half avoids a zero rate), in the direction of the
  deviation: "higher" needs p < ``kpi_alpha`` and at least :data:`MIN_HIGHER` incidents, "lower"
  needs p < ``kpi_alpha``; everything else is "normal";
- **notable incidents** are those in the window of a notable category or with an arrest, newest
  first, at most ``max_notable``: street, time, wijk and category only (never a house number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from scipy.stats import poisson

from briefing.history import History
from briefing.params import BriefingParams

#: Fewer incidents than this in the window are never marked "higher", whatever the p-value: one
#: burglary in a category that had none for four weeks is rare but not yet a pattern.
MIN_HIGHER = 3

Direction = Literal["higher", "lower", "normal"]
#: The order in which the figures are shown: what deviates first.
DIRECTION_ORDER: Mapping[str, int] = {"higher": 0, "lower": 1, "normal": 2}


@dataclass(frozen=True)
class KpiTest:
    p: float
    direction: Direction


def kpi_test(
    count: int, baseline: int, baseline_hours: float, window_hours: float, alpha: float
) -> KpiTest:
    """The window's ``count`` against ``baseline`` incidents in ``baseline_hours``."""
    lam = (baseline + 0.5) / baseline_hours * window_hours
    if count > lam:
        p = float(poisson.sf(count - 1, lam))  # P(X >= count)
        higher = p < alpha and count >= MIN_HIGHER
        return KpiTest(min(1.0, p), "higher" if higher else "normal")
    if count < lam:
        p = float(poisson.cdf(count, lam))  # P(X <= count)
        return KpiTest(min(1.0, p), "lower" if p < alpha else "normal")
    return KpiTest(1.0, "normal")


def row_order(row: Mapping[str, Any]) -> tuple[int, int, float, str]:
    """Sort key of a category row: deviating first, then by count and average."""
    return (
        DIRECTION_ORDER.get(str(row.get("direction", "normal")), 2),
        -int(row.get("count", 0)),
        -float(row.get("average", 0.0)),
        str(row.get("code", "")),
    )


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def since_last(
    h: History,
    cutoff_s: int,
    bp: BriefingParams,
    excluded: tuple[str, ...],
    label: Callable[[str], str],
    area_names: Mapping[str, str],
) -> dict[str, Any]:
    """The ``since_last`` part of a briefing (see the module text); ``label`` names a category."""
    since = cutoff_s - bp.since_hours * 3600
    base_from = since - bp.average_days * 86400
    known = h.known_s
    recent = (known >= since) & (known < cutoff_s)
    base = (known >= base_from) & (known < since)
    n_recent = np.bincount(h.cat[recent], minlength=len(h.categories))
    n_base = np.bincount(h.cat[base], minlength=len(h.categories))
    scale = bp.since_hours / (bp.average_days * 24)
    rows: list[dict[str, Any]] = []
    for k, c in enumerate(h.categories):
        if not (n_recent[k] or n_base[k]):
            continue
        test = kpi_test(
            int(n_recent[k]), int(n_base[k]), bp.average_days * 24, bp.since_hours, bp.kpi_alpha
        )
        rows.append(
            {
                "code": c,
                "label": label(c),
                "count": int(n_recent[k]),
                "average": round(float(n_base[k]) * scale, 2),
                "baseline": int(n_base[k]),
                "p": round(test.p, 4),
                "direction": test.direction,
                "excluded": c in excluded,
            }
        )
    rows.sort(key=row_order)
    cats = np.array(h.categories, dtype=object)
    wanted = np.isin(cats[h.cat], list(bp.notable_categories))
    idx = np.flatnonzero(recent & ((h.arrests > 0) | wanted))
    # newest first; ties by Kennisname, then by the incident's id
    idx = idx[np.lexsort((h.ids[idx], -h.known_s[idx], -h.begin_s[idx]))][: bp.max_notable]
    tz = ZoneInfo(h.timezone)
    notable = [
        {
            "id": str(h.ids[i]),
            "time": dt.datetime.fromtimestamp(int(h.begin_s[i]), tz).strftime("%d-%m %H:%M"),
            "begin": _iso(int(h.begin_s[i])),
            "street": str(h.street[i]),
            "area": area_names.get(str(h.area[i]), str(h.area[i])) or None,
            "category": str(cats[h.cat[i]]),
            "label": label(str(cats[h.cat[i]])),
            "arrest": bool(h.arrests[i] > 0),
        }
        for i in idx
    ]
    return {
        "from": _iso(since),
        "to": _iso(cutoff_s),
        "baseline_from": _iso(base_from),
        "alpha": bp.kpi_alpha,
        "categories": rows,
        "notable": notable,
    }


#: At most this many KPI figures are shown; the rest reads "otherwise as usual".
MAX_SHOWN = 8


def kpi_rows(
    since: Mapping[str, Any], limit: int = MAX_SHOWN
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shown, rest) of a stored ``since_last``'s categories, for the page's tiles and the PDF:
    the categories that deviate or had incidents, deviating ones first, at most ``limit``; never
    a "0, as usual". Categories of the feedback guard are left out (enforcement's own work)."""
    rows = [
        r for r in since.get("categories") or [] if isinstance(r, dict) and not r.get("excluded")
    ]
    rows.sort(key=row_order)
    shown = [r for r in rows if r.get("direction", "normal") != "normal" or r.get("count")]
    shown = shown[:limit]
    return shown, [r for r in rows if not any(r is s for s in shown)]

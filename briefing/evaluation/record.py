"""The briefings' own record: hit rate and PAI of the stored hotspots against what then happened.

For each stored briefing, the incidents that began in its shift window are "what then happened".
A hit is such an incident inside one of the briefing's hotspots. Incidents without coordinates
can be neither a hit nor a miss: they are left out of the hit rate's denominator (and counted
apart, ``zonder_locatie``). Per briefing::

    hit rate   = hits / incidents in the window (anywhere in the municipality)
    area share = area of the hotspots / area of the municipality
    PAI        = hit rate / area share         (Chainey et al. 2008, predictive accuracy index)

The overall figures pool the briefings: hits and incidents are summed, the area share is the mean
area share weighted by each briefing's incidents (so PAI = pooled hit rate / that share).
Geometries are shapely polygons in the metric CRS of the incidents' ``x``/``y``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from shapely.ops import unary_union

from briefing.evaluation.explain import nl_number, nl_percent, undetermined
from briefing.inhotspot import in_hotspot

RECORD_COLUMNS = [
    "briefing_id",
    "datum",
    "dienst",
    "hotspots",
    "incidenten",
    "zonder_locatie",
    "treffers",
    "trefkans_pct",
    "oppervlakte_pct",
    "pai",
]


@dataclass(frozen=True)
class RecordSummary:
    briefings: int
    incidents: int
    hits: int
    unlocated: int
    hit_rate_pct: float | None
    area_share_pct: float | None
    pai: float | None
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def briefing_record(
    hotspots: pd.DataFrame,
    incidents: pd.DataFrame,
    municipality_area_m2: float | None,
    *,
    reduced_months: frozenset[dt.date] = frozenset(),
) -> tuple[pd.DataFrame, RecordSummary]:
    """Per-briefing table and pooled summary.

    A briefing dated in a month that retention reduced to monthly counts (``reduced_months``:
    first days) is skipped: its shift window would catch that month's lump (every reduced
    incident is dated on the 1st at midnight) or miss it. The summary counts the skipped ones.

    ``hotspots``: ``briefing_id``, ``date``, ``shift``, ``window_start``, ``window_end`` (aware
    UTC), ``hotspot_id``, ``geometry`` (shapely, metric). ``incidents``: ``begin_at`` (aware
    UTC), ``x``, ``y``.
    """
    rows: list[dict[str, object]] = []
    if hotspots.empty:
        return pd.DataFrame(columns=RECORD_COLUMNS), _summary(rows, "geen briefings opgeslagen")
    if not municipality_area_m2 or municipality_area_m2 <= 0:
        reason = "oppervlakte van de gemeente onbekend"
        return pd.DataFrame(columns=RECORD_COLUMNS), _summary(rows, reason)
    # Incidents in order of their start: a shift window is then one slice of them.
    begin = (
        pd.to_datetime(incidents["begin_at"], utc=True).to_numpy("datetime64[ns]")
        if len(incidents)
        else np.zeros(0, dtype="datetime64[ns]")
    )
    order = np.argsort(begin, kind="stable")
    begin = begin[order]
    xs = (incidents["x"].to_numpy(float) if len(incidents) else np.zeros(0))[order]
    ys = (incidents["y"].to_numpy(float) if len(incidents) else np.zeros(0))[order]
    located = np.isfinite(xs) & np.isfinite(ys)
    skipped = 0
    spots = hotspots.sort_values("briefing_id", kind="stable")
    ids = spots["briefing_id"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True])
    dates, shifts = spots["date"].tolist(), spots["shift"].tolist()
    starts, ends = spots["window_start"].tolist(), spots["window_end"].tolist()
    geometries = spots["geometry"].to_numpy()
    for lo, hi in pairwise(bounds.tolist()):
        if dates[lo].replace(day=1) in reduced_months:
            skipped += 1
            continue
        shape = unary_union([g for g in geometries[lo:hi] if g is not None])
        n = hits = unlocated = 0
        start, end = pd.Timestamp(starts[lo]), pd.Timestamp(ends[lo])
        if len(begin) and not (pd.isna(start) or pd.isna(end)):
            first, last = np.searchsorted(begin, [start.to_datetime64(), end.to_datetime64()])
            in_window = slice(first, max(first, last))
            sel = located[in_window]
            n = int(sel.sum())
            unlocated = len(sel) - n
            if n and not shape.is_empty:
                hits = int(in_hotspot(shape, xs[in_window][sel], ys[in_window][sel]).sum())
        share = float(shape.area) / municipality_area_m2
        rate = 100.0 * hits / n if n else None
        rows.append(
            {
                "briefing_id": ids[lo],
                "datum": dates[lo],
                "dienst": shifts[lo],
                "hotspots": int(hi - lo),
                "incidenten": n,
                "zonder_locatie": unlocated,
                "treffers": hits,
                "trefkans_pct": rate,
                "oppervlakte_pct": 100.0 * share,
                "pai": (rate / (100.0 * share)) if rate is not None and share > 0 else None,
            }
        )
    summary = _summary(rows, None)
    if skipped:
        text = (
            f"{summary.explanation}; {skipped} briefings in maanden waarvan na de bewaartermijn "
            "alleen maandcijfers over zijn overgeslagen"
        )
        summary = RecordSummary(**{**summary.as_dict(), "explanation": text})
    return pd.DataFrame(rows, columns=RECORD_COLUMNS), summary


def _summary(rows: list[dict[str, object]], reason: str | None) -> RecordSummary:
    n = sum(int(str(r["incidenten"])) for r in rows)
    hits = sum(int(str(r["treffers"])) for r in rows)
    unlocated = sum(int(str(r["zonder_locatie"])) for r in rows)
    if reason is None and n == 0:
        reason = "geen incidenten met een locatie in de vensters van de briefings"
    if reason is not None:
        return RecordSummary(
            len(rows), n, hits, unlocated, None, None, None, f"Trefkans: {undetermined(reason)}"
        )
    share = sum(float(str(r["oppervlakte_pct"])) * int(str(r["incidenten"])) for r in rows) / n
    rate = 100.0 * hits / n
    pai = rate / share if share > 0 else None
    text = (
        f"De hotspots van {len(rows)} briefings besloegen gemiddeld {nl_percent(share, 2)} van de "
        f"gemeente en vingen {nl_percent(rate)} van de {n} incidenten in hun dienst (PAI "
        f"{nl_number(pai, 1)}: {nl_number(pai, 1)} keer zoveel als bij willekeurige plekken)"
    )
    if unlocated:
        text += f"; {unlocated} incidenten zonder locatie niet meegeteld"
    return RecordSummary(len(rows), n, hits, unlocated, rate, share, pai, text)

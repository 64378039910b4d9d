"""The briefings' own record: hit rate and PAI of the stored hotspots against what then happened.

For each stored briefing, the incidents that began in its shift window are "what then happened".
A hit is such an incident inside one of the briefing's hotspots. Per briefing::

    hit rate   = hits / incidents in the window (anywhere in the municipality)
    area share = area of the hotspots / area of the municipality
    PAI        = hit rate / area share         (Chainey et al. 2008, predictive accuracy index)

The overall figures pool the briefings: hits and incidents are summed, the area share is the mean
area share weighted by each briefing's incidents (so PAI = pooled hit rate / that share).
Geometries are shapely polygons in the metric CRS of the incidents' ``x``/``y``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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
    hit_rate_pct: float | None
    area_share_pct: float | None
    pai: float | None
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def briefing_record(
    hotspots: pd.DataFrame, incidents: pd.DataFrame, municipality_area_m2: float | None
) -> tuple[pd.DataFrame, RecordSummary]:
    """Per-briefing table and pooled summary.

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
    begin = pd.to_datetime(incidents["begin_at"], utc=True) if len(incidents) else None
    xs = incidents["x"].to_numpy(float) if len(incidents) else np.zeros(0)
    ys = incidents["y"].to_numpy(float) if len(incidents) else np.zeros(0)
    located = np.isfinite(xs) & np.isfinite(ys)
    for briefing_id, spots in hotspots.groupby("briefing_id", sort=True):
        first = spots.iloc[0]
        shape = unary_union([g for g in spots["geometry"] if g is not None])
        n = hits = 0
        if begin is not None:
            start = pd.Timestamp(first["window_start"])
            end = pd.Timestamp(first["window_end"])
            in_window = ((begin >= start) & (begin < end)).to_numpy()
            n = int(in_window.sum())
            sel = in_window & located
            if sel.any() and not shape.is_empty:
                hits = int(in_hotspot(shape, xs[sel], ys[sel]).sum())
        share = float(shape.area) / municipality_area_m2
        rate = 100.0 * hits / n if n else None
        rows.append(
            {
                "briefing_id": briefing_id,
                "datum": first["date"],
                "dienst": first["shift"],
                "hotspots": len(spots),
                "incidenten": n,
                "treffers": hits,
                "trefkans_pct": rate,
                "oppervlakte_pct": 100.0 * share,
                "pai": (rate / (100.0 * share)) if rate is not None and share > 0 else None,
            }
        )
    return pd.DataFrame(rows, columns=RECORD_COLUMNS), _summary(rows, None)


def _summary(rows: list[dict[str, object]], reason: str | None) -> RecordSummary:
    n = sum(int(str(r["incidenten"])) for r in rows)
    hits = sum(int(str(r["treffers"])) for r in rows)
    if reason is None and n == 0:
        reason = "geen incidenten in de vensters van de briefings"
    if reason is not None:
        return RecordSummary(
            len(rows), n, hits, None, None, None, f"Trefkans: {undetermined(reason)}"
        )
    share = sum(float(str(r["oppervlakte_pct"])) * int(str(r["incidenten"])) for r in rows) / n
    rate = 100.0 * hits / n
    pai = rate / share if share > 0 else None
    text = (
        f"De hotspots van {len(rows)} briefings besloegen gemiddeld {nl_percent(share, 2)} van de "
        f"gemeente en vingen {nl_percent(rate)} van de {n} incidenten in hun dienst (PAI "
        f"{nl_number(pai, 1)}: {nl_number(pai, 1)} keer zoveel als bij willekeurige plekken)"
    )
    return RecordSummary(len(rows), n, hits, rate, share, pai, text)

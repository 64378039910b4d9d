"""One briefing for a date and a shift, as the JSON of `vis briefing --format json`.

:func:`build_briefing` scores the cells from what was known before the shift started, chooses and
merges the hotspots, gives reasons and actions, the shift's priorities (categories and wijken),
what happened since the last briefing (the KPI figures with their test and the notable incidents:
:mod:`briefing.since_last`) and the data freshness. The stored briefing is the one source of all
of it: pages, the PDF and `vis briefing` only show it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from briefing.aoristic import shift_window
from briefing.grid import hotspot_geometry
from briefing.history import UNMAPPED, History
from briefing.params import Rules
from briefing.reasons import hotspot_actions, hotspot_reasons, near_repeat_series, nl_number
from briefing.scoring import CellScores, score_cells
from briefing.selection import select_hotspots
from briefing.since_last import since_last

UNMAPPED_LABEL = "Overig (zonder categorie)"


@dataclass(frozen=True)
class BriefingContext:
    """What a briefing needs besides the history and the rules."""

    municipality: str
    rules_version: str
    crs: str
    labels: Mapping[str, str]
    area_names: Mapping[str, str]
    study: npt.NDArray[np.bool_] | None = None


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def _label(ctx: BriefingContext, code: str) -> str:
    return UNMAPPED_LABEL if code == UNMAPPED else ctx.labels.get(code, code)


def _hotspots(
    h: History, s: CellScores, rules: Rules, ctx: BriefingContext
) -> list[dict[str, Any]]:
    cats = np.array(h.categories, dtype=object)
    shift = h.shifts[s.shift].name
    out = []
    for rank, members in enumerate(select_hotspots(s, h.frame, rules.selection, ctx.study), 1):
        inside = s.used[np.isin(h.cell[s.used], members)]
        contrib = s.per_category[:, members].sum(axis=1)
        total = float(contrib.sum())
        shares = {str(cats[k]): float(contrib[k]) / total for k in np.flatnonzero(contrib > 0)}
        counts = Counter(cats[h.cat[inside]].tolist())
        order = sorted(counts, key=lambda c: (-shares.get(c, 0.0), c))
        areas = Counter(a for a in h.area[inside].tolist() if a)
        wijk_code = min(areas, key=lambda a: (-areas[a], a)) if areas else ""
        streets = tuple(
            name
            for name, _ in sorted(
                Counter(h.street[inside].tolist()).items(), key=lambda kv: (-kv[1], kv[0])
            )
            if name
        )
        series = near_repeat_series(h, s, members, rules)
        labels = {c: _label(ctx, c) for c in h.categories}
        wijk = ctx.area_names.get(wijk_code, wijk_code)
        out.append(
            {
                "rank": rank,
                "id": h.frame.cell_id(int(members[0])),
                "score": round(total, 4),
                "cells": [h.frame.cell_id(int(c)) for c in members],
                "geometry": hotspot_geometry(h.frame, members.tolist(), ctx.crs),
                "area": {"code": wijk_code, "name": wijk} if wijk_code else None,
                "streets": list(streets[: rules.selection.max_streets]),
                "categories": [
                    {"code": c, "label": labels[c], "count": int(counts[c])}
                    for c in order[: rules.selection.max_categories]
                ],
                "reasons": hotspot_reasons(h, s, members, inside, series, rules, labels, shares),
                "actions": hotspot_actions(rules, shift, shares, series, streets, wijk, labels),
            }
        )
    return out


def _cell_areas(
    cells: npt.NDArray[np.int64], areas: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Each cell with an incident in an area, and the area most of its incidents lie in (ties:
    the first code), ordered by cell."""
    located = areas != ""
    cells, areas = cells[located], areas[located]
    if not cells.size:
        return cells, areas
    code, codes = pd.factorize(areas, sort=True)  # hashing, then the few codes sorted
    pairs, n = np.unique(cells * codes.size + code, return_counts=True)
    cell, code = np.divmod(pairs, codes.size)
    order = np.lexsort((code, -n, cell))
    first = np.ones(order.size, dtype=bool)
    first[1:] = cell[order[1:]] != cell[order[:-1]]
    chosen = order[first]
    return cell[chosen], codes[code[chosen]]


def _priorities(
    h: History, s: CellScores, rules: Rules, ctx: BriefingContext
) -> dict[str, list[dict[str, Any]]]:
    bp = rules.briefing
    study = ctx.study
    # without a study area every cell counts: the same sums without copying the scores first
    per_cat = (s.per_category if study is None else s.per_category[:, study]).sum(axis=1)
    grand = float(per_cat.sum()) or 1.0
    cats = [
        {
            "code": h.categories[k],
            "label": _label(ctx, h.categories[k]),
            "share": round(float(per_cat[k]) / grand, 3),
        }
        for k in np.argsort(-per_cat, kind="stable")[: bp.priority_categories]
        if per_cat[k] > 0
    ]
    areas: list[dict[str, Any]] = []
    cell, area = _cell_areas(h.cell[s.used], h.area[s.used])
    if study is not None:
        keep = study[cell]
        cell, area = cell[keep], area[keep]
    if cell.size:
        score = pd.Series(s.total[cell], index=area)
        by_area = score.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
        total = float(by_area.sum()) or 1.0
        areas = [
            {
                "code": str(code),
                "name": ctx.area_names.get(str(code), str(code)),
                "share": round(float(v) / total, 3),
            }
            for code, v in by_area.head(bp.priority_areas).items()
        ]
    return {"categories": cats, "areas": areas}


def build_briefing(
    h: History, rules: Rules, day: dt.date, shift_name: str, ctx: BriefingContext
) -> dict[str, Any]:
    """The briefing of ``shift_name`` on ``day``; only incidents known before its start count."""
    shift = h.shift_index(shift_name)
    start, end = shift_window(day, h.shifts[shift], h.timezone)
    cutoff_s = int(start.timestamp())
    scores = score_cells(h, cutoff_s, shift, day.weekday(), rules)
    known_before = h.known_s[h.known_s < cutoff_s]
    data_until = int(known_before.max()) if known_before.size else None
    age_h = (cutoff_s - data_until) / 3600 if data_until is not None else None
    fresh = age_h is not None and age_h <= rules.briefing.stale_hours
    excluded = [{"code": c, "label": ctx.labels.get(c, c)} for c in rules.excluded]
    notes = [
        "Niet meegeteld in de hotspots (registraties die handhaving en politie vooral zelf "
        "maken): " + ", ".join(e["label"] for e in excluded) + "."
    ]
    if not fresh:
        notes.append(
            "Let op: de gegevens zijn niet actueel"
            + (f" (laatste kennisname {nl_number(age_h, 0)} uur voor de dienst)." if age_h else ".")
        )
    return {
        "municipality": ctx.municipality,
        "date": day.isoformat(),
        "shift": shift_name,
        "shift_label": h.shifts[shift].label or shift_name,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "cutoff": start.isoformat(),
        "data_until": _iso(data_until) if data_until is not None else None,
        "data_fresh": fresh,
        "data_age_hours": round(age_h, 1) if age_h is not None else None,
        "rules_version": ctx.rules_version,
        "hotspots": _hotspots(h, scores, rules, ctx),
        "priorities": _priorities(h, scores, rules, ctx),
        "since_last": since_last(
            h,
            cutoff_s,
            rules.briefing,
            rules.excluded,
            lambda c: _label(ctx, c),
            ctx.area_names,
        ),
        "excluded_categories": excluded,
        "notes": notes,
    }

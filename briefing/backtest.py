"""Backtest: how many of the incidents that followed fell in the cells each method chose.

For every day and shift in the range, each method chooses ``selection.top_n`` cells from what was
known before the shift started. The targets are the incidents (outside the feedback guard, inside
the study area) that **began** in that shift, and, second, those that began in the
``backtest.horizon_days`` days from the shift's start. Over all days and shifts:

- hit rate = hits / targets;
- PAI (predictive accuracy index, Chainey et al. 2008) = hit rate / (chosen cells / study cells),
  with the mean number of chosen cells;
- weighted hit rate: the same with every incident weighted by its policy weight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from briefing.aoristic import shift_window
from briefing.baselines import naive_counts, prospective, random_cells
from briefing.history import History
from briefing.inhotspot import in_hotspot_cells
from briefing.params import Rules
from briefing.scoring import DAY_S, score_cells
from briefing.selection import select_cells, top_cells

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

METHODS: tuple[str, ...] = ("vis", "naive_28d", "naive_365d", "prospective", "random")
METHOD_LABELS = {
    "vis": "VIS",
    "naive_28d": "Telling 28 dagen",
    "naive_365d": "Telling 365 dagen",
    "prospective": "Prospective hotspotting",
    "random": "Willekeurig",
}


@dataclass(frozen=True)
class MethodResult:
    method: str
    selections: int
    mean_cells: float
    shift_targets: int
    shift_hits: int
    horizon_targets: int
    horizon_hits: int
    shift_weighted_hit_rate: float
    horizon_weighted_hit_rate: float
    study_cells: int

    def _pai(self, rate: float) -> float:
        share = self.mean_cells / self.study_cells if self.study_cells else 0.0
        return rate / share if share else 0.0

    @property
    def shift_hit_rate(self) -> float:
        return self.shift_hits / self.shift_targets if self.shift_targets else 0.0

    @property
    def horizon_hit_rate(self) -> float:
        return self.horizon_hits / self.horizon_targets if self.horizon_targets else 0.0

    @property
    def shift_pai(self) -> float:
        return self._pai(self.shift_hit_rate)

    @property
    def horizon_pai(self) -> float:
        return self._pai(self.horizon_hit_rate)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": METHOD_LABELS.get(self.method, self.method),
            "selections": self.selections,
            "mean_cells": round(self.mean_cells, 3),
            "study_cells": self.study_cells,
            "shift": {
                "targets": self.shift_targets,
                "hits": self.shift_hits,
                "hit_rate": round(self.shift_hit_rate, 4),
                "pai": round(self.shift_pai, 3),
                "weighted_hit_rate": round(self.shift_weighted_hit_rate, 4),
            },
            "horizon": {
                "targets": self.horizon_targets,
                "hits": self.horizon_hits,
                "hit_rate": round(self.horizon_hit_rate, 4),
                "pai": round(self.horizon_pai, 3),
                "weighted_hit_rate": round(self.horizon_weighted_hit_rate, 4),
            },
        }


def hit_rate_and_pai(
    chosen: IntArray, target_cells: IntArray, study_cells: int
) -> tuple[float, float]:
    """Hit rate and PAI of one selection against the cells of the target incidents."""
    if target_cells.size == 0 or chosen.size == 0:
        return 0.0, 0.0
    rate = float(in_hotspot_cells(target_cells, chosen).mean())
    return rate, rate / (chosen.size / study_cells)


def _targets(
    h: History,
    study: npt.NDArray[np.bool_],
    start_s: int,
    end_s: int,
    wanted: npt.NDArray[np.bool_],
) -> IntArray:
    i0, i1 = np.searchsorted(h.begin_s, [start_s, end_s], side="left")
    idx = np.arange(i0, i1)
    idx = idx[h.usable[i0:i1]]
    return idx[study[h.cell[idx]] & wanted[h.cat[idx]]]


def choosers(
    h: History, rules: Rules, study: npt.NDArray[np.bool_]
) -> dict[str, Callable[[int, int, int, int], IntArray]]:
    """Per method: (cutoff_s, shift, weekday, day_ordinal) → chosen cells."""
    n, bt = rules.selection.top_n, rules.backtest
    study_idx = np.flatnonzero(study).astype(np.int64)

    def vis(cutoff: int, shift: int, weekday: int, _day: int) -> IntArray:
        scores = score_cells(h, cutoff, shift, weekday, rules)
        return select_cells(scores, h.frame, rules.selection, study)

    return {
        "vis": vis,
        "naive_28d": lambda c, s, w, d: top_cells(naive_counts(h, c, 28), study, n),
        "naive_365d": lambda c, s, w, d: top_cells(naive_counts(h, c, 365), study, n),
        "prospective": lambda c, s, w, d: top_cells(
            prospective(h, c, bt.ph_bandwidth_cells, bt.ph_weeks), study, n
        ),
        "random": lambda c, s, w, d: random_cells(study_idx, n, bt.random_seed, d, s),
    }


def run_backtest(
    h: History,
    rules: Rules,
    days: Sequence[dt.date],
    study: npt.NDArray[np.bool_],
    *,
    methods: Sequence[str] = METHODS,
    shifts: Sequence[int] | None = None,
    target_categories: Sequence[str] | None = None,
) -> list[MethodResult]:
    """Score every method on every day and shift; see the module text for the metrics.

    ``target_categories`` limits the targets (not the input) to those categories."""
    names = np.array(h.categories, dtype=object)
    wanted = (
        np.ones(names.size, bool)
        if target_categories is None
        else np.isin(names, list(target_categories))
    )
    pick = choosers(h, rules, study)
    shift_ids = list(range(len(h.shifts))) if shifts is None else list(shifts)
    horizon = rules.backtest.horizon_days * DAY_S
    # per method: selections, cells, shift targets, hits, horizon targets, hits, and the
    # policy-weighted hits and targets of both
    acc = {m: np.zeros(10) for m in methods}
    for day in days:
        for s in shift_ids:
            start, end = shift_window(day, h.shifts[s], h.timezone)
            start_s, end_s = int(start.timestamp()), int(end.timestamp())
            in_shift = _targets(h, study, start_s, end_s, wanted)
            in_horizon = _targets(h, study, start_s, start_s + horizon, wanted)
            w_s = h.weights[h.cat[in_shift]]
            w_h = h.weights[h.cat[in_horizon]]
            for m in methods:
                chosen = pick[m](start_s, s, day.weekday(), day.toordinal())
                hit_s = in_hotspot_cells(h.cell[in_shift], chosen)
                hit_h = in_hotspot_cells(h.cell[in_horizon], chosen)
                acc[m] += (
                    1,
                    chosen.size,
                    in_shift.size,
                    hit_s.sum(),
                    in_horizon.size,
                    hit_h.sum(),
                    w_s[hit_s].sum(),
                    w_s.sum(),
                    w_h[hit_h].sum(),
                    w_h.sum(),
                )
    results = []
    for m in methods:
        a = acc[m]
        w = a[6:]
        results.append(
            MethodResult(
                method=m,
                selections=int(a[0]),
                mean_cells=float(a[1] / a[0]) if a[0] else 0.0,
                shift_targets=int(a[2]),
                shift_hits=int(a[3]),
                horizon_targets=int(a[4]),
                horizon_hits=int(a[5]),
                shift_weighted_hit_rate=float(w[0] / w[1]) if w[1] else 0.0,
                horizon_weighted_hit_rate=float(w[2] / w[3]) if w[3] else 0.0,
                study_cells=int(study.sum()),
            )
        )
    return results

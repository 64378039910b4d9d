"""The headline backtest: VIS against the naive 365-day count with the same area.

For every day and shift, VIS chooses its hotspot cells from what was known before the shift's
start. Against that area the naive 365-day count (incidents per cell that began in the 365 days
before the cut-off) takes its best cells covering **the same area**, on two lattices: the 125 m
cells of the CAS grid and the finest lattice VIS itself uses (they are the same when VIS scores on
125 m cells). When the area is not a whole number of the lattice's cells, the last cell counts with
the fraction that fits (its hits too), so the areas are exactly equal.

The targets are the incidents (outside the feedback guard, inside the study area) that **begin in
the shift's hours** on the ``backtest.horizon_days`` days from the shift's start. A hit is a target
whose point lies in a chosen cell; the lattice only decides which cells are chosen.

Reported per method: hits, hit rate and PAI (hit rate / share of the study area chosen); per
comparison the ratio of hits with a 95 % interval from a paired bootstrap over days (a day's hits
of both methods are resampled together), and the mean daily difference with its t-interval. When
briefing days lie closer together than the horizon, one incident is a target of several days, so
the intervals resample blocks of consecutive days and the t-interval's standard error allows for
the dependence (:mod:`briefing.day_intervals`; ``interval_block_days`` in the report). The
same is done at fixed shares (0.5, 1 and 2 %) of the active cells: the 125 m study cells with at
least one incident in the 365 days before the cut-off; there VIS takes its best-scored cells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from briefing.aoristic import shift_window
from briefing.day_intervals import block_length, difference_interval, ratio_interval
from briefing.grid import Frame
from briefing.history import History
from briefing.params import Rules
from briefing.scoring import score_cells, used_incidents
from briefing.selection import select_cells, top_cells

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The CAS grid's cell size: the lattice a supervisor's own map of last year would use.
COARSE_M = 125.0
#: Fixed shares of the active cells that every method is also measured at.
SHARES: tuple[float, ...] = (0.005, 0.01, 0.02)
#: Days of the naive count.
NAIVE_DAYS = 365


@dataclass(frozen=True)
class Lattice:
    """Another lattice over the same incidents: each incident's cell and the study cells on it."""

    frame: Frame
    cell: IntArray
    study: BoolArray

    @property
    def cell_area(self) -> float:
        return self.frame.grid.size**2


def lattice(h: History, study: BoolArray, size: float) -> Lattice:
    """The lattice of ``size`` metres on ``h``'s grid origin; a cell belongs to the study area
    when its centre lies in a study cell of ``h``'s frame."""
    if size == h.frame.grid.size:
        return Lattice(h.frame, h.cell, study)
    # the same class as the history's grid (wherever it lives), another cell size
    grid = type(h.frame.grid)(size, h.frame.grid.origin_x, h.frame.grid.origin_y)
    frame = Frame.around(grid, h.x, h.y)
    cx, cy = frame.centres(np.arange(frame.size))
    parent = h.frame.flat_index(cx, cy)
    own = np.zeros(frame.size, dtype=bool)
    own[parent >= 0] = study[parent[parent >= 0]]
    return Lattice(frame, frame.flat_index(h.x, h.y), own)


def naive_on(h: History, lat: Lattice, cutoff_s: int, days: int = NAIVE_DAYS) -> FloatArray:
    """Incidents per cell of ``lat`` that began in the ``days`` before the cut-off."""
    idx = used_incidents(h, cutoff_s, days)
    cells = lat.cell[idx]
    return np.bincount(cells[cells >= 0], minlength=lat.frame.size).astype(float)


def area_hits(ranked: IntArray, n_cells: float, target_cells: IntArray) -> float:
    """Hits of the first ``n_cells`` cells of ``ranked`` (best first); a fractional last cell
    counts with its fraction of the hits in it."""
    whole = min(math.floor(n_cells + 1e-9), ranked.size)
    hits = float(np.isin(target_cells, ranked[:whole]).sum())
    part = n_cells - whole
    if part > 1e-9 and whole < ranked.size:
        hits += part * float((target_cells == ranked[whole]).sum())
    return hits


def shift_targets(
    h: History, study: BoolArray, day: dt.date, shift: int, horizon_days: int
) -> IntArray:
    """Usable study incidents that begin in ``shift``'s hours on the horizon's days."""
    parts = []
    for i in range(horizon_days):
        start, end = shift_window(day + dt.timedelta(days=i), h.shifts[shift], h.timezone)
        i0, i1 = np.searchsorted(h.begin_s, [start.timestamp(), end.timestamp()], side="left")
        parts.append(np.arange(i0, i1))
    idx = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    idx = idx[h.usable[idx]]
    return idx[study[h.cell[idx]]].astype(np.int64)


@dataclass(frozen=True)
class VisChoice:
    """What VIS chose for one shift: its hotspot cells and its full ranking (best first)."""

    chosen: IntArray
    ranked: IntArray


Chooser = Callable[[int, int, int], VisChoice]


def vis_chooser(h: History, rules: Rules, study: BoolArray, depth: int) -> Chooser:
    """VIS on the production path: ``score_cells`` and ``select_cells``; the ranking covers the
    ``depth`` best eligible cells (for the fixed shares)."""

    def choose(cutoff_s: int, shift: int, weekday: int) -> VisChoice:
        scores = score_cells(h, cutoff_s, shift, weekday, rules)
        chosen = select_cells(scores, h.frame, rules.selection, study)
        eligible = (scores.evidence >= rules.selection.min_evidence) & study
        return VisChoice(chosen, top_cells(scores.total, eligible, depth))

    return choose


def _ratio(vis: FloatArray, other: FloatArray, block: int, seed: int) -> dict[str, Any]:
    """Ratio of summed hits with its paired (block) bootstrap 95 % interval over days, and the
    mean daily difference with its t-interval (:mod:`briefing.day_intervals`)."""
    total_v, total_o = float(vis.sum()), float(other.sum())
    out: dict[str, Any] = {
        "ratio": round(total_v / total_o, 4) if total_o else None,
        "ratio_ci95": None,
        "mean_daily_difference": None,
        "difference_ci95": None,
    }
    if vis.size == 0:
        return out
    diff = vis - other
    out["mean_daily_difference"] = round(float(diff.mean()), 4)
    out["difference_ci95"] = difference_interval(diff, block)
    out["ratio_ci95"] = ratio_interval(vis, other, block, seed)
    return out


@dataclass
class _Tally:
    """Per method: hits per day, summed area (m²) and selections."""

    hits: FloatArray
    area: float = 0.0
    selections: int = 0


def _summary(
    tallies: dict[str, _Tally], targets: FloatArray, study_area: float, block: int, seed: int
) -> dict[str, Any]:
    n_targets = float(targets.sum())
    methods: dict[str, Any] = {}
    for name, t in tallies.items():
        hits = float(t.hits.sum())
        rate = hits / n_targets if n_targets else 0.0
        mean_area = t.area / t.selections if t.selections else 0.0
        share = mean_area / study_area if study_area else 0.0
        methods[name] = {
            "hits": round(hits, 3),
            "hit_rate": round(rate, 5),
            "mean_area_m2": round(mean_area, 1),
            "pai": round(rate / share, 3) if share else 0.0,
        }
    vis = tallies["vis"].hits
    ratios = {
        f"vis_vs_{name}": _ratio(vis, t.hits, block, seed)
        for name, t in tallies.items()
        if name != "vis"
    }
    return {"targets": int(n_targets), "methods": methods, "ratios": ratios}


def run_equal_area(
    h: History,
    rules: Rules,
    days: Sequence[dt.date],
    study: BoolArray,
    *,
    shifts: Sequence[int] | None = None,
    shares: Sequence[float] = SHARES,
    coarse_m: float = COARSE_M,
    chooser: Chooser | None = None,
) -> dict[str, Any]:
    """The equal-area measure over ``days`` × ``shifts``; see the module text."""
    fine_m = h.frame.grid.size
    coarse = lattice(h, study, coarse_m)
    lattices = {"naive_365d_125m": coarse, "naive_365d_fine": Lattice(h.frame, h.cell, study)}
    vis_area = h.frame.grid.size**2
    shift_ids = list(range(len(h.shifts))) if shifts is None else list(shifts)
    n_days = len(days)
    names = ("vis", *lattices)
    head = {m: _Tally(np.zeros(n_days)) for m in names}
    fixed = {s: {m: _Tally(np.zeros(n_days)) for m in names} for s in shares}
    targets = np.zeros(n_days)
    # the deepest ranking the shares need: 2 % of all 125 m study cells, on VIS's lattice
    depth = math.ceil(max(shares, default=0) * coarse.study.sum() * coarse.cell_area / vis_area)
    pick = chooser or vis_chooser(h, rules, study, max(depth + 1, rules.selection.top_n))
    horizon = rules.backtest.horizon_days
    for d, day in enumerate(days):
        for s in shift_ids:
            start, _ = shift_window(day, h.shifts[s], h.timezone)
            cutoff = int(start.timestamp())
            idx = shift_targets(h, study, day, s, horizon)
            targets[d] += idx.size
            choice = pick(cutoff, s, day.weekday())
            counts = {m: naive_on(h, lat, cutoff) for m, lat in lattices.items()}
            ranked = {
                m: top_cells(counts[m], lat.study, lat.frame.size) for m, lat in lattices.items()
            }
            area = choice.chosen.size * vis_area
            head["vis"].hits[d] += np.isin(h.cell[idx], choice.chosen).sum()
            for m, lat in lattices.items():
                head[m].hits[d] += area_hits(ranked[m], area / lat.cell_area, lat.cell[idx])
            for tally in head.values():
                tally.area += area
                tally.selections += 1
            active = float(((counts["naive_365d_125m"] > 0) & coarse.study).sum())
            for share in shares:
                area_s = share * active * coarse.cell_area
                row = fixed[share]
                row["vis"].hits[d] += area_hits(choice.ranked, area_s / vis_area, h.cell[idx])
                for m, lat in lattices.items():
                    row[m].hits[d] += area_hits(ranked[m], area_s / lat.cell_area, lat.cell[idx])
                for tally in row.values():
                    tally.area += area_s
                    tally.selections += 1
    study_area = float(study.sum()) * vis_area
    seed = rules.backtest.random_seed
    block = block_length(days, horizon)
    return {
        "lattice_m": {"vis": fine_m, "coarse": coarse_m, "fine": fine_m},
        "horizon_days": horizon,
        "days": n_days,
        "shifts": len(shift_ids),
        "interval_block_days": block,
        "study_area_km2": round(study_area / 1e6, 3),
        "hotspot_area": _summary(head, targets, study_area, block, seed),
        "shares": [
            {"share": share, **_summary(fixed[share], targets, study_area, block, seed)}
            for share in shares
        ],
    }


def step_days(first: dt.date, last: dt.date, every: int = 1) -> list[dt.date]:
    """Every ``every``-th day from ``first`` to ``last`` (inclusive)."""
    return [first + dt.timedelta(days=i) for i in range(0, (last - first).days + 1, every)]


def _ci(pair: list[float] | None) -> str:
    return f"{pair[0]:.2f}–{pair[1]:.2f}" if pair else "–"


def format_equal_area(report: dict[str, Any]) -> str:
    """The measure as a short Dutch table for the command line."""
    lat = report["lattice_m"]
    labels = {
        "vis": "VIS",
        "naive_365d_125m": "Telling 365 dagen, 125 m",
        "naive_365d_fine": f"Telling 365 dagen, {lat['fine']:g} m",
    }
    lines = [
        f"Gelijke oppervlakte (doelen: incidenten in de diensturen van de "
        f"{report['horizon_days']} dagen erna; VIS-rooster {lat['vis']:g} m)",
        f"{'oppervlakte':14s} {'methode':28s} {'treffers':>9s} {'PAI':>7s} "
        f"{'VIS/deze':>9s} {'95%-interval':>13s}",
    ]
    rows = [("hotspots", report["hotspot_area"])] + [
        (f"{100 * s['share']:g}% actief", s) for s in report["shares"]
    ]
    for name, part in rows:
        for method, m in part["methods"].items():
            ratio = part["ratios"].get(f"vis_vs_{method}")
            r_text = f"{ratio['ratio']:.2f}" if ratio and ratio["ratio"] is not None else ""
            ci = _ci(ratio["ratio_ci95"]) if ratio else ""
            lines.append(
                f"{name:14s} {labels.get(method, method):28s} {m['hits']:9.1f} {m['pai']:7.1f} "
                f"{r_text:>9s} {ci:>13s}"
            )
            name = ""
    block = report.get("interval_block_days", 1)
    if report["days"] < 2 * block:
        lines.append(
            f"Geen intervallen: te weinig dagen (minstens {2 * block} nodig"
            + (f", in 2 blokken van {block} opeenvolgende dagen)." if block > 1 else ").")
        )
    elif block > 1:
        lines.append(
            f"Intervallen: een incident is doel van meerdere dagen, dus blokken van {block} "
            "opeenvolgende dagen."
        )
    return "\n".join(lines)

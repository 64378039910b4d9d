"""The equal-area measure of the backtest, recomputed by hand on a small case.

VIS's lattice here is 62.5 m (the finest), the CAS lattice 125 m. History before the cut-off, as
(point, count): (100, 100) ×4, (300, 40) ×3, (190, 100) ×2, (10, 10) ×1. On 62.5 m cells (col, row)
that is (1,1)=4, (4,0)=3, (3,1)=2, (0,0)=1; on 125 m cells (0,0)=5, (2,0)=3, (1,0)=2.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from briefing.equal_area import (
    VisChoice,
    area_hits,
    format_equal_area,
    lattice,
    run_equal_area,
    shift_targets,
)
from briefing.history import History, prepare
from briefing.params import Rules, ShiftDef
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (ShiftDef("avond", "Avond", dt.time(19), dt.time(3)),)
DAY = dt.date(2017, 3, 18)
START = pd.Timestamp("2017-03-18 19:00", tz=TZ)

PAST = [((100, 100), 4), ((300, 40), 3), ((190, 100), 2), ((10, 10), 1)]
# (point, local start): three in the shift's hours on the 7 days, one at 10:00, one on day 8
FUTURE = [
    ((190, 100), "2017-03-19 21:00"),
    ((100, 100), "2017-03-18 20:00"),
    ((120, 120), "2017-03-20 22:00"),
    ((300, 40), "2017-03-19 10:00"),
    ((100, 100), "2017-03-26 20:00"),
]


def incidents() -> pd.DataFrame:
    rows = []
    for (x, y), n in PAST:
        for i in range(n):
            when = START - pd.Timedelta(days=30 + 10 * i)
            rows.append((x, y, when))
    rows += [(x, y, pd.Timestamp(t, tz=TZ)) for (x, y), t in FUTURE]
    begin = pd.Series([r[2] for r in rows]).dt.tz_convert("UTC")
    return pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(len(rows))],
            "category": "woninginbraak",
            "street": "Hof",
            "begin_at": begin,
            "end_at": pd.NaT,
            "known_at": begin + pd.Timedelta(hours=1),
            "arrests": 0,
            "x": [float(r[0]) for r in rows],
            "y": [float(r[1]) for r in rows],
            "area_code": "WK1",
        }
    )


def history() -> History:
    return prepare(
        incidents(), grid=Grid(62.5, 0.0, 0.0), shifts=SHIFTS, timezone=TZ, rules=Rules()
    )


def flat(h: History, *points: tuple[float, float]) -> np.ndarray:
    xs, ys = zip(*points, strict=True)
    return h.frame.flat_index(np.array(xs, float), np.array(ys, float))


def in_square(x: float, y: float, col: int, row: int, size: float) -> bool:
    return col * size <= x < (col + 1) * size and row * size <= y < (row + 1) * size


def test_targets_are_the_incidents_in_the_shifts_hours_of_the_seven_days() -> None:
    h = history()
    idx = shift_targets(h, np.ones(h.frame.size, bool), DAY, 0, 7)
    got = sorted(zip(h.x[idx].tolist(), h.y[idx].tolist(), strict=True))
    assert got == [(100.0, 100.0), (120.0, 120.0), (190.0, 100.0)]


def test_equal_area_hits_ratios_and_pai_match_a_hand_computation() -> None:
    h = history()
    study = np.ones(h.frame.size, bool)
    # VIS (given here) chose two 62.5 m cells: (3,1) and (0,0), i.e. half a 125 m cell of area
    chosen = flat(h, (190, 100), (10, 10))
    ranked = flat(h, (190, 100), (10, 10), (150, 150), (340, 340))

    def choose(cutoff_s: int, shift: int, weekday: int) -> VisChoice:
        assert cutoff_s == int(START.timestamp()) and shift == 0 and weekday == 5
        return VisChoice(chosen, ranked)

    share = 1 / 3  # of the 3 active 125 m cells: one 125 m cell, four 62.5 m cells
    out = run_equal_area(h, Rules(), [DAY], study, shares=(share,), chooser=choose)

    # independent recomputation with plain loops over the target points
    targets = [(190, 100), (100, 100), (120, 120)]

    def hits(cells: list[tuple[int, int]], size: float) -> int:
        return sum(any(in_square(x, y, c, r, size) for c, r in cells) for x, y in targets)

    vis = hits([(3, 1), (0, 0)], 62.5)
    naive_fine = hits([(1, 1), (4, 0)], 62.5)  # the two best 62.5 m cells: 4 and 3 incidents
    # half of the best 125 m cell (0,0), which holds 2 targets
    naive_coarse = 0.5 * hits([(0, 0)], 125.0)
    assert (vis, naive_fine, naive_coarse) == (1, 2, 1.0)

    head = out["hotspot_area"]
    assert head["targets"] == 3
    m = head["methods"]
    assert m["vis"]["hits"] == vis
    assert m["naive_365d_fine"]["hits"] == naive_fine
    assert m["naive_365d_125m"]["hits"] == naive_coarse
    area = 2 * 62.5**2
    assert m["vis"]["mean_area_m2"] == m["naive_365d_125m"]["mean_area_m2"] == area
    study_area = h.frame.size * 62.5**2
    assert m["vis"]["pai"] == pytest.approx((1 / 3) / (area / study_area), rel=1e-3)
    r = head["ratios"]
    assert r["vis_vs_naive_365d_125m"]["ratio"] == 1.0
    assert r["vis_vs_naive_365d_fine"]["ratio"] == 0.5
    assert r["vis_vs_naive_365d_fine"]["mean_daily_difference"] == -1.0

    fixed = out["shares"][0]["methods"]
    assert fixed["naive_365d_125m"]["hits"] == pytest.approx(hits([(0, 0)], 125.0))  # 2
    assert fixed["naive_365d_fine"]["hits"] == pytest.approx(
        hits([(1, 1), (4, 0), (3, 1), (0, 0)], 62.5)
    )  # 3
    assert fixed["vis"]["hits"] == pytest.approx(hits([(3, 1), (0, 0), (2, 2), (5, 5)], 62.5))


def test_a_fractional_last_cell_counts_with_its_fraction() -> None:
    ranked = np.array([7, 3, 9])
    targets = np.array([3, 3, 7, 9, 1])
    assert area_hits(ranked, 1.0, targets) == 1.0
    assert area_hits(ranked, 1.25, targets) == 1.5
    assert area_hits(ranked, 5.0, targets) == 4.0


def test_a_coarser_lattice_keeps_the_study_area_of_its_centres() -> None:
    h = history()
    study = np.zeros(h.frame.size, bool)
    study[flat(h, (100, 100))] = True  # one 62.5 m cell, (1,1): the centre of 125 m cell (0,0)
    coarse = lattice(h, study, 125.0)
    assert coarse.frame.grid.size == 125.0
    assert int(coarse.study.sum()) == 1
    col, row = coarse.frame.col_row(int(np.flatnonzero(coarse.study)[0]))
    assert (int(col), int(row)) == (0, 0)


def test_daily_briefings_report_block_intervals_and_say_so() -> None:
    h = history()
    study = np.ones(h.frame.size, bool)
    chosen = flat(h, (190, 100), (10, 10))

    def choose(cutoff_s: int, shift: int, weekday: int) -> VisChoice:
        return VisChoice(chosen, chosen)

    days = [DAY - dt.timedelta(days=i) for i in range(28)]
    out = run_equal_area(h, Rules(), days, study, shares=(), chooser=choose)
    assert out["interval_block_days"] == 14  # 7 daily briefings share a target: twice that
    text = format_equal_area(out)
    assert "blokken van 14 opeenvolgende dagen" in text
    weekly = run_equal_area(h, Rules(), days[::7], study, shares=(), chooser=choose)
    assert weekly["interval_block_days"] == 1
    assert "blokken" not in format_equal_area(weekly)

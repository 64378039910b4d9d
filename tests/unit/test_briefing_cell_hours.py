"""Hand-computed checks of the components added for issue 11: this cell's own hours (empirical
Bayes), the decaying long-term level, the fine lattice and the patrollable hotspot shapes."""

from __future__ import annotations

import dataclasses as dc
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from briefing.grid import Frame
from briefing.history import prepare, scoring_grid
from briefing.params import NearRepeatParams, Rules, ScoringParams, SelectionParams, ShiftDef
from briefing.reasons import own_hours_reason
from briefing.scoring import decay_norm, own_hours, score_cells
from briefing.selection import shape_hotspots
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (
    ShiftDef("ochtend", "Ochtend", dt.time(7), dt.time(15)),
    ShiftDef("middag", "Middag", dt.time(15), dt.time(23)),
    ShiftDef("avond", "Avond", dt.time(23), dt.time(7)),
)
CUTOFF = pd.Timestamp("2017-03-18 23:00", tz=TZ).tz_convert("UTC")


def test_own_hours_shrinks_a_cells_share_towards_its_categories_by_its_evidence() -> None:
    # cell 0: 4 incidents, all in the shift (share 1); cell 1: 1 incident outside it (share 0);
    # the categories put a third of their incidents in the shift (prior 1/3); m = 2
    cell = np.array([0, 0, 0, 0, 1])
    share = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    prior = np.full(5, 1 / 3)
    sp = dc.replace(ScoringParams(), cell_profile_prior=2.0)
    rho = own_hours(cell, share, prior, np.ones(5), 3, sp)
    # q0 = (4 + 2/3) / (4 + 2) = 7/9 → ρ = (7/9) / (1/3) = 7/3; q1 = (0 + 2/3) / 3 = 2/9 → ρ = 2/3
    assert rho[0] == pytest.approx(7 / 3)
    assert rho[1] == pytest.approx(2 / 3)
    assert rho[2] == 1.0  # no incidents: no preference
    off = dc.replace(sp, cell_profile=False)
    assert np.array_equal(own_hours(cell, share, prior, np.ones(5), 3, off), np.ones(3))


def test_own_hours_counts_older_incidents_with_their_decay_weight() -> None:
    cell = np.array([0, 0])
    share = np.array([1.0, 0.0])
    prior = np.full(2, 0.5)
    sp = dc.replace(ScoringParams(), cell_profile_prior=1.0)
    rho = own_hours(cell, share, prior, np.array([1.0, 0.5]), 1, sp)
    # N = 1.5, S = 1, P = 0.75: q = (1 + 1 × 0.5) / 2.5 = 0.6 → ρ = 0.6 / 0.5
    assert rho[0] == pytest.approx(1.2)


def _frame(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    begin = pd.to_datetime([pd.Timestamp(t, tz=TZ) for t, _, _ in rows]).tz_convert("UTC")
    return pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(len(rows))],
            "category": "fietsdiefstal",
            "street": "Hof",
            "begin_at": begin,
            "end_at": pd.NaT,
            "known_at": begin + pd.Timedelta(hours=1),
            "arrests": 0,
            "x": [x for _, x, _ in rows],
            "y": [y for _, _, y in rows],
            "area_code": "WK1",
        }
    )


def _plain(**kw: object) -> Rules:
    scoring = dc.replace(
        ScoringParams(),
        neighbour_weight=0.0,
        recent_share=0.0,
        weekday_pseudocount=1e12,
        default_weight=1.0,
        adaptive_smoothing=False,
        **kw,  # type: ignore[arg-type]
    )
    return Rules(scoring=scoring, near_repeat=dc.replace(NearRepeatParams(), weight=0.0))


def test_the_long_term_level_decays_with_its_half_life() -> None:
    # one night incident 0.5 days and one 365.5 days before the cut-off, same 62.5 m cell
    rows = [("2017-03-18 11:00", 100.0, 100.0), ("2016-03-18 11:00", 100.0, 100.0)]
    rules = _plain(long_term_days=1095, long_term_half_life_days=365.0, cell_profile=False)
    h = prepare(_frame(rows), grid=Grid(62.5, 0, 0), shifts=SHIFTS, timezone=TZ, rules=rules)
    s = score_cells(h, int(CUTOFF.timestamp()), 2, 5, rules)
    ages = (int(CUTOFF.timestamp()) - h.begin_s) / 86400
    # both lie outside the avond hours; with profile_shrinkage 0 each counts with the category's
    # mean share (0 here), so use the level without the profile: L = Σ 2^(-a/h) / norm
    expected = np.exp2(-ages / 365.0).sum() / decay_norm(1095, 365.0)
    assert s.long_term.max() == pytest.approx(0.0)
    day = dc.replace(rules, scoring=dc.replace(rules.scoring, profile_shrinkage=1.0))
    s_day = score_cells(h, int(CUTOFF.timestamp()), 0, 5, day)  # ochtend: 11:00 lies in it
    assert s_day.long_term.max() == pytest.approx(expected * 24 / 8)


def test_scoring_grid_keeps_the_origin_and_takes_the_rules_cell_size() -> None:
    base = Grid(125.0, 1000.0, 2000.0)
    fine = scoring_grid(base, Rules())
    assert (fine.size, fine.origin_x, fine.origin_y) == (62.5, 1000.0, 2000.0)
    coarse = dc.replace(Rules(), scoring=dc.replace(Rules().scoring, cell_size_m=125.0))
    assert scoring_grid(base, coarse) is base


def _ranked(frame: Frame, cells: list[tuple[int, int]]) -> np.ndarray:
    return np.array([r * frame.ncols + c for c, r in cells], dtype=np.int64)


def test_hotspots_stay_connected_within_their_square_and_are_a_prefix_of_the_ranking() -> None:
    frame = Frame(Grid(62.5, 0, 0), 0, 0, 20, 20)
    params = dc.replace(SelectionParams(), top_n=40, max_hotspots=2, max_hotspot_m=250.0)
    # best first: a row of 5 cells (only 4 fit in 250 m), then a far cell, then a third far cell
    ranked = _ranked(frame, [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (10, 10), (15, 15), (11, 10)])
    groups = shape_hotspots(frame, ranked, params)
    got = [sorted(frame.col_row(g)[0].tolist()) for g in groups]
    # (5,1) would make the first hotspot 5 cells wide: it starts the second; (10,10) then fits
    # nowhere (two hotspots already) and ends the choice, so (15,15) and (11,10) are not taken
    assert got == [[1, 2, 3, 4], [5]]
    assert sum(g.size for g in groups) == 5


def test_the_cell_budget_ends_the_choice() -> None:
    frame = Frame(Grid(62.5, 0, 0), 0, 0, 10, 10)
    params = dc.replace(SelectionParams(), top_n=3)
    ranked = _ranked(frame, [(1, 1), (5, 5), (8, 8), (1, 2)])
    assert sum(g.size for g in shape_hotspots(frame, ranked, params)) == 3


def test_a_reason_names_this_cells_own_hours_when_they_raised_the_score() -> None:
    # six night incidents in one cell, six daytime ones elsewhere: the category is half night
    rows = [(f"2017-0{m}-0{d} 01:00", 100.0, 100.0) for m in (1, 2) for d in (3, 4, 5)]
    rows += [(f"2017-0{m}-0{d} 12:00", 900.0, 900.0) for m in (1, 2) for d in (3, 4, 5)]
    rules = _plain(cell_profile_prior=2.0)
    h = prepare(_frame(rows), grid=Grid(62.5, 0, 0), shifts=SHIFTS, timezone=TZ, rules=rules)
    s = score_cells(h, int(CUTOFF.timestamp()), 2, 5, rules)
    night = h.frame.flat_index(np.array([100.0]), np.array([100.0]))
    inside = s.used[np.isin(h.cell[s.used], night)]
    # N = S = the decay weights' sum, P/N = 0.5, m = 2: q = (N + 1) / (N + 2) → ρ = 2q
    n = float(np.exp2(-((int(CUTOFF.timestamp()) - h.begin_s[inside]) / 86400) / 365.0).sum())
    assert 5 < n < 6
    assert s.own_hours[night[0]] == pytest.approx(2 * (n + 1) / (n + 2))
    text = own_hours_reason(h, s, night, inside, rules)
    assert text is not None and "eigen uren" in text and "100%" in text and "50%" in text
    day = h.frame.flat_index(np.array([900.0]), np.array([900.0]))
    day_inside = s.used[np.isin(h.cell[s.used], day)]
    assert own_hours_reason(h, s, day, day_inside, rules) is None

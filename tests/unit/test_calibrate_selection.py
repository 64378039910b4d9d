"""Self-calibration (briefing/calibrate.py): the choice by hand, the windows by hand, the search's
shortcut against the production scoring, no look-ahead, and the defaults kept when they win."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from briefing.aoristic import shift_window
from briefing.calibrate import (
    Calibration,
    CalibrationError,
    Tally,
    calibrate,
    decide,
    parts,
    pick_best,
)
from briefing.calibration_params import Candidate, Plan, SearchSpace, calibration_tag
from briefing.grid import Frame
from briefing.history import History, prepare
from briefing.params import Rules, ShiftDef, rules_version
from briefing.scoring import score_cells
from briefing.selection import select_cells
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (
    ShiftDef("ochtend", "Ochtend", dt.time(7), dt.time(15)),
    ShiftDef("middag", "Middag", dt.time(15), dt.time(23)),
    ShiftDef("avond", "Avond", dt.time(19), dt.time(3)),
)
GRID = Grid(62.5, 0.0, 300000.0)
UNTIL = dt.date(2017, 6, 30)
DEFAULTS = Candidate(365.0, 0.1, 20.0)
PLAN = Plan(UNTIL, tuning_days=56, validation_days=28, every_days=6)


def incidents(seed: int = 3, n: int = 1500, days: float = 500.0) -> pd.DataFrame:
    """``n`` incidents in the ``days`` before the cut-off around a few places, some with series."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(UNTIL + dt.timedelta(days=1), tz=TZ).tz_convert("UTC")
    begin = end - pd.to_timedelta(rng.uniform(0.01, days, n), unit="D")
    centre = rng.integers(0, 6, n)
    cats = rng.choice(["woninginbraak", "fietsdiefstal", "overlast_jeugd", "verkeer"], n)
    return pd.DataFrame(
        {
            "id": [f"i{seed}_{i}" for i in range(n)],
            "category": cats,
            "street": rng.choice(["Hof", "Langestraat", "Kamp"], n),
            "begin_at": begin,
            "end_at": begin + pd.to_timedelta(rng.choice([0, 1, 3], n), unit="h"),
            "known_at": begin + pd.Timedelta(hours=2),
            "arrests": 0,
            "x": 155000.0 + (centre % 3) * 500 + rng.normal(0, 70, n),
            "y": 463000.0 + (centre // 3) * 500 + rng.normal(0, 70, n),
            "area_code": "WK030701",
        }
    )


def history(frame: pd.DataFrame, rules: Rules, grid_frame: Frame | None = None) -> History:
    return prepare(frame, grid=GRID, shifts=SHIFTS, timezone=TZ, rules=rules, frame=grid_frame)


def study_of(h: History) -> np.ndarray:
    study = np.zeros(h.frame.size, dtype=bool)
    study[h.frame.flat_index(np.array([155500.0]), np.array([463250.0]))[0]] = True
    # every cell within 1 km of the places: a fixed study area, whatever the incidents
    x, y = h.frame.centres(np.arange(h.frame.size))
    return np.asarray((np.abs(x - 155500) < 1000) & (np.abs(y - 463250) < 800))


# --- the choice, by hand -------------------------------------------------------------------------


def test_ratio_is_hits_over_the_naive_hits_at_the_same_area() -> None:
    t = Tally().add(3, 2, 10).add(2.0, 2.0, 12)
    assert (t.hits, t.naive_hits, t.cells, t.selections) == (5.0, 4.0, 22, 2)
    assert t.ratio == 1.25
    assert t.as_dict() == {"hits": 5.0, "naive_hits": 4.0, "ratio": 1.25, "mean_cells": 11.0}
    assert Tally().add(2, 0, 5).ratio is None


def test_pick_best_takes_the_highest_ratio_and_the_defaults_on_a_tie() -> None:
    a, b, c = Candidate(182.5, 0.1, 20.0), Candidate(730.0, 0.1, 20.0), Candidate(365.0, 0.3, 5.0)
    tallies = {
        a: Tally(12, 10),  # 1.2
        DEFAULTS: Tally(10, 8),  # 1.25
        b: Tally(15, 12),  # 1.25: a tie with the defaults, who keep it
        c: Tally(9, 6),  # 1.5
    }
    assert pick_best(tallies, DEFAULTS) == c
    del tallies[c]
    assert pick_best(tallies, DEFAULTS) == DEFAULTS
    # a tie between two others: the first in the order given
    assert pick_best({DEFAULTS: Tally(1, 1), a: Tally(3, 2), b: Tally(6, 4)}, DEFAULTS) == a
    # no ratio (the naive count hit nothing) comes last; none at all keeps the defaults
    assert pick_best({DEFAULTS: Tally(0, 0), a: Tally(5, 0), b: Tally(1, 2)}, DEFAULTS) == b
    assert pick_best({DEFAULTS: Tally(0, 0), a: Tally(5, 0)}, DEFAULTS) == DEFAULTS


def test_decide_keeps_the_best_only_when_it_beats_the_defaults_on_validation() -> None:
    best = Candidate(730.0, 0.0, 5.0)
    assert decide(DEFAULTS, DEFAULTS, {DEFAULTS: Tally(1, 1)}) == (
        "defaults",
        "defaults_best",
        DEFAULTS,
    )
    won = {best: Tally(11, 10), DEFAULTS: Tally(10, 10)}  # 1.1 against 1.0
    assert decide(best, DEFAULTS, won) == ("calibrated", "won_validation", best)
    level = {best: Tally(20, 20), DEFAULTS: Tally(10, 10)}  # 1.0 against 1.0: not beaten
    assert decide(best, DEFAULTS, level) == ("defaults", "lost_validation", DEFAULTS)
    lost = {best: Tally(9, 10), DEFAULTS: Tally(10, 10)}
    assert decide(best, DEFAULTS, lost) == ("defaults", "lost_validation", DEFAULTS)
    blind = {best: Tally(3, 0), DEFAULTS: Tally(10, 10)}
    assert decide(best, DEFAULTS, blind) == ("defaults", "not_measurable", DEFAULTS)


# --- the windows, by hand ------------------------------------------------------------------------


def test_the_windows_end_before_the_cut_off_and_never_overlap() -> None:
    plan = Plan(UNTIL, tuning_days=28, validation_days=14, every_days=6)
    assert plan.cutoff(TZ) == dt.datetime(2017, 6, 30, 22, 0, tzinfo=dt.UTC)  # 1 July 00:00 CEST
    tuning, validation = plan.origins(horizon_days=7)
    d = dt.date
    # validation window 17-30 June: the last origin whose 7 days end in it is 23 June
    assert validation == [d(2017, 6, 17), d(2017, 6, 23)]
    # tuning window 20 May - 16 June: the last origin is 9 June (its 7 days end 15 June,
    # its last night shift the morning of 16 June), then every 6 days back
    assert tuning == [d(2017, 5, 22), d(2017, 5, 28), d(2017, 6, 3), d(2017, 6, 9)]
    last_night = shift_window(d(2017, 6, 29), SHIFTS[2], TZ)[1]
    assert last_night <= plan.cutoff(TZ)
    assert (
        shift_window(d(2017, 6, 15), SHIFTS[2], TZ)[1]
        < shift_window(d(2017, 6, 17), SHIFTS[0], TZ)[0]
    )


def test_a_window_without_origins_is_refused() -> None:
    rules = Rules()
    h = history(incidents(n=50), rules)
    short = Plan(UNTIL, tuning_days=56, validation_days=5, every_days=6)
    with pytest.raises(CalibrationError, match="geen briefingdag"):
        calibrate(h, rules, short, study_of(h))


# --- the search space ----------------------------------------------------------------------------


def test_the_search_space_holds_the_defaults_and_only_parameters_that_act() -> None:
    rules = Rules()
    grid = SearchSpace().candidates(rules)
    assert len(grid) == 27 and DEFAULTS in grid and len(set(grid)) == 27
    odd = dataclasses.replace(
        rules, scoring=dataclasses.replace(rules.scoring, long_term_half_life_days=300.0)
    )
    assert sorted({c.long_term_half_life_days for c in SearchSpace().candidates(odd)}) == [
        182.5,
        300.0,
        365.0,
        730.0,
    ]
    flat = dataclasses.replace(
        rules, scoring=dataclasses.replace(rules.scoring, cell_profile=False)
    )
    assert {c.cell_profile_prior for c in SearchSpace().candidates(flat)} == {20.0}
    none = dataclasses.replace(
        rules, near_repeat=dataclasses.replace(rules.near_repeat, categories=())
    )
    assert {c.near_repeat_weight for c in SearchSpace().candidates(none)} == {0.1}


def test_a_candidate_applies_to_new_frozen_rules_and_round_trips() -> None:
    rules = Rules()
    c = Candidate(730.0, 0.0, 5.0)
    applied = c.apply(rules)
    assert Candidate.of(applied) == c and Candidate.of(rules) == DEFAULTS
    assert applied.selection == rules.selection and applied.weights == rules.weights
    assert Candidate.from_dict(c.as_dict()) == c
    with pytest.raises(ValueError, match="exactly"):
        Candidate.from_dict({**c.as_dict(), "extra": 1.0})
    with pytest.raises(ValueError, match="number"):
        Candidate.from_dict({**c.as_dict(), "near_repeat_weight": True})


def test_rules_version_names_the_calibration() -> None:
    text = b"rules"
    plain = rules_version(text, "code")
    tag = calibration_tag("GM0307", 1, DEFAULTS)
    assert rules_version(text, "code", tag) != plain
    assert rules_version(text, "code", tag) == rules_version(text, "code", tag)
    other = calibration_tag("GM0307", 2, DEFAULTS)
    assert rules_version(text, "code", other) != rules_version(text, "code", tag)


# --- the shortcut is the production scoring ------------------------------------------------------


def test_the_searched_scores_are_score_cells_with_each_candidates_rules() -> None:
    rules = Rules()
    h = history(incidents(), rules)
    study = study_of(h)
    cutoff = int(shift_window(dt.date(2017, 6, 1), SHIFTS[2], TZ)[0].timestamp())
    candidates = SearchSpace().candidates(rules)
    for half_life in sorted({c.long_term_half_life_days for c in candidates}):
        p = parts(h, cutoff, 2, 3, rules, half_life)
        for c in (c for c in candidates if c.long_term_half_life_days == half_life):
            reference = score_cells(h, cutoff, 2, 3, c.apply(rules))
            total = p.total(c, rules)
            np.testing.assert_allclose(total, reference.total, rtol=1e-9, atol=1e-12)
            ours = select_cells(
                dataclasses.replace(p.scores, total=total), h.frame, rules.selection, study
            )
            theirs = select_cells(reference, h.frame, rules.selection, study)
            assert ours.tolist() == theirs.tolist()


# --- the whole calibration -----------------------------------------------------------------------


#: A smaller grid where the size of the grid is not the point (the quick loop stays quick).
SMALL = SearchSpace((365.0, 730.0), (0.1, 0.3), (5.0, 20.0))


def run(
    frame: pd.DataFrame,
    rules: Rules,
    grid_frame: Frame | None = None,
    space: SearchSpace | None = SMALL,
    plan: Plan = PLAN,
) -> Calibration:
    h = history(frame, rules, grid_frame)
    return calibrate(h, rules, plan, study_of(h), space=space)


def test_incidents_after_the_cut_off_change_nothing() -> None:
    rules = Rules()
    past = incidents()
    h = history(past, rules)
    before = run(past, rules, h.frame)
    cutoff = pd.Timestamp(PLAN.cutoff(TZ))
    future = incidents(seed=9, n=400, days=60.0)
    # begun after the cut-off, and begun before it but known only after it
    future["begin_at"] = future["begin_at"] + pd.Timedelta(days=61)
    late = incidents(seed=11, n=200, days=30.0)
    late["known_at"] = cutoff + pd.Timedelta(hours=1)
    assert (future["begin_at"] >= cutoff).all() and (late["begin_at"] < cutoff).all()
    after = run(pd.concat([past, future, late], ignore_index=True), rules, h.frame)
    assert after.as_dict() == before.as_dict()
    # and the cut-off does matter: a later one sees them
    later = run(
        pd.concat([past, late], ignore_index=True),
        rules,
        h.frame,
        plan=dataclasses.replace(PLAN, until=UNTIL + dt.timedelta(days=1)),
    )
    assert later.as_dict() != before.as_dict()


def test_the_defaults_stay_when_nothing_beats_them() -> None:
    # No near-repeat category and no cell profile: only the weight varies, which acts on
    # nothing, so every candidate ties with the defaults, who keep their place.
    rules = Rules()
    rules = dataclasses.replace(
        rules, scoring=dataclasses.replace(rules.scoring, cell_profile=False)
    )
    frame = incidents()
    frame = frame[frame["category"] != "woninginbraak"]
    space = SearchSpace(long_term_half_life_days=(365.0,), near_repeat_weight=(0.0, 0.1, 0.3))
    h = history(frame, rules)
    result = calibrate(h, rules, PLAN, study_of(h), space=space)
    assert len(result.tuning.tallies) == 3
    assert len({t.as_dict()["ratio"] for t in result.tuning.tallies.values()}) == 1
    assert (result.outcome, result.reason, result.chosen) == ("defaults", "defaults_best", DEFAULTS)
    report = result.as_dict()
    assert report["chosen"] == report["defaults"] == DEFAULTS.as_dict()
    assert report["validation"]["best"] == report["validation"]["defaults"]


@pytest.mark.slow
def test_a_calibration_reports_both_windows_and_is_deterministic() -> None:
    rules = Rules()
    frame = incidents()
    first, second = run(frame, rules, space=None), run(frame, rules, space=None)
    assert first.as_dict() == second.as_dict()
    report = first.as_dict()
    assert report["tuning"]["origins"] == 9 and report["validation"]["origins"] == 4
    assert report["tuning"]["targets"] >= 30 and report["validation"]["targets"] >= 10
    assert len(report["tuning"]["candidates"]) == 27
    assert report["outcome"] in ("calibrated", "defaults")
    if report["outcome"] == "calibrated":
        assert report["validation"]["best"]["ratio"] > report["validation"]["defaults"]["ratio"]
    else:
        assert report["chosen"] == report["defaults"]


def test_too_few_targets_are_refused() -> None:
    rules = Rules()
    with pytest.raises(CalibrationError, match="doelincidenten"):
        run(incidents(n=60), rules)

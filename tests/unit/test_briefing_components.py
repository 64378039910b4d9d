"""Hand-computed small cases for each scoring component, and the rules file's validation."""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from briefing.aoristic import local_minutes, shift_fractions, shift_masks, shift_window
from briefing.grid import Frame, disk_kernel, eb_smooth, persistence_share, smooth
from briefing.history import prepare
from briefing.params import (
    NearRepeatParams,
    Rules,
    RulesError,
    ScoringParams,
    ShiftDef,
    load_rules,
    parse_rules,
    rules_version,
)
from briefing.scoring import decay_norm, score_cells
from briefing.selection import merge_cells, top_cells
from vis.geo import Grid
from vis.settings import PROJECT_ROOT, load_settings

TZ = "Europe/Amsterdam"
SHIFTS = (
    ShiftDef("ochtend", "Ochtend", dt.time(7), dt.time(15)),
    ShiftDef("middag", "Middag", dt.time(15), dt.time(23)),
    ShiftDef("avond", "Avond", dt.time(19), dt.time(3)),
)
GRID = Grid(125.0, 0.0, 300000.0)
RULES_FILE = PROJECT_ROOT / "config" / "rules.toml"


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ).tz_convert("UTC")


def incidents(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {"street": "Hof", "end_at": pd.NaT, "arrests": 0, "area_code": "WK030701"}
    frame = pd.DataFrame([{**base, "id": f"i{i}", **r} for i, r in enumerate(rows)])
    for c in ("begin_at", "end_at", "known_at"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def plain_rules(**scoring: object) -> Rules:
    """Rules with every refinement off unless asked: no smoothing, shrinkage or weekday factor."""
    params = dict(
        neighbour_weight=0.0,
        profile_shrinkage=0.0,
        recent_share=0.0,
        weekday_pseudocount=1e12,
        default_weight=1.0,
        adaptive_smoothing=False,
        long_term_days=365,
        long_term_half_life_days=0.0,
        cell_profile=False,
    )
    params.update(scoring)
    return Rules(
        scoring=dc.replace(ScoringParams(), **params),  # type: ignore[arg-type]
        near_repeat=dc.replace(NearRepeatParams(), weight=0.0),
    )


# --- aoristic ---------------------------------------------------------------------------------


def test_window_between_eight_and_half_past_five_spreads_over_the_shifts() -> None:
    b = local_minutes(pd.Series([local("2017-03-13 08:00")]), TZ)  # a Monday
    e = local_minutes(pd.Series([local("2017-03-13 17:30")]), TZ)
    frac = shift_fractions(b, e, shift_masks(SHIFTS))[0]
    assert frac[0, 0] == pytest.approx(7 / 9.5)  # ochtend: 08:00-15:00
    assert frac[1, 0] == pytest.approx(2.5 / 9.5)  # middag: 15:00-17:30
    assert frac[2].sum() == 0  # avond: nothing
    assert frac[:, 1:].sum() == 0  # other weekdays: nothing


def test_night_hours_belong_to_the_evening_shift_of_the_day_before() -> None:
    b = local_minutes(pd.Series([local("2017-03-19 01:00")]), TZ)  # Sunday 01:00
    frac = shift_fractions(b, b, shift_masks(SHIFTS))[0]
    assert frac[2, 5] == pytest.approx(1.0)  # Saturday's avond shift
    assert frac.sum() == pytest.approx(1.0)


def test_long_window_is_spread_over_the_whole_week() -> None:
    b = local_minutes(pd.Series([local("2017-03-13 00:00")]), TZ)
    e = local_minutes(pd.Series([local("2017-03-27 00:00")]), TZ)  # two whole weeks (DST inside)
    frac = shift_fractions(b, e, shift_masks(SHIFTS))[0]
    assert frac[0].sum() == pytest.approx(8 / 24, rel=1e-3)
    assert frac[0, 3] == pytest.approx(8 / 24 / 7, rel=1e-3)


def test_shift_window_follows_summer_time() -> None:
    start, end = shift_window(dt.date(2017, 3, 26), SHIFTS[2], TZ)
    assert start == dt.datetime(2017, 3, 26, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2017, 3, 27, 1, 0, tzinfo=dt.UTC)
    start, _ = shift_window(dt.date(2017, 1, 10), SHIFTS[0], TZ)
    assert start == dt.datetime(2017, 1, 10, 6, 0, tzinfo=dt.UTC)


# --- grid -------------------------------------------------------------------------------------


def test_neighbour_smoothing_weights_rook_and_diagonal_neighbours() -> None:
    raster = np.zeros((5, 5))
    raster[2, 2] = 16.0
    out = smooth(raster, 0.5)  # 1-D kernel [0.25, 0.5, 0.25]
    assert out[2, 2] == pytest.approx(4.0)
    assert out[2, 3] == pytest.approx(2.0)
    assert out[3, 3] == pytest.approx(1.0)
    assert out.sum() == pytest.approx(16.0)


def _spikes(*cells: tuple[int, int], value: float = 4.0) -> np.ndarray:
    raster = np.zeros((1, 9, 9))
    for r, c in cells:
        raster[0, r, c] = value
    return raster


def test_persistence_share_is_the_reliability_of_the_deviations() -> None:
    # a spike of a on an empty raster deviates 0.75a in its cell, -0.125a in its 4 rook and
    # -0.0625a in its 4 diagonal neighbours: sum of squares 0.640625 a²
    same = persistence_share(_spikes((4, 4)), _spikes((4, 4)), 0.5)
    assert same.shape == (1, 1, 1) and same[0, 0, 0] == pytest.approx(1.0)
    moved = persistence_share(_spikes((1, 1)), _spikes((7, 7)), 0.5)
    assert moved[0, 0, 0] == 0.0  # nothing in common: take the neighbourhood mean
    # rook-adjacent spikes covary negatively (-0.15625 a²): clipped to 0
    assert persistence_share(_spikes((4, 4)), _spikes((4, 5)), 0.5)[0, 0, 0] == 0.0
    # the same place again plus a new far one: 2 × 10.25 / (10.25 + 20.5) = 2/3
    again = persistence_share(_spikes((2, 2)), _spikes((2, 2), (6, 6)), 0.5)
    assert again[0, 0, 0] == pytest.approx(2 / 3)
    assert persistence_share(_spikes((1, 1)), _spikes((7, 7)), 0.0)[0, 0, 0] == 1.0
    empty = np.zeros((1, 9, 9))
    assert persistence_share(empty, empty, 0.5)[0, 0, 0] == 1.0


def test_eb_smooth_keeps_its_share_of_each_deviation() -> None:
    raster = np.zeros((5, 5))
    raster[2, 2] = 16.0
    out = eb_smooth(raster, 0.5, np.array(0.5))  # smoothed: 4 in the cell, 2 and 1 around it
    assert out[2, 2] == pytest.approx(4.0 + 0.5 * (16.0 - 4.0))
    assert out[2, 3] == pytest.approx(2.0 + 0.5 * (0.0 - 2.0))
    assert out[3, 3] == pytest.approx(0.5)
    assert eb_smooth(raster, 0.5, np.array(1.0))[2, 3] == 0.0
    assert eb_smooth(raster, 0.5, np.array(0.0)) == pytest.approx(smooth(raster, 0.5))


def test_disk_kernel_holds_cells_within_the_distance() -> None:
    assert disk_kernel(200.0, 125.0).sum() == 9  # diagonal centre 177 m, next ring 250 m
    assert disk_kernel(100.0, 125.0).sum() == 1


def test_cell_ids_do_not_depend_on_the_frame() -> None:
    x, y = np.array([155020.0]), np.array([463120.0])
    small = Frame.around(GRID, x, y)
    large = Frame.around(GRID, np.array([155020.0, 120000.0]), np.array([463120.0, 480000.0]))
    assert small.cell_id(int(small.flat_index(x, y)[0])) == "c125_1240_1304"
    assert large.cell_id(int(large.flat_index(x, y)[0])) == "c125_1240_1304"


# --- scoring ----------------------------------------------------------------------------------

X, Y = 155020.0, 463120.0  # cell c125_1240_1304
CUTOFF = local("2017-03-18 19:00")  # Saturday, avond


def _score(frame: pd.DataFrame, rules: Rules, shift: int = 2) -> tuple[np.ndarray, object]:
    h = prepare(frame, grid=GRID, shifts=SHIFTS, timezone=TZ, rules=rules)
    s = score_cells(h, int(CUTOFF.timestamp()), shift, 5, rules)
    return s.total.reshape(h.frame.shape), h


def _evening(day: str, category: str = "fietsdiefstal", **extra: object) -> dict[str, object]:
    t = local(f"{day} 20:00")
    return {
        "category": category,
        "begin_at": t,
        "known_at": t + pd.Timedelta(hours=1),
        "x": X,
        "y": Y,
        **extra,
    }


def test_long_term_level_is_the_daily_rate_times_the_shift_profile() -> None:
    frame = incidents([_evening(d) for d in ("2016-06-01", "2016-09-01", "2017-01-05")])
    total, _ = _score(frame, plain_rules())
    # each incident lies wholly in the avond hours (8 of 24): r = 3; 3 incidents over 365 days
    assert total.max() == pytest.approx(3 * 3 / 365)
    assert np.count_nonzero(total) == 1
    ochtend, _ = _score(frame, plain_rules(), shift=0)
    assert ochtend.max() == 0


def test_profile_shrinkage_mixes_in_the_category_profile() -> None:
    rows = [_evening("2016-06-01"), _evening("2016-09-01")]
    rows.append({**_evening("2017-01-05"), "begin_at": local("2017-01-05 09:00"), "x": X + 1000})
    total, _ = _score(incidents(rows), plain_rules(profile_shrinkage=0.5))
    r_bar = (3 + 3 + 0) / 3
    assert total.max() == pytest.approx(2 * (0.5 * 3 + 0.5 * r_bar) / 365)
    assert sorted(total[total > 0])[0] == pytest.approx((0.5 * 0 + 0.5 * r_bar) / 365)


def test_adaptive_smoothing_keeps_a_place_that_stays_hot() -> None:
    # one incident in each half of the long-term window, in the same cell: share 1
    frame = incidents([_evening("2016-06-01"), _evening("2017-02-01")])
    total, _ = _score(frame, plain_rules(neighbour_weight=0.5, adaptive_smoothing=True))
    assert total.max() == pytest.approx(2 * 3 / 365)
    assert np.count_nonzero(total) == 1
    plain, _ = _score(frame, plain_rules(neighbour_weight=0.5))
    assert plain.max() == pytest.approx(0.25 * 2 * 3 / 365)  # plain smoothing spreads it
    # the second incident 500 m away: nothing persisted, so plain smoothing again
    moved = incidents([_evening("2016-06-01"), {**_evening("2017-02-01"), "x": X + 500}])
    total, _ = _score(moved, plain_rules(neighbour_weight=0.5, adaptive_smoothing=True))
    assert total.max() == pytest.approx(0.25 * 3 / 365)


def test_recent_activity_decays_with_its_half_life() -> None:
    frame = incidents([_evening("2017-03-04")])  # 14 days before the cut-off
    rules = plain_rules(recent_share=1.0, recent_half_life_days=14.0, recent_days=90)
    total, _ = _score(frame, rules)
    age = (CUTOFF - local("2017-03-04 20:00")).total_seconds() / 86400
    assert total.max() == pytest.approx(3 * 2 ** (-age / 14.0) / decay_norm(90, 14.0))


def test_near_repeat_raises_the_cells_within_the_window() -> None:
    frame = incidents([_evening("2017-03-11", "woninginbraak")])
    rules = dc.replace(
        plain_rules(),
        near_repeat=NearRepeatParams(("woninginbraak",), 200.0, 14, 1.0, 2),
    )
    total, _ = _score(frame, rules)
    age = (CUTOFF - local("2017-03-11 20:00")).total_seconds() / 86400
    boost = 3 * (1 - age / 14) / 14
    assert np.count_nonzero(total) == 9
    assert total.max() == pytest.approx(3 / 365 + boost)  # the own cell: level plus boost
    assert np.count_nonzero(np.isclose(total, boost)) == 8  # the 8 neighbours within 200 m


def test_weekday_factor_follows_the_category_pattern() -> None:
    days = ["2017-03-04", "2017-03-11", "2017-02-25", "2017-03-08"]  # three Saturdays, a Wednesday
    rules = plain_rules(weekday_pseudocount=0.0)
    total, _ = _score(incidents([_evening(d) for d in days]), rules)
    assert total.max() == pytest.approx(4 * 3 / 365 * 7 * 3 / 4)


def test_policy_weight_multiplies_and_the_feedback_guard_leaves_out() -> None:
    rows = [_evening("2017-01-05", "woninginbraak"), _evening("2017-01-06", "verkeer")]
    rules = dc.replace(plain_rules(), weights={"woninginbraak": 2.0})
    total, h = _score(incidents(rows), rules)
    assert total.max() == pytest.approx(2 * 3 / 365)
    assert not h.usable[np.array(h.categories)[h.cat] == "verkeer"].any()


# --- selection --------------------------------------------------------------------------------


def test_top_cells_breaks_ties_by_cell_and_skips_ineligible() -> None:
    score = np.array([1.0, 3.0, 3.0, 0.0, 2.0])
    eligible = np.array([True, True, True, True, False])
    assert top_cells(score, eligible, 2).tolist() == [1, 2]
    assert top_cells(score, eligible, 10).tolist() == [1, 2, 0]


def test_merging_keeps_rook_neighbours_together_up_to_the_limit() -> None:
    frame = Frame(GRID, 0, 0, 4, 3)
    score = np.zeros(12)
    cells = np.array([0, 1, 2, 3, 6, 11])  # a row of four, one diagonal-only, one apart
    score[cells] = [5, 4, 3, 2, 1, 6]
    groups = merge_cells(frame, cells, score, max_cells=3)
    as_lists = [g.tolist() for g in groups]
    assert as_lists[0] == [0, 1, 2]
    assert sorted(map(tuple, as_lists[1:])) == [(3,), (6,), (11,)]


def test_single_old_incident_never_makes_a_hotspot() -> None:
    from briefing.selection import select_cells

    frame = incidents([_evening("2016-05-01")])
    h = prepare(frame, grid=GRID, shifts=SHIFTS, timezone=TZ, rules=Rules())
    s = score_cells(h, int(CUTOFF.timestamp()), 2, 5, Rules())
    assert s.total.max() > 0
    assert select_cells(s, h.frame, Rules().selection).size == 0


# --- the rules file ---------------------------------------------------------------------------


def test_rules_file_loads_with_the_configured_categories_and_shifts() -> None:
    settings = load_settings(PROJECT_ROOT / "config" / "vis.toml")
    rules = load_rules(
        RULES_FILE,
        categories={c.key for c in settings.categories},
        shifts={s.name for s in settings.shifts},
    )
    assert rules.weight("woninginbraak") > 1 and rules.weight("overlast_jeugd") > 1
    assert set(rules.excluded) == {"drugsbezit", "verkeer", "handhaving_eigen"}
    assert any("hangplekken" in a.text for a in rules.actions)


def test_every_rules_key_is_documented() -> None:
    lines = RULES_FILE.read_text(encoding="utf-8").splitlines()
    comments = "\n".join(line for line in lines if line.startswith("#"))
    table_documented = in_action = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            in_action = stripped == "[[action]]"
            table_documented = i + 1 < len(lines) and lines[i + 1].startswith("#")
            continue
        m = re.match(r"^([A-Za-z_]+)\s*=", stripped)
        if not m:
            continue
        if in_action:  # the keys of [[action]] are documented once, in the block above them
            assert f"{m.group(1)}:" in comments, f"action key {m.group(1)!r} is undocumented"
            continue
        above = lines[i - 1].strip()
        assert above.startswith("#") or table_documented, (
            f"rules.toml line {i + 1}: key {m.group(1)!r} has no comment"
        )


def test_unknown_missing_and_bad_keys_are_refused_with_their_name(tmp_path: Path) -> None:
    raw = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    bad = {**raw, "scoring": {**raw["scoring"], "surprise": 1}}
    with pytest.raises(RulesError, match="surprise"):
        parse_rules(bad)
    missing = {**raw, "scoring": {k: v for k, v in raw["scoring"].items() if k != "recent_days"}}
    with pytest.raises(RulesError, match="recent_days"):
        parse_rules(missing)
    wrong = {**raw, "selection": {**raw["selection"], "top_n": "tien"}}
    with pytest.raises(RulesError, match=r"selection\.top_n"):
        parse_rules(wrong)
    action = {**raw, "action": [{"kind": "category", "categories": ["x"], "text": "{huisnummer}"}]}
    with pytest.raises(RulesError, match="placeholder"):
        parse_rules(action)
    with pytest.raises(RulesError, match="unknown category"):
        parse_rules(raw, categories={"woninginbraak"})
    path = tmp_path / "rules.toml"
    path.write_text("[scoring\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(path)


def test_rules_version_changes_with_the_rules_and_the_code() -> None:
    text = RULES_FILE.read_bytes()
    assert rules_version(text, "a") == rules_version(text, "a")
    assert rules_version(text, "a") != rules_version(text + b"\n", "a")
    assert rules_version(text, "a") != rules_version(text, "b")

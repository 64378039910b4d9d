"""Invariants of the briefing (no look-ahead, determinism, stable ids, privacy) and the backtest
metric recomputed independently on a small case."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from briefing.backtest import hit_rate_and_pai, run_backtest
from briefing.compose import BriefingContext, build_briefing
from briefing.history import prepare
from briefing.params import Rules, ShiftDef, load_rules
from briefing.render import render_html, render_text
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (
    ShiftDef("ochtend", "Ochtend", dt.time(7), dt.time(15)),
    ShiftDef("middag", "Middag", dt.time(15), dt.time(23)),
    ShiftDef("avond", "Avond", dt.time(19), dt.time(3)),
)
GRID = Grid(125.0, 0.0, 300000.0)
DAY = dt.date(2017, 3, 18)
START = pd.Timestamp("2017-03-18 19:00", tz=TZ).tz_convert("UTC")  # avond shift start
CTX = BriefingContext("GM0307", "rtest", "EPSG:28992", {"woninginbraak": "Woninginbraak"}, {})


def history_frame(seed: int = 1, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    begin = START - pd.to_timedelta(rng.uniform(0.5, 400, n), unit="D")
    cats = rng.choice(["woninginbraak", "fietsdiefstal", "overlast_jeugd", "verkeer"], n)
    centre = rng.integers(0, 4, n)
    frame = pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(n)],
            "category": cats,
            "street": rng.choice(["Hof", "Langestraat", "Kamp"], n),
            "begin_at": begin,
            "end_at": begin + pd.to_timedelta(rng.choice([0, 0, 3, 9], n), unit="h"),
            "known_at": begin + pd.Timedelta(hours=2),
            "arrests": rng.choice([0, 0, 0, 1], n),
            "x": 155000.0 + centre * 400 + rng.normal(0, 60, n),
            "y": 463000.0 + rng.normal(0, 60, n),
            "area_code": "WK030701",
        }
    )
    frame.loc[frame["end_at"] == frame["begin_at"], "end_at"] = pd.NaT
    return frame


#: The shipped rules: the invariants hold on the production path.
PRODUCTION = load_rules(Path(__file__).resolve().parents[2] / "config" / "rules.toml")


def brief(frame: pd.DataFrame, rules: Rules | None = None) -> dict[str, object]:
    r = rules or PRODUCTION
    h = prepare(frame, grid=GRID, shifts=SHIFTS, timezone=TZ, rules=r)
    return build_briefing(h, r, DAY, "avond", CTX)


def extra(known_at: pd.Timestamp) -> pd.DataFrame:
    row = {
        "id": "late",
        "category": "woninginbraak",
        "street": "Nieuwestraat",
        "begin_at": START - pd.Timedelta(hours=3),
        "end_at": pd.NaT,
        "known_at": known_at,
        "arrests": 1,
        "x": 155010.0,
        "y": 463010.0,
        "area_code": "WK030701",
    }
    return pd.DataFrame([row])


def test_an_incident_known_one_second_after_the_start_changes_nothing() -> None:
    base = history_frame()
    before = brief(base)
    after = brief(pd.concat([base, extra(START + pd.Timedelta(seconds=1))], ignore_index=True))
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)


def test_an_incident_known_one_second_before_the_start_counts() -> None:
    base = history_frame()
    before = brief(base)
    after = brief(pd.concat([base, extra(START - pd.Timedelta(seconds=1))], ignore_index=True))
    assert after["data_until"] == (START - pd.Timedelta(seconds=1)).isoformat()
    assert [h["score"] for h in after["hotspots"]] != [h["score"] for h in before["hotspots"]]  # type: ignore[index]


def test_the_same_input_gives_the_same_briefing_whatever_the_row_order() -> None:
    base = history_frame()
    shuffled = base.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert json.dumps(brief(base), sort_keys=True) == json.dumps(brief(shuffled), sort_keys=True)


def test_hotspot_ids_stay_the_same_when_far_away_data_widens_the_grid() -> None:
    base = history_frame()
    far = extra(START - pd.Timedelta(days=30)).assign(x=120000.0, y=490000.0, category="vernieling")
    ids = [h["id"] for h in brief(base)["hotspots"]]  # type: ignore[index]
    wider = brief(pd.concat([base, far], ignore_index=True))
    assert ids and ids == [h["id"] for h in wider["hotspots"]]  # type: ignore[index]


def test_briefing_holds_the_contract_fields_and_no_house_numbers() -> None:
    frame = history_frame().assign(street="Hof 12")  # a street field that would carry a number
    b = brief(frame.assign(street="Hof"))
    for key in ("municipality", "date", "shift", "window", "data_until", "rules_version"):
        assert key in b
    hotspots = b["hotspots"]
    assert isinstance(hotspots, list) and hotspots
    first = hotspots[0]
    assert {"rank", "id", "score", "geometry", "categories", "reasons", "actions"} <= set(first)
    ring = first["geometry"]["coordinates"][0]
    assert first["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    assert 5.0 < ring[0][0] < 6.0 and 52.0 < ring[0][1] < 52.5  # lon, lat
    assert all({"code", "label", "count"} <= set(c) for c in first["categories"])
    assert all(c["code"] != "verkeer" for h in hotspots for c in h["categories"])
    assert "Verkeer" in " ".join(b["notes"]) or "verkeer" in " ".join(b["notes"])  # type: ignore[arg-type]
    text = json.dumps(b) + render_text(b, TZ)
    assert "12" not in "".join(n["street"] for n in b["since_last"]["notable"])  # type: ignore[index]
    assert "Hof 12" not in text


def test_html_is_self_contained_and_escaped() -> None:
    frame = history_frame().assign(street="<script>alert(1)</script>")
    html = render_html([brief(frame)], TZ)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html and "src=" not in html


def test_hit_rate_and_pai_match_a_hand_count() -> None:
    rate, pai = hit_rate_and_pai(np.array([3, 7]), np.array([3, 3, 5, 7, 9]), study_cells=100)
    assert rate == pytest.approx(3 / 5)
    assert pai == pytest.approx((3 / 5) / (2 / 100))


def test_backtest_counts_recomputed_independently() -> None:
    frame = history_frame(seed=3, n=600)
    frame["begin_at"] = frame["begin_at"] + pd.Timedelta(days=20)  # part of it after the start
    frame["known_at"] = frame["begin_at"] + pd.Timedelta(hours=2)
    rules = PRODUCTION
    h = prepare(frame, grid=GRID, shifts=SHIFTS, timezone=TZ, rules=rules)
    study = np.zeros(h.frame.size, dtype=bool)
    study[np.unique(h.cell[h.usable])] = True
    days = [DAY, DAY + dt.timedelta(days=1)]
    result = {r.method: r for r in run_backtest(h, rules, days, study, methods=("naive_28d",))}
    res = result["naive_28d"]

    # independent recomputation with plain pandas on the original frame
    cells = GRID.cell_ids(frame["x"], frame["y"])
    frame = frame.assign(cell=cells)
    used = frame[frame["category"] != "verkeer"]
    hits = targets = chosen_total = 0
    for day in days:
        for shift in SHIFTS:
            start = pd.Timestamp(dt.datetime.combine(day, shift.start), tz=TZ).tz_convert("UTC")
            end_day = day if shift.end > shift.start else day + dt.timedelta(days=1)
            end = pd.Timestamp(dt.datetime.combine(end_day, shift.end), tz=TZ).tz_convert("UTC")
            known = used[
                (used["known_at"] < start) & (used["begin_at"] >= start - pd.Timedelta(days=28))
            ]
            counts = known.groupby("cell").size().reset_index(name="n")
            # highest count first; ties by row, then column (the grid's flat order)
            parts = counts["cell"].str.split("_", expand=True)
            counts = counts.assign(col=parts[1].astype(int), row=parts[2].astype(int))
            ranked = counts.sort_values(["n", "row", "col"], ascending=[False, True, True])
            top = ranked.head(rules.selection.top_n)
            chosen = set(top["cell"])
            chosen_total += len(chosen)
            target = used[(used["begin_at"] >= start) & (used["begin_at"] < end)]
            targets += len(target)
            hits += int(target["cell"].isin(chosen).sum())
    assert targets > 0 and hits > 0
    assert (res.shift_targets, res.shift_hits) == (targets, hits)
    assert res.mean_cells == pytest.approx(chosen_total / 6)
    expected_rate = hits / targets if targets else 0.0
    assert res.shift_hit_rate == pytest.approx(expected_rate)
    assert res.shift_pai == pytest.approx(expected_rate / (chosen_total / 6 / study.sum()))


def test_rendered_times_are_local_in_the_given_time_zone() -> None:
    b = brief(history_frame())
    start = pd.Timestamp(b["window"]["start"])  # type: ignore[index]
    for zone in (TZ, "America/Toronto"):
        expected = start.tz_convert(zone).strftime("%H:%M")
        assert f"({expected}-" in render_text(b, zone)
        assert f"({expected}-" in render_html([b], zone)

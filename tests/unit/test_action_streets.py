"""Actions name the hotspot's own streets: a near-repeat series reaches further (distance_m) than
the hotspot, and its streets outside the hotspot must not appear in the hotspot's actions (the
finding: an action for "Havik, Arnhemsestraat" named "Varkensmarkt/Zuidsingel")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from briefing.compose import BriefingContext, build_briefing
from briefing.history import prepare
from briefing.params import (
    ActionRule,
    NearRepeatParams,
    Rules,
    ScoringParams,
    SelectionParams,
    ShiftDef,
)
from vis.geo import Grid

TZ = "Europe/Amsterdam"
SHIFTS = (ShiftDef("avond", "Avond", dt.time(19), dt.time(3)),)
GRID = Grid(125.0, 0.0, 300000.0)
DAY = dt.date(2017, 3, 18)
START = pd.Timestamp("2017-03-18 19:00", tz=TZ).tz_convert("UTC")
CTX = BriefingContext("GM0307", "rtest", "EPSG:28992", {"woninginbraak": "Woninginbraak"}, {})
RULES = Rules(
    scoring=ScoringParams(neighbour_weight=0.0),
    near_repeat=NearRepeatParams(weight=0.1),
    selection=SelectionParams(top_n=2),
    actions=(
        ActionRule(
            "near_repeat", ("woninginbraak",), "geparkeerde auto's controleren in {straten}"
        ),
    ),
)
PREFIX = "geparkeerde auto's controleren in "


def _rows(street: str, x: float, y: float, days_ago: list[float], first: int) -> list[Any]:
    return [
        {
            "id": f"i{first + i}",
            "category": "woninginbraak",
            "street": street,
            "begin_at": START - pd.Timedelta(days=d),
            "end_at": pd.NaT,
            "known_at": START - pd.Timedelta(days=d) + pd.Timedelta(hours=1),
            "arrests": 0,
            "x": x + (i % 3) * 5.0,
            "y": y + (i % 2) * 5.0,
            "area_code": "WK030701",
        }
        for i, d in enumerate(days_ago)
    ]


def _briefing() -> dict[str, Any]:
    # Arnhemsestraat: a hotspot of its own (a year of burglaries and two recent ones); 197 m east,
    # two cells further, a fresh series on Varkensmarkt: within the near-repeat distance of the
    # Arnhemsestraat cell, and more of it, so it leads the series' streets. The top two cells
    # without smoothing: two hotspots.
    rows = _rows("Arnhemsestraat", 155055.0, 463055.0, [2, 4, *range(20, 360, 15)], 0)
    rows += _rows("Varkensmarkt", 155252.0, 463055.0, [1, 2, 3, 5, 6, *range(30, 360, 30)], 100)
    h = prepare(pd.DataFrame(rows), grid=GRID, shifts=SHIFTS, timezone=TZ, rules=RULES)
    return build_briefing(h, RULES, DAY, "avond", CTX)


def test_a_near_repeat_action_names_only_the_hotspots_own_streets() -> None:
    spots = _briefing()["hotspots"]
    assert spots, "no hotspot"
    named = {}
    for spot in spots:
        for action in spot["actions"]:
            if action.startswith(PREFIX):
                streets = action.removeprefix(PREFIX).split("/")
                assert set(streets) <= set(spot["streets"]) or streets == ["het gebied"], (
                    spot["streets"],
                    action,
                )
                named[spot["streets"][0] if spot["streets"] else ""] = streets
    assert named.get("Arnhemsestraat") == ["Arnhemsestraat"]
    assert named.get("Varkensmarkt") == ["Varkensmarkt"]

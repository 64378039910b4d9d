"""Indicators, briefing record, dosage, area scan, pilots.toml and export on hand-made data."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from shapely import geometry as sgeom

from briefing.evaluation.areascan import area_scan
from briefing.evaluation.config import (
    KEY_DOCS,
    PilotConfigError,
    dump_pilots,
    load_pilots,
    parse_pilots,
)
from briefing.evaluation.dosage import dosage_summary, dosage_table
from briefing.evaluation.indicators import indicator_table, outside_table
from briefing.evaluation.params import CategoryGroups, OutsideFigure, Period, Targets
from briefing.evaluation.record import briefing_record
from vis.geo import Grid
from vis.reports.evaluation_export import neutralise

ROOT = Path(__file__).resolve().parents[2]
GROUPS = CategoryGroups(
    misdrijf=frozenset({"woninginbraak", "autokraak", "mishandeling", "winkeldiefstal"}),
    overlast=frozenset({"overlast_jeugd"}),
    labels={"woninginbraak": "Woninginbraak"},
)
TARGETS = Targets(year=2017, woninginbraak_per_1000=4.1, attempt_share_pct=45.0)
HALF = Period(dt.date(2017, 1, 1), dt.date(2017, 6, 30))  # 181 days


def _incidents(rows: list[tuple[str, str, bool | None, int]], group: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        [(dt.date(2017, 3, 1), c, group, a, n) for c, _, a, n in rows],
        columns=["date", "category", "group", "attempt", "arrests"],
    )


def test_indicators_by_hand() -> None:
    inc = _incidents([
        ("woninginbraak", "", True, 0), ("woninginbraak", "", False, 1),
        ("woninginbraak", "", None, 0), ("autokraak", "", None, 2),
        ("mishandeling", "", None, 1), ("overlast_jeugd", "", None, 5),
    ])  # fmt: skip
    table = indicator_table(
        inc, {"pilot": HALF}, {"A": 2000.0, "B": None}, GROUPS, TARGETS, target_groups={"A", "B"}
    )
    a = table.loc[table["gebied"] == "A"].set_index("indicator")
    assert a.loc["misdrijven", "aantal"] == 5
    assert a.loc["misdrijven", "waarde"] == pytest.approx(5 / 2000 * 1000 * 365.25 / 181)
    burglary = a.loc["woninginbraak", "waarde"]
    assert burglary == pytest.approx(3 / 2000 * 1000 * 365.25 / 181)  # 3.03 per 1,000 a year
    assert a.loc["woninginbraak", "doel_gehaald"] == "✓ gehaald"
    assert a.loc["woninginbraak_poging", "aantal"] == 2  # the unknown one is left out
    assert a.loc["woninginbraak_poging", "waarde"] == pytest.approx(50.0)
    assert a.loc["veelvoorkomend", "aantal"] == 1
    assert a.loc["geweld", "aantal"] == 1
    assert a.loc["overlast_jeugd", "aantal"] == 1
    assert a.loc["heterdaadkracht", "waarde"] == pytest.approx(100 * 4 / 5)  # overlast excluded
    b = table.loc[table["gebied"] == "B"].set_index("indicator")
    assert b["waarde"].isna().all()
    assert b.loc["woninginbraak", "doel_gehaald"] == "niet te bepalen"
    assert b.loc["misdrijven", "toelichting"] == "niet te bepalen: inwonertal onbekend"
    assert b.loc["heterdaadkracht", "toelichting"] == "niet te bepalen: geen misdrijven"


def test_outside_figures_say_niet_ingevuld() -> None:
    figures = (
        OutsideFigure("jeugdoverlast_pct", "Jeugdoverlast", "%", 9.2, None, "Enquête X"),
        OutsideFigure("burgernet_deelnemers", "Burgernet", "deelnemers", None, None, ""),
    )
    table = outside_table(figures, Targets(jeugdoverlast_pct=8.0, burgernet_participants=18500))
    assert table["waarde"].tolist() == [9.2, "niet ingevuld"]
    assert table["bron"].tolist() == ["Enquête X", "niet ingevuld"]
    assert table["doel"].tolist() == ["8,0", "18.500"]
    with pytest.raises(ValueError, match="no source"):
        OutsideFigure("x", "X", "%", 1.0, None, " ")


def _square(x: float, y: float, size: float = 100.0) -> sgeom.Polygon:
    return sgeom.box(x, y, x + size, y + size)


def _hotspots() -> pd.DataFrame:
    start = dt.datetime(2017, 3, 1, 6, tzinfo=dt.UTC)
    return pd.DataFrame([
        {"briefing_id": 1, "date": dt.date(2017, 3, 1), "shift": "ochtend", "window_start": start,
         "window_end": start + dt.timedelta(hours=8), "hotspot_id": "h1",
         "geometry": _square(0, 0)},
    ])  # fmt: skip


def test_briefing_record_hit_rate_and_pai_by_hand() -> None:
    t = pd.Timestamp("2017-03-01T08:00Z")
    inc = pd.DataFrame({
        "begin_at": [t, t, t, t, pd.Timestamp("2017-03-02T08:00Z")],
        "x": [50.0, 10.0, 500.0, float("nan"), 50.0], "y": [50.0, 90.0, 500.0, 1.0, 50.0],
    })  # fmt: skip
    table, summary = briefing_record(_hotspots(), inc, municipality_area_m2=100.0 * 100 * 50)
    row = table.iloc[0]
    assert (row["incidenten"], row["zonder_locatie"], row["treffers"]) == (3, 1, 2)
    assert row["trefkans_pct"] == pytest.approx(200 / 3)
    assert row["oppervlakte_pct"] == pytest.approx(2.0)
    assert row["pai"] == pytest.approx(100 / 3)
    assert summary.pai == pytest.approx(100 / 3) and "PAI 33,3" in summary.explanation
    _, none = briefing_record(_hotspots().iloc[0:0], inc, 1.0)
    assert none.pai is None and "geen briefings" in none.explanation
    _, quiet = briefing_record(_hotspots(), inc.iloc[4:], 1e6)
    assert quiet.hit_rate_pct is None and "geen incidenten" in quiet.explanation


def test_dosage_by_hand() -> None:
    spots = pd.concat([_hotspots().assign(hotspot_id=f"h{i}", geometry=_square(i * 1000, 0))
                       for i in range(3)], ignore_index=True)  # fmt: skip
    visits = pd.DataFrame({"hotspot_id": ["h0"] * 4 + ["h1"], "duration_min": [10] * 5})
    days = [dt.date(2017, 2, 20)] * 3 + [dt.date(2017, 3, 5)] * 3 + [dt.date(2017, 2, 25)]
    xs = [50.0, 50.0, 50.0, 50.0, 1050.0, 2050.0, 2050.0]
    inc = pd.DataFrame({"date": days, "x": xs, "y": [50.0] * 7})
    table = dosage_table(spots, visits, inc).set_index("hotspot_id")
    assert table.loc["h0", ["bezoeken", "minuten", "voor", "na"]].tolist() == [4, 40.0, 3, 1]
    assert table.loc["h2", ["bezoeken", "voor", "na"]].tolist() == [0, 1, 1]
    summary = dosage_summary(table.reset_index())
    # visits 4, 1, 0 against changes -2, +1, 0: rank differences 2, -1, -1 → rho = 1 - 36/24
    assert summary.spearman_rho == pytest.approx(-0.5)
    assert "Spearman" in summary.explanation
    small = dosage_summary(table.reset_index().iloc[:2])
    assert small.spearman_rho is None and "minder dan 3" in small.explanation
    assert dosage_summary(dosage_table(spots.iloc[0:0], visits, inc)).hotspots == 0


def test_area_scan_small() -> None:
    areas = pd.DataFrame({"code": ["W1", "W2", "W3"], "gebied": ["G", "G", "H"],
                          "inhabitants": [1000, 1000, 2000]})  # fmt: skip
    inc = pd.DataFrame({
        "date": [dt.date(2017, 5, 1)] * 6 + [dt.date(2016, 5, 1)] * 2,
        "category": ["woninginbraak"] * 8,
        "area_code": ["W1", "W1", "W2", "W3", "W3", "W3", "W1", "W3"],
        "x": [10.0, 20.0, 300.0, 1000.0, 1000.0, 1000.0, 10.0, 1000.0], "y": [10.0] * 8,
    })  # fmt: skip
    scan = area_scan(inc, areas, "G", dt.date(2017, 6, 30), GROUPS, Grid(125.0, 0.0, 0.0))
    assert scan.inhabitants == 2000 and scan.wijken == ("W1", "W2")
    rates = scan.rates.set_index("reeks")
    per_year = 365.25 / 365  # the last year runs 1-7-2016 .. 30-6-2017
    assert rates.loc["Woninginbraken", "gebied_per_1000"] == pytest.approx(1.5 * per_year)
    assert rates.loc["Woninginbraken", "stad_per_1000"] == pytest.approx(1.5 * per_year)
    change = scan.change.set_index("reeks")
    assert change.loc["Woninginbraken", ["vorig_jaar", "laatste_jaar"]].tolist() == [1, 3]
    assert change.loc["Geweld", "uitleg"].endswith("niet te bepalen: in geen van beide "
                                                  "perioden of gebieden incidenten")  # fmt: skip
    assert scan.hotspots.iloc[0]["cel"] == "c125_0_0" and scan.hotspots.iloc[0]["aantal"] == 2
    assert len(scan.trend) == 24 * 6
    empty = area_scan(inc.iloc[0:0], areas, "G", dt.date(2017, 6, 30), GROUPS, Grid(125, 0, 0))
    assert empty.hotspots.empty and empty.rates["p"].isna().all()


# --- pilots.toml --------------------------------------------------------------------------------


def _keys(table: dict[str, object], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in table.items():
        path = f"{prefix}{key}"
        if key in ("treatment", "control", "buffer") and isinstance(value, dict):
            out.add(path)
            out |= {f"area.{k}" for k in value}
        elif isinstance(value, dict):
            out.add(path)
            out |= _keys(value, f"{path}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.add(f"{path}[]")
            for item in value:
                out |= _keys(item, f"{path}[].")
        else:
            out.add(path)
    return out


def test_every_pilots_key_is_documented() -> None:
    data = tomllib.loads((ROOT / "config" / "pilots.toml").read_text(encoding="utf-8"))
    used = _keys(data)
    assert used <= set(KEY_DOCS), sorted(used - set(KEY_DOCS))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Pilot evaluation", 1)[1]
    for key in KEY_DOCS:
        assert f"`{key}`" in section, f"{key} is not documented in the README"


def test_shipped_pilots_load_and_round_trip() -> None:
    config = load_pilots(ROOT / "config" / "pilots.toml", known_categories=[
        "woninginbraak", "autokraak", "fietsdiefstal", "vernieling", "overlast_jeugd"])  # fmt: skip
    assert config.names() == ["binnenstad-2017", "hotspots-2017"]
    assert config.targets.woninginbraak_per_1000 == 4.1
    assert parse_pilots(tomllib.loads(dump_pilots(config))) == config


GOOD = """
[targets]
source = "X"
year = 2017
[[pilot]]
name = "p"
baseline = [2016-01-01, 2016-06-30]
period = [2017-01-01, 2017-06-30]
treatment = { kind = "wijken", codes = ["W1"] }
control = { kind = "rest" }
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "p"', 'name = "p"\ncolour = 1'), "onbekende sleutel(s) colour"),
        (("period = [2017-01-01, 2017-06-30]", ""), "period ontbreekt"),
        (("period = [2017-01-01", "period = [2016-03-01"), "must start after the baseline"),
        (('kind = "wijken"', 'kind = "buurten"'), "unknown area kind"),
        (('codes = ["W1"]', "codes = []"), "needs codes"),
        (('source = "X"', "woninginbraak_per_1000 = 4.1"), "targets.source ontbreekt"),
        (("2016-01-01", '"1-1-2016"'), "geen datum"),
    ],
)
def test_bad_pilots_are_refused_with_the_key(change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(PilotConfigError, match=re.escape(message)):
        parse_pilots(tomllib.loads(text))


def test_unknown_pilot_and_category() -> None:
    config = parse_pilots(tomllib.loads(GOOD))
    with pytest.raises(PilotConfigError, match="geen pilot 'q'"):
        config.pilot("q")
    text = GOOD.replace('name = "p"', 'name = "p"\ncategories = ["koffie"]')
    with pytest.raises(PilotConfigError, match="onbekend koffie"):
        parse_pilots(tomllib.loads(text), known_categories=["woninginbraak"])
    dup = GOOD + GOOD.split("[[pilot]]")[1].join(["[[pilot]]", ""])
    with pytest.raises(PilotConfigError, match="dubbel"):
        parse_pilots(tomllib.loads(dup))


def test_neutralise_formula_prefixes() -> None:
    assert [neutralise(v) for v in ("=1+1", "+31", "-x", "@SUM", "ok", -1.5, float("nan"))] == [
        "'=1+1", "'+31", "'-x", "'@SUM", "ok", -1.5, None,
    ]  # fmt: skip


def test_the_wide_indicator_table_has_one_row_per_indicator_and_periods_side_by_side() -> None:
    from briefing.evaluation.indicators import wide

    long = pd.DataFrame(
        [
            (p, g, ind, om, "per 1.000", doel, v)
            for p in ("basisperiode", "pilotperiode")
            for g in ("behandelgebied", "controlegebied")
            for ind, om, doel, v in (
                ("misdrijven", "Misdrijven", None, 10.0),
                ("woninginbraak", "Woninginbraken", "≤ 4,1", 3.0),
            )
        ],
        columns=["periode", "gebied", "indicator", "omschrijving", "eenheid", "doel", "waarde"],
    )
    long.loc[long["periode"] == "pilotperiode", "waarde"] += 1
    table = wide(long)
    assert table["indicator"].tolist() == ["misdrijven", "woninginbraak"]
    assert table["doel"].tolist() == ["", "≤ 4,1"]
    assert [c for c in table.columns if c[0].endswith("gebied")] == [
        ("behandelgebied", "basisperiode"),
        ("behandelgebied", "pilotperiode"),
        ("controlegebied", "basisperiode"),
        ("controlegebied", "pilotperiode"),
    ]
    assert table[("controlegebied", "pilotperiode")].tolist() == [11.0, 4.0]

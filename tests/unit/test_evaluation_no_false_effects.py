"""The evaluation never calls an effect that isn't there: p-values that agree with their
intervals, a WDD that reproduces Wheeler & Ratcliffe and stays quiet in a world where nothing
happened, and a CompStat flag whose false-alarm rate holds when nothing changes."""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely import geometry as sgeom

from briefing.evaluation.answer import EXPLORATORY, PRIMARY, effect_sentence
from briefing.evaluation.areas import assign_groups
from briefing.evaluation.areascan import area_scan
from briefing.evaluation.compstat import compstat_table, is_flagged
from briefing.evaluation.config import PilotConfig, PilotConfigError, parse_pilots
from briefing.evaluation.dosage import dosage_summary, dosage_table
from briefing.evaluation.indicators import MET, NOT_MET, UNDETERMINED
from briefing.evaluation.params import AreaSet, CategoryGroups, Period, Pilot, Targets
from briefing.evaluation.rates import compare_rates
from briefing.evaluation.record import briefing_record
from briefing.evaluation.report import EvaluationData, evaluate_pilot
from briefing.evaluation.wdd import CLASSIC, WEIGHTED, choose_wdd, explain_wdd, wdd, weighted_wdd
from vis.areas import load_areas
from vis.geo import Grid
from vis.reports.evaluation_export import export_report
from vis.settings import load_settings

# --- one p-value convention, agreeing with the interval -----------------------------------------


def _excludes_one(low: float | None, high: float | None) -> bool:
    return (low is not None and low > 1.0) or (high is not None and high < 1.0)


@pytest.mark.parametrize(("e1", "e0"), [(181.0, 182.0), (1.0, 1.0), (2000.0, 148000.0)])
def test_exact_p_below_alpha_exactly_when_the_interval_excludes_one(e1: float, e0: float) -> None:
    disagree = []
    for c1 in range(60):
        for c0 in range(60):
            if c1 + c0 == 0:
                continue
            r = compare_rates(c1, e1, c0, e0, method="exact-cond")
            assert r.p_value is not None
            if (r.p_value < 0.05) != _excludes_one(r.ci_low, r.ci_high):
                disagree.append((c1, c0, r.p_value, r.ci_low, r.ci_high))
    assert disagree == []


def test_four_against_thirteen_over_a_half_year_is_not_significant() -> None:
    r = compare_rates(4, 181.0, 13, 182.0)
    assert r.ci_low is not None and r.ci_high is not None
    assert r.ci_high > 1.0 and not r.significant  # CI 0,07–1,00: p must be >= 0,05
    # The central (equal-tailed) exact p: twice the smaller binomial tail.
    p0 = 181 / (181 + 182)
    tail = min(stats.binom.cdf(4, 17, p0), stats.binom.sf(3, 17, p0))
    assert r.p_value == pytest.approx(min(1.0, 2 * tail))


def test_area_scan_one_against_one_is_not_significant() -> None:
    # 1 incident among 2,000 inhabitants against 1 among 148,000.
    r = compare_rates(1, 2000.0, 1, 148000.0)
    assert r.ci_low is not None and r.ci_low < 1.0
    assert r.p_value is not None and r.p_value >= 0.05 and not r.significant


@pytest.mark.slow
def test_score_p_agrees_with_the_score_interval() -> None:
    disagree = []
    for c1 in range(1, 60, 3):
        for c0 in range(1, 60, 3):
            r = compare_rates(c1, 181.0, c0, 182.0, method="score")
            assert r.p_value is not None
            if (r.p_value < 0.05) != _excludes_one(r.ci_low, r.ci_high):
                disagree.append((c1, c0))
    assert disagree == []


# --- WDD -----------------------------------------------------------------------------------------


def test_wdd_reproduces_wheeler_and_ratcliffe() -> None:
    # Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example: T 207 → 110, C 308 → 318,
    # D 178 → 157, CD 150 → 140: WDD -118, variance 1568, Z -2.98, 95 % CI -196 to -40.
    r = wdd(207, 110, 308, 318, (178, 157), (150, 140))
    assert r.variant == CLASSIC
    assert r.wdd == -118 and r.variance == 1568
    assert round(r.z or 0.0, 2) == -2.98
    assert (round(r.ci_low or 0.0), round(r.ci_high or 0.0)) == (-196, -40)


def test_wdd_never_subtracts_one_control_twice_unscaled() -> None:
    with pytest.raises(ValueError, match="own control"):
        wdd(290, 261, 3910, 3519, (2070, 1863))


def test_weighted_wdd_on_the_uniform_decline_of_the_issue() -> None:
    # Every place 10 % down: T 290 → 261, C 3910 → 3519, D 2070 → 1863 (one shared control).
    shared = weighted_wdd(290, 261, 3910, 3519, (2070, 1863))
    assert shared.variant == WEIGHTED
    assert abs(shared.wdd) < 1e-9 and shared.p_value is not None and shared.p_value > 0.5
    own = weighted_wdd(290, 261, 3910, 3519, (2070, 1863), (1000, 900))
    assert abs(own.wdd) < 1e-9 and own.p_value is not None and own.p_value > 0.5
    picked = choose_wdd(290, 261, 3910, 3519, (2070, 1863))
    assert picked.variant == WEIGHTED and abs(picked.wdd) < 1e-9
    text = explain_wdd(picked)
    assert "gewogen" in text and "niet significant" in text and "verplaatsing meegeteld" in text
    assert "verplaatsing meegeteld" not in explain_wdd(choose_wdd(290, 261, 3910, 3519))


def test_weighted_wdd_variance_by_the_delta_method() -> None:
    # f = T1 - T0·C1/C0: Var = T1 + r²·T0 + w²·C1 + (w·r)²·C0 with r = C1/C0, w = T0/C0.
    r = weighted_wdd(40, 20, 400, 440)
    ratio, weight = 440 / 400, 40 / 400
    assert r.wdd == pytest.approx(20 - 40 * ratio)
    expected = 20 + ratio**2 * 40 + weight**2 * 440 + (weight * ratio) ** 2 * 400
    assert r.variance == pytest.approx(expected)


def test_weighted_wdd_holds_its_false_alarm_rate_under_a_common_trend() -> None:
    rng = np.random.default_rng(12)
    alarms = 0
    runs = 4000
    for _ in range(runs):
        t0, c0 = rng.poisson(30), rng.poisson(600)
        t1, c1 = rng.poisson(30 * 0.8), rng.poisson(600 * 0.8)
        res = choose_wdd(int(t0), int(t1), int(c0), int(c1))
        alarms += int(res.p_value is not None and res.p_value < 0.05)
    assert alarms / runs < 0.065


def test_wdd_is_refused_with_a_pointer_to_the_did_when_it_cannot_be_weighted() -> None:
    r = choose_wdd(30, 20, 2, 3)
    assert r.z is None and r.reason is not None and "verschil-in-verschillen" in r.reason
    assert "niet te bepalen" in explain_wdd(r)


# --- the uniform-decline world: nothing happened, nothing may be called -------------------------

ROOT = Path(__file__).resolve().parents[2]
BASE = Period(dt.date(2016, 1, 1), dt.date(2016, 6, 30))
HALF = Period(dt.date(2017, 1, 1), dt.date(2017, 6, 30))
GROUPS = CategoryGroups(
    misdrijf=frozenset({"woninginbraak"}), labels={"woninginbraak": "Woninginbraak"}
)


@pytest.fixture(scope="module")
def amersfoort() -> pd.DataFrame:
    settings = load_settings(ROOT / "config" / "vis.toml")
    found = load_areas(settings).of_municipality(settings.municipality.code)
    frame = pd.DataFrame(
        [(a.code, a.name, "g", int(a.inhabitants or 0)) for a in found],
        columns=["code", "name", "gebied", "inhabitants"],
    )
    return frame.loc[frame["inhabitants"] > 0].reset_index(drop=True)


def uniform_decline(areas: pd.DataFrame) -> EvaluationData:
    """Every wijk: 20 woninginbraken per 1,000 inhabitants (rounded to tens) in 2016-H1 and
    exactly 10 % fewer in 2017-H1, spread evenly over each period."""
    rows = []
    for code, inhabitants in zip(areas["code"], areas["inhabitants"], strict=True):
        before = 10 * max(1, round(inhabitants * 0.02 / 10))
        for period, n in ((BASE, before), (HALF, before * 9 // 10)):
            for i in range(n):
                day = period.start + dt.timedelta(days=(i * period.days) // n)
                begin = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=8)
                rows.append(("woninginbraak", code, day, begin, None, 0, math.nan, math.nan))
    incidents = pd.DataFrame(
        rows, columns=["category", "area_code", "date", "begin_at", "attempt", "arrests", "x", "y"]
    )
    hotspots = pd.DataFrame(columns=["briefing_id", "date", "shift", "window_start",
                                     "window_end", "hotspot_id", "geometry"])  # fmt: skip
    visits = pd.DataFrame(columns=["briefing_id", "hotspot_id", "visited_at", "duration_min"])
    return EvaluationData(incidents, areas, hotspots, visits, None, HALF.end)


def _choices(codes: list[str]) -> list[tuple[AreaSet, AreaSet | None, AreaSet]]:
    w = lambda cs: AreaSet("wijken", tuple(cs))  # noqa: E731
    rest = AreaSet("rest")
    return [
        (w(codes[:2]), w(codes[2:12]), rest),  # the demo pilot's shape: T, its ring, the rest
        (w(codes[:2]), None, rest),  # no buffer, the rest of the city as control
        (w(codes[:1]), None, w(codes[1:2])),  # one wijk against one other
        (w(codes[:1]), w(codes[1:3]), w(codes[3:5])),  # small buffer and control
        (w(codes[5:15]), w(codes[:5]), w(codes[15:17])),  # large treatment, small control
        (w(codes[3:4]), None, w(codes[4:])),  # one wijk against all others
    ]


def test_uniform_decline_world_calls_no_effect(amersfoort: pd.DataFrame) -> None:
    data = uniform_decline(amersfoort)
    config = PilotConfig(Targets(), "", (), ())
    codes = list(amersfoort["code"])
    for treatment, buffer, control in _choices(codes):
        pilot = Pilot(
            "u", "U", BASE, HALF, treatment, control, buffer, categories=("woninginbraak",)
        )
        report = evaluate_pilot(pilot, data, GROUPS, config, Grid(125.0, 0.0, 0.0))
        rows = report.comparisons
        effect = rows.loc[rows["toets"].str.contains("WDD|verschil-in-verschillen")]
        assert len(effect) >= 2
        for row in effect.to_dict(orient="records"):
            p = row["p"]
            assert p is None or p != p or p >= 0.05, (treatment, buffer, control, row)
            assert "niet significant" in row["uitleg"] or "niet te bepalen" in row["uitleg"], row
        for row in rows.loc[rows["toets"].str.contains("WDD")].to_dict(orient="records"):
            z, estimate = row["z"], row["schatting"]
            if z is not None and z == z:
                assert abs(z) < 0.5 and abs(estimate) < 1.0, row
            if buffer is None:
                assert "verplaatsing meegeteld" not in row["uitleg"]
        did = rows.loc[rows["toets"].str.contains("verschil-in-verschillen")].iloc[0]
        assert did["schatting"] == pytest.approx(1.0, abs=0.02)


# --- CompStat ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.3, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0])
def test_compstat_false_alarm_rate_holds_when_nothing_changes(rate: float) -> None:
    rng = np.random.default_rng(int(rate * 10))
    runs = 3000
    alarms = sum(
        is_flagged(int(rng.poisson(rate)), 7, int(rng.poisson(rate)), 7) for _ in range(runs)
    )
    assert alarms / runs <= 0.05


def test_four_to_nine_is_normal_variation() -> None:
    assert not is_flagged(9, 7, 4, 7)
    dates = pd.DataFrame(
        {"date": [dt.date(2016, 3, 10)] * 9 + [dt.date(2015, 3, 12)] * 4, "category": ["w"] * 13}
    )
    table = compstat_table(dates, dt.date(2016, 3, 14), ["w"])
    week = table.loc[(table["venster"] == "week") & (table["categorie"] == "w")].iloc[0]
    assert "binnen de normale schommeling" in week["uitleg"]
    assert is_flagged(30, 7, 10, 7)


def test_compstat_window_cutting_a_reduced_month_is_skipped_with_a_reason() -> None:
    # After the purge, March 2015 is stored per month: its incidents are dated 1 March 2015.
    dates = pd.DataFrame(
        {"date": [dt.date(2016, 3, 10)] * 6 + [dt.date(2015, 3, 1)] * 24, "category": ["w"] * 30}
    )
    reduced = frozenset({dt.date(2015, 3, 1)})
    table = compstat_table(dates, dt.date(2016, 3, 14), ["w"], reduced_months=reduced)
    for name in ("week", "28 dagen", "jaar tot nu"):
        row = table.loc[(table["venster"] == name) & (table["categorie"] == "w")].iloc[0]
        assert row["z"] is None or row["z"] != row["z"], name
        assert "niet te bepalen" in row["uitleg"] and "maand" in row["uitleg"], name
    whole = compstat_table(dates, dt.date(2016, 3, 31), ["w"], reduced_months=reduced)
    row = whole.loc[(whole["venster"] == "jaar tot nu") & (whole["categorie"] == "w")].iloc[0]
    assert "niet te bepalen" not in row["uitleg"]  # whole months: the lump is counted right


# --- overlapping areas ---------------------------------------------------------------------------


def _pilot(treatment: AreaSet, control: AreaSet, buffer: AreaSet | None = None) -> Pilot:
    return Pilot("o", "O", BASE, HALF, treatment, control, buffer)


def test_overlapping_wijken_are_an_error_that_names_them(amersfoort: pd.DataFrame) -> None:
    a, b, c = list(amersfoort["code"][:3])
    data = uniform_decline(amersfoort)
    cases = [
        (_pilot(AreaSet("wijken", (a, b)), AreaSet("wijken", (b, c))), {b}),
        (_pilot(AreaSet("wijken", (a,)), AreaSet("wijken", (c,)), AreaSet("wijken", (a, b))), {a}),
        (_pilot(AreaSet("wijken", (a,)), AreaSet("gebieden", ("g",))), {a}),
    ]
    for pilot, named in cases:
        with pytest.raises(PilotConfigError) as caught:
            assign_groups(data.incidents, pilot, data.areas, None, Grid(125.0, 0.0, 0.0))
        for code in named:
            assert code in str(caught.value)


def test_pilots_toml_refuses_overlapping_wijken() -> None:
    raw = {
        "pilot": [{
            "name": "dubbel", "baseline": ["2016-01-01", "2016-06-30"],
            "period": ["2017-01-01", "2017-06-30"],
            "treatment": {"kind": "wijken", "codes": ["WK030701", "WK030702"]},
            "buffer": {"kind": "wijken", "codes": ["WK030703"]},
            "control": {"kind": "wijken", "codes": ["WK030702", "WK030703", "WK030704"]},
        }]
    }  # fmt: skip
    with pytest.raises(PilotConfigError, match="WK030702") as caught:
        parse_pilots(raw)
    assert "WK030703" in str(caught.value)


# --- targets, PAI and multiplicity ---------------------------------------------------------------


def _demo_like(amersfoort: pd.DataFrame) -> Pilot:
    codes = list(amersfoort["code"])
    return Pilot(
        "d", "D", BASE, HALF, AreaSet("wijken", tuple(codes[:2])), AreaSet("rest"),
        AreaSet("wijken", tuple(codes[2:12])), categories=("woninginbraak",),
    )  # fmt: skip


def test_municipal_targets_are_marked_for_the_municipality_only(amersfoort: pd.DataFrame) -> None:
    config = PilotConfig(Targets(year=2017, woninginbraak_per_1000=4.1), "t", (), ())
    report = evaluate_pilot(
        _demo_like(amersfoort), uniform_decline(amersfoort), GROUPS, config, Grid(125.0, 0, 0)
    )
    rows = report.indicators.loc[report.indicators["indicator"] == "woninginbraak"]
    keys = zip(rows["gebied"], rows["periode"], strict=True)
    marks = dict(zip(keys, rows["doel_gehaald"], strict=True))
    for (gebied, _), mark in marks.items():
        assert isinstance(mark, str), mark  # never None, True or False
        if gebied == "gemeente":
            assert mark in (MET, NOT_MET, UNDETERMINED)
        else:
            assert mark not in (MET, NOT_MET)
    # 18 a year per 1,000 (20 per 1,000 in a half year, rounded to tens): not met
    assert marks["gemeente", "pilotperiode"] == NOT_MET


def test_pai_counts_only_incidents_with_coordinates() -> None:
    box = sgeom.box(0, 0, 10, 10)
    start, end = pd.Timestamp("2017-03-01T07:00Z"), pd.Timestamp("2017-03-01T15:00Z")
    spots = pd.DataFrame([{
        "briefing_id": 1, "date": dt.date(2017, 3, 1), "shift": "vroeg", "window_start": start,
        "window_end": end, "hotspot_id": "h", "geometry": box,
    }])  # fmt: skip
    at = pd.Timestamp("2017-03-01T08:00Z")
    inc = pd.DataFrame({
        "begin_at": [at] * 4, "x": [5.0, 50.0, math.nan, math.nan],
        "y": [5.0, 50.0, math.nan, math.nan],
    })  # fmt: skip
    table, summary = briefing_record(spots, inc, municipality_area_m2=100.0 * 100)
    row = table.iloc[0]
    assert (row["incidenten"], row["treffers"]) == (2, 1)  # the two without a place left out
    assert summary.hit_rate_pct == pytest.approx(50.0)
    assert summary.pai == pytest.approx(50.0 / 1.0)
    assert "zonder locatie" in summary.explanation


def test_one_primary_question_and_holm_for_the_rest(amersfoort: pd.DataFrame) -> None:
    config = PilotConfig(Targets(), "", (), ())
    report = evaluate_pilot(
        _demo_like(amersfoort), uniform_decline(amersfoort), GROUPS, config, Grid(125.0, 0, 0)
    )
    rows = report.comparisons
    primary = rows.loc[rows["rol"] == PRIMARY]
    assert len(primary) == 1
    assert "verschil-in-verschillen" in primary["toets"].iloc[0]
    assert primary["reeks"].iloc[0] == "Pilotcategorieën"
    explore = rows.loc[rows["rol"] == EXPLORATORY]
    assert len(explore) == len(rows) - 1
    tested = explore.loc[explore["p"].notna()]
    raw = tested["p"].to_numpy(float)
    order = np.argsort(raw)
    m = len(raw)
    expected = np.maximum.accumulate([min(1.0, (m - i) * raw[j]) for i, j in enumerate(order)])
    assert tested["p_holm"].to_numpy(float)[order] == pytest.approx(expected)
    assert primary["p_holm"].iloc[0] == pytest.approx(primary["p"].iloc[0])


# --- the report opens with the answer ------------------------------------------------------------


def test_headline_in_plain_dutch_with_effect_and_interval() -> None:
    text = effect_sentence("Woninginbraak in het behandelgebied", 0.91, 0.80, 1.03, 0.16, 0.05)
    assert text == (
        "Woninginbraak in het behandelgebied: −9 % ten opzichte van verwacht "
        "(95 %-BI −20 % tot +3 %), niet significant (p = 0,16)"
    )
    none = effect_sentence("X", None, None, None, None, 0.05, "geen incidenten")
    assert none == "X: niet te bepalen: geen incidenten"


def test_report_headline_answers_the_primary_question(amersfoort: pd.DataFrame) -> None:
    config = PilotConfig(Targets(), "", (), ())
    report = evaluate_pilot(
        _demo_like(amersfoort), uniform_decline(amersfoort), GROUPS, config, Grid(125.0, 0, 0)
    )
    assert report.headline.startswith("Woninginbraak in het behandelgebied: ")
    assert "ten opzichte van verwacht (95 %-BI " in report.headline
    assert "niet significant" in report.headline
    effects = report.effects
    assert set(effects["reeks"]) == {"Misdrijven", "Pilotcategorieën", "Woninginbraak"}
    assert (effects["ci_laag_pct"] <= effects["effect_pct"]).all()
    assert (effects["effect_pct"] <= effects["ci_hoog_pct"]).all()
    assert report.to_dict()["antwoord"] == report.headline


def _pdf_pages_text(data: bytes) -> list[str]:
    """The text shown on each page of an fpdf2 PDF (its content streams, inflated)."""
    pages = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(match.group(1)).decode("latin-1")
        except zlib.error:
            continue
        if " Tj" in content or "TJ" in content:
            shown = re.findall(r"\((.*?)(?<!\\)\)\s*Tj", content)
            pages.append(" ".join(shown).replace("\\(", "(").replace("\\)", ")"))
    return pages


def test_pdf_report_opens_with_the_answer(amersfoort: pd.DataFrame, tmp_path: Path) -> None:
    config = PilotConfig(Targets(year=2017, woninginbraak_per_1000=4.1), "t", (), ())
    report = evaluate_pilot(
        _demo_like(amersfoort), uniform_decline(amersfoort), GROUPS, config, Grid(125.0, 0, 0)
    )
    path = export_report(report, tmp_path / "r.pdf")
    pages = _pdf_pages_text(path.read_bytes())
    first = pages[0]
    assert "Woninginbraak in het behandelgebied:" in first and "95 %-BI" in first
    assert first.index("behandelgebied:") < first.index("Effect per reeks")
    assert first.index("Effect per reeks") < first.index("Doelen van de gemeente")
    assert "niet gehaald" in first and "p (Holm)" in first
    assert "True" not in first and "False" not in first
    assert not any("Indicatoren met aantallen" in page for page in pages[:1])


# --- dosage --------------------------------------------------------------------------------------


def _spot(hotspot_id: str, first: dt.date, x: float) -> dict[str, object]:
    start = pd.Timestamp(first, tz="UTC") + pd.Timedelta(hours=6)
    return {
        "briefing_id": hash(hotspot_id) % 1000, "date": first, "shift": "vroeg",
        "window_start": start, "window_end": start + pd.Timedelta(hours=8),
        "hotspot_id": hotspot_id, "geometry": sgeom.box(x, 0, x + 100, 100),
    }  # fmt: skip


def test_dosage_leaves_out_hotspots_whose_follow_up_is_cut_off_by_the_data() -> None:
    end = dt.date(2017, 6, 30)
    late = end - dt.timedelta(days=4)  # first briefed 5 days before the data ends
    spots = pd.DataFrame([_spot("late", late, 0.0), _spot("early", dt.date(2017, 3, 1), 1000.0)])
    rows = []
    for i in range(23):  # 23 before
        rows.append((late - dt.timedelta(days=1 + i % 28), 50.0))
    for i in range(8):  # 8 in the 5 days after: a false "decline" from 23 to 8
        rows.append((late + dt.timedelta(days=i % 5), 50.0))
    for i in range(10):
        rows.append((dt.date(2017, 2, 10) + dt.timedelta(days=i), 1050.0))
        rows.append((dt.date(2017, 3, 5) + dt.timedelta(days=i), 1050.0))
    inc = pd.DataFrame(rows, columns=["date", "x"]).assign(y=50.0)
    visits = pd.DataFrame({"hotspot_id": ["late", "early"], "duration_min": [10, 10]})
    table = dosage_table(spots, visits, inc, data_until=end).set_index("hotspot_id")
    assert not table.loc["late", "volledig"] and table.loc["early", "volledig"]
    assert table.loc["late", "na_tot"] == end  # the after-window ends at the last day of data
    summary = dosage_summary(table.reset_index())
    assert summary.hotspots == 1 and summary.left_out == 1
    assert "onvolledige" in summary.explanation


def test_dosage_compares_visited_with_unvisited_hotspots_of_similar_score() -> None:
    # Six hotspots chosen on 10 incidents each; all fall back to about 5 afterwards whether
    # visited or not (regression to the mean): the comparison must not credit the visits.
    first = dt.date(2017, 3, 1)
    spots = pd.DataFrame([_spot(f"h{i}", first, i * 1000.0) for i in range(6)])
    rows = []
    for i in range(6):
        rows += [(first - dt.timedelta(days=1 + k), i * 1000.0 + 50) for k in range(10)]
        rows += [(first + dt.timedelta(days=k), i * 1000.0 + 50) for k in range(5)]
    inc = pd.DataFrame(rows, columns=["date", "x"]).assign(y=50.0)
    visits = pd.DataFrame({"hotspot_id": ["h0", "h1", "h2"] * 3, "duration_min": [10] * 9})
    table = dosage_table(spots, visits, inc, data_until=dt.date(2017, 6, 30))
    summary = dosage_summary(table)
    assert summary.visited_vs_unvisited is not None
    assert summary.visited_vs_unvisited.ratio == pytest.approx(1.0)
    assert not summary.visited_vs_unvisited.significant
    assert "niet bezochte hotspots" in summary.explanation


# --- purged (monthly) periods -------------------------------------------------------------------


def test_briefing_record_skips_shift_windows_in_purged_months() -> None:
    spots = pd.DataFrame(
        [_spot("a", dt.date(2016, 3, 1), 0.0), _spot("b", dt.date(2017, 3, 1), 0.0)]
    )
    spots["briefing_id"] = [1, 2]
    at = [pd.Timestamp("2016-03-01T08:00Z")] * 6 + [pd.Timestamp("2017-03-01T08:00Z")] * 2
    inc = pd.DataFrame({"begin_at": at, "x": [50.0] * 8, "y": [50.0] * 8})
    table, summary = briefing_record(
        spots, inc, 100.0 * 100, reduced_months=frozenset({dt.date(2016, 3, 1)})
    )
    assert list(table["briefing_id"]) == [2]
    assert summary.incidents == 2 and "maandcijfers" in summary.explanation


def test_report_says_when_its_periods_reach_into_purged_months(amersfoort: pd.DataFrame) -> None:
    data = uniform_decline(amersfoort)
    purged = data.incidents.assign(
        reduced=[d < dt.date(2016, 4, 1) for d in data.incidents["date"]]
    )
    config = PilotConfig(Targets(), "", (), ())
    report = evaluate_pilot(
        _demo_like(amersfoort),
        EvaluationData(purged, data.areas, data.hotspots, data.visits, None, HALF.end),
        GROUPS, config, Grid(125.0, 0, 0),
    )  # fmt: skip
    assert any("maandcijfers" in note and "week" in note for note in report.notes)


def test_area_scan_says_when_its_year_cuts_a_purged_month() -> None:
    areas = pd.DataFrame({"code": ["W1", "W2"], "gebied": ["G", "H"], "inhabitants": [1000, 1000]})
    inc = pd.DataFrame({
        "date": [dt.date(2016, 6, 1)] * 20 + [dt.date(2017, 5, 3)] * 3,
        "category": ["woninginbraak"] * 23, "area_code": ["W1"] * 23,
        "x": [10.0] * 23, "y": [10.0] * 23, "reduced": [True] * 20 + [False] * 3,
    })  # fmt: skip
    # The last year runs 16-6-2016 .. 15-6-2017: it cuts June 2016, kept only as a month total.
    scan = area_scan(inc, areas, "G", dt.date(2017, 6, 15), GROUPS, Grid(125.0, 0.0, 0.0))
    change = scan.change.set_index("reeks")
    assert "maandcijfers" in change.loc["Woninginbraken", "uitleg"]
    assert "maandcijfers" in scan.rates.set_index("reeks").loc["Woninginbraken", "uitleg"]
    whole = area_scan(inc, areas, "G", dt.date(2017, 6, 30), GROUPS, Grid(125.0, 0.0, 0.0))
    assert "maandcijfers" not in whole.change.set_index("reeks").loc["Woninginbraken", "uitleg"]

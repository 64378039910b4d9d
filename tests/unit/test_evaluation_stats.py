"""Rate ratios, WDD, WDQ, CompStat and the DiD against hand-computed cases and statsmodels."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import astuple

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats import rates as sm_rates

from briefing.evaluation.compstat import compstat_table, poisson_z, windows
from briefing.evaluation.did import explain_did, fit_did, weekly_panel
from briefing.evaluation.explain import direction_sentence, nl_number, nl_p
from briefing.evaluation.params import Period
from briefing.evaluation.rates import compare_rates
from briefing.evaluation.wdd import explain_wdd, wdd
from briefing.evaluation.wdq import explain_wdq, wdq


def _no_nan(values: tuple[object, ...]) -> None:
    for v in values:
        assert not (isinstance(v, float) and math.isnan(v)), values


# --- rate ratios ---------------------------------------------------------------------------------


def test_exact_rate_ratio_by_hand() -> None:
    # 10 against 20 on equal exposure: under H0, c1 ~ Binomial(30, 1/2); two-sided p doubles the
    # lower tail P(X <= 10).
    tail = sum(math.comb(30, k) for k in range(11)) / 2**30
    r = compare_rates(10, 1.0, 20, 1.0)
    assert r.ratio == pytest.approx(0.5)
    assert r.p_value == pytest.approx(2 * tail)
    ci = stats.binomtest(10, 30).proportion_ci(0.95, method="exact")
    assert r.ci_low == pytest.approx(ci.low / (1 - ci.low))
    assert r.ci_high == pytest.approx(ci.high / (1 - ci.high))
    assert not r.significant


def test_rate_ratio_matches_statsmodels_with_unequal_exposure() -> None:
    r = compare_rates(3, 2.0, 7, 1.0, method="exact-cond")
    # The central p: twice the smaller one-sided exact p (scipy's binomtest, p0 = 2 / 3).
    one_sided = [stats.binomtest(3, 10, 2 / 3, alternative=a).pvalue for a in ("less", "greater")]
    assert r.ratio == pytest.approx((3 / 2) / 7)
    assert r.p_value == pytest.approx(min(1.0, 2 * min(one_sided)))
    s = compare_rates(30, 2.0, 70, 1.0, method="score")
    ref = sm_rates.test_poisson_2indep(30, 2.0, 70, 1.0, method="score")
    low, high = sm_rates.confint_poisson_2indep(30, 2.0, 70, 1.0, method="score")
    assert (s.p_value, s.ci_low, s.ci_high) == pytest.approx((ref.pvalue, low, high))
    assert s.significant and s.ci_high is not None and s.ci_high < 1


@pytest.mark.parametrize("method", ["exact-cond", "score"])
def test_rate_ratio_zero_counts_are_defined(method: str) -> None:
    both = compare_rates(0, 1.0, 0, 1.0, method=method)  # type: ignore[arg-type]
    assert both.ratio is None and both.p_value is None and both.reason
    _no_nan(astuple(both))
    none_after = compare_rates(0, 1.0, 5, 1.0, method=method)  # type: ignore[arg-type]
    assert none_after.ratio == 0.0 and none_after.p_value == pytest.approx(2 * 0.5**5)
    _no_nan(astuple(none_after))
    none_before = compare_rates(5, 1.0, 0, 1.0, method=method)  # type: ignore[arg-type]
    assert none_before.ratio is None and none_before.reason
    assert none_before.p_value == pytest.approx(2 * 0.5**5)
    _no_nan(astuple(none_before))
    no_exposure = compare_rates(5, 0.0, 3, 1.0, method=method)  # type: ignore[arg-type]
    assert no_exposure.ratio is None and "blootstelling" in (no_exposure.reason or "")


# --- WDD ----------------------------------------------------------------------------------------


def test_wdd_by_hand() -> None:
    r = wdd(100, 80, 200, 190, (50, 45), (100, 100))
    assert r.wdd == -15 and r.variance == 865
    assert r.z == pytest.approx(-15 / math.sqrt(865))
    assert r.p_value == pytest.approx(2 * stats.norm.sf(15 / math.sqrt(865)))
    assert "15 incidenten minder" in explain_wdd(r)


def test_wdd_without_buffer() -> None:
    plain = wdd(100, 80, 200, 190)
    assert plain.wdd == -10 and plain.variance == 570


def test_wdd_zeros() -> None:
    r = wdd(0, 0, 0, 0)
    assert r.z is None and r.p_value is None and r.reason
    _no_nan(astuple(r))
    assert "niet te bepalen" in explain_wdd(r)
    assert wdd(0, 0, 10, 5).z is None


# --- WDQ ----------------------------------------------------------------------------------------


def test_wdq_by_hand() -> None:
    r = wdq(100, 80, 50, 45, 200, 190)
    # SM = 80/190 - 100/200, DM = 45/190 - 50/200: DM / SM = (45 - 47.5) / (80 - 95) = 1/6
    assert r.success_measure == pytest.approx(80 / 190 - 0.5)
    assert r.wdq == pytest.approx(1 / 6)
    assert r.total_net_effect == pytest.approx(17.5)
    assert "uitstraling" in r.interpretation
    assert "netto 18 incidenten voorkomen" in explain_wdq(r)


@pytest.mark.parametrize(
    ("b1", "word"),
    [(20, "groter dan het directe effect"), (40, "naar het buffergebied"),
     (50, "geen verplaatsing en geen"),
     (52, "kleiner dan het directe effect"), (80, "netto verlies")],
)  # fmt: skip
def test_wdq_interpretation_bands(b1: int, word: str) -> None:
    # A 100 → 80 against C 100 → 100: SM = -0.2. B 50 → b1: DM = (b1 - 50) / 100.
    r = wdq(100, 80, 50, b1, 100, 100)
    assert r.wdq == pytest.approx(((b1 - 50) / 100) / -0.2)
    assert word in r.interpretation


def test_wdq_zero_denominators_and_no_success() -> None:
    for args in [(10, 5, 3, 3, 0, 4), (10, 5, 3, 3, 4, 0), (0, 0, 0, 0, 0, 0), (0, 0, 1, 2, 3, 4)]:
        r = wdq(*args)
        assert r.wdq is None and r.interpretation.startswith("niet te bepalen")
        _no_nan(astuple(r))
    worse = wdq(10, 20, 5, 5, 10, 10)
    assert worse.wdq is None and "geen daling" in worse.interpretation
    same = wdq(10, 10, 5, 5, 10, 10)
    assert same.wdq is None and "precies" in same.interpretation


# --- CompStat -----------------------------------------------------------------------------------


def test_poisson_z_by_hand() -> None:
    assert poisson_z(9, 4) == 2.0
    assert poisson_z(0, 0) == 0.0
    assert poisson_z(0, 4) == -4.0


def test_compstat_windows_and_counts() -> None:
    as_of = dt.date(2016, 3, 14)
    spans = {name: (s, e, ps, pe) for name, s, e, ps, pe in windows(as_of)}
    assert spans["week"] == (
        dt.date(2016, 3, 8), as_of, dt.date(2015, 3, 10), dt.date(2015, 3, 16)
    )  # fmt: skip
    assert spans["jaar tot nu"][2:] == (dt.date(2015, 1, 1), dt.date(2015, 3, 14))
    leap = dict((n, pe) for n, _s, _e, _ps, pe in windows(dt.date(2016, 2, 29)))
    assert leap["jaar tot nu"] == dt.date(2015, 2, 28)
    dates = pd.DataFrame({
        "date": [dt.date(2016, 3, 10)] * 9 + [dt.date(2015, 3, 12)] * 4 + [dt.date(2016, 1, 5)],
        "category": ["woninginbraak"] * 14,
    })  # fmt: skip
    table = compstat_table(dates, as_of, ["woninginbraak", "autokraak"])
    week = table.loc[(table["venster"] == "week") & (table["categorie"] == "woninginbraak")]
    assert week[["huidig", "vorig_jaar", "z"]].iloc[0].tolist() == [9, 4, 2.0]
    ytd = table.loc[(table["venster"] == "jaar tot nu") & (table["categorie"] == "totaal")]
    assert ytd[["huidig", "vorig_jaar"]].iloc[0].tolist() == [10, 4]
    empty = table.loc[table["categorie"] == "autokraak"]
    assert (empty["z"] == 0).all() and empty["verandering_pct"].isna().all()
    assert len(compstat_table(dates.iloc[0:0], as_of, ["woninginbraak"])) == 6


# --- difference in differences ------------------------------------------------------------------

BASE = Period(dt.date(2017, 1, 2), dt.date(2017, 1, 8))
PILOT = Period(dt.date(2017, 1, 9), dt.date(2017, 1, 15))


def _events(counts: dict[tuple[str, dt.date], int]) -> pd.DataFrame:
    rows = [(day, unit) for (unit, day), n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["date", "unit"])


def test_did_saturated_2x2_equals_the_ratio_of_ratios() -> None:
    events = _events({
        ("T", BASE.start): 10, ("T", PILOT.start): 5,
        ("C", BASE.start): 20, ("C", PILOT.start): 20,
    })  # fmt: skip
    panel = weekly_panel(events, {"T": (True, 1000.0), "C": (False, 3000.0)}, BASE, PILOT)
    assert panel["count"].tolist() == [10, 5, 20, 20]
    assert panel["exposure"].tolist() == [7000.0, 7000.0, 21000.0, 21000.0]
    r = fit_did(panel)
    assert r.irr == pytest.approx(0.5)
    se = math.sqrt(1 / 10 + 1 / 5 + 1 / 20 + 1 / 20)
    assert r.ci_low == pytest.approx(math.exp(math.log(0.5) - 1.959964 * se), rel=1e-5)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(math.log(0.5)) / se))
    assert "niet significant" in explain_did(r, subject="Woninginbraak")


def test_did_matches_a_statsmodels_formula_fit() -> None:
    rng = np.random.default_rng(7)
    base = Period(dt.date(2016, 1, 4), dt.date(2016, 6, 26))
    pilot = Period(dt.date(2017, 1, 2), dt.date(2017, 6, 25))
    units = {"A": (True, 8000.0), "B": (False, 12000.0), "C": (False, 20000.0)}
    rows = []
    for unit, (treated, pop) in units.items():
        for period, post in ((base, False), (pilot, True)):
            for day in pd.date_range(period.start, period.end):
                lam = pop / 1000 * 60 / 365 * (0.7 if treated and post else 1.0)
                rows += [(day.date(), unit)] * int(rng.poisson(lam))
    panel = weekly_panel(pd.DataFrame(rows, columns=["date", "unit"]), units, base, pilot)
    ours = fit_did(panel)
    frame = panel.assign(did=(panel["treated"] & panel["post"]).astype(float))
    ref = sm.GLM.from_formula(
        "count ~ C(unit) + C(bin) + did", frame, family=sm.families.Poisson(),
        offset=np.log(frame["exposure"]),
    ).fit()  # fmt: skip
    assert ours.irr == pytest.approx(math.exp(ref.params["did"]), rel=1e-6)
    inflate = math.sqrt(max(1.0, ref.pearson_chi2 / ref.df_resid))
    se = ref.bse["did"] * inflate
    assert ours.ci_high == pytest.approx(math.exp(ref.params["did"] + 1.959964 * se), rel=1e-5)
    assert ours.p_value == pytest.approx(2 * stats.norm.sf(abs(ref.params["did"]) / se), rel=1e-5)
    assert ours.ci_low is not None and ours.ci_high is not None
    assert ours.ci_low < 0.7 < ours.ci_high
    nb = fit_did(panel, model="negbin")
    assert nb.irr is not None and nb.alpha_nb is not None and math.isfinite(nb.irr)


def test_did_weekly_panel_partial_last_bin() -> None:
    panel = weekly_panel(
        _events({}), {"T": (True, None), "C": (False, None)},
        Period(dt.date(2017, 1, 1), dt.date(2017, 1, 10)), PILOT,
    )  # fmt: skip
    t = panel.loc[panel["unit"] == "T"]
    assert t["days"].tolist() == [7, 3, 7] and t["exposure"].tolist() == [7.0, 3.0, 7.0]


def test_did_zero_cells_give_a_reason() -> None:
    events = _events({("T", BASE.start): 4, ("C", BASE.start): 3, ("C", PILOT.start): 2})
    panel = weekly_panel(events, {"T": (True, 100.0), "C": (False, 100.0)}, BASE, PILOT)
    r = fit_did(panel)
    assert r.irr is None and r.reason == "geen incidenten in het behandelgebied in de pilotperiode"
    _no_nan(astuple(r)[:7])
    assert fit_did(panel.iloc[0:0]).reason


# --- Dutch text ---------------------------------------------------------------------------------


def test_dutch_numbers_and_sentences() -> None:
    assert nl_number(1234.5) == "1.234,5"
    assert nl_number(float("nan")) == "–"
    assert nl_p(0.03) == "p = 0,03" and nl_p(0.0004) == "p < 0,001" and nl_p(0.004) == "p = 0,004"
    text = direction_sentence(
        0.5, 0.03, 0.05, subject="Woninginbraak", against="het controlegebied"
    )
    assert text.startswith("Woninginbraak is significant lager dan het controlegebied (p = 0,03")
    assert "significant hoger" in direction_sentence(2.0, 0.01, 0.05, subject="X", against="Y")
    assert "niet significant" in direction_sentence(0.9, 0.4, 0.05, subject="X", against="Y")
    none = direction_sentence(None, None, 0.05, subject="X", against="Y", reason="geen data")
    assert none == "X: niet te bepalen: geen data"

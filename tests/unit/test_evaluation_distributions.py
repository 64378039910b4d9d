"""The evaluation's own distribution functions and negative-binomial fit give scipy.stats' and
statsmodels' numbers (they exist only so that the evaluation need not import those)."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from briefing.evaluation import distributions as d
from briefing.evaluation.did import _poisson_fe, fit_did, negbin_glm, weekly_panel
from briefing.evaluation.params import Period


def test_normal_functions_are_scipy_stats_exactly() -> None:
    x = np.linspace(-40, 40, 20_001)
    assert [d.norm_sf(v) for v in x] == list(stats.norm.sf(x))
    q = np.linspace(1e-9, 1 - 1e-9, 20_001)
    assert [d.norm_ppf(v) for v in q] == list(stats.norm.ppf(q))


def test_beta_quantiles_are_scipy_stats_exactly() -> None:
    a, b, q = np.meshgrid(
        np.arange(1, 120, 3), np.arange(1, 400, 7), [0.005, 0.025, 0.05, 0.95, 0.975, 0.995]
    )
    ref = stats.beta.ppf(q.ravel(), a.ravel(), b.ravel())
    ours = [d.beta_ppf(*args) for args in zip(q.ravel(), a.ravel(), b.ravel(), strict=True)]
    assert ours == list(ref)


@pytest.mark.parametrize("p", [0.5, 181 / 363, 1 / 3, 2 / 3, 0.123456, 1e-3, 0.999])
def test_binomial_tails_are_scipy_stats_exactly(p: float) -> None:
    for n in [*range(1, 120), 250, 999, 4000]:
        ks = range(-2, n + 3) if n < 300 else range(-2, n + 3, 37)
        cdf = stats.binom.cdf(list(ks), n, p)
        sf = stats.binom.sf(list(ks), n, p)
        assert [d.binom_cdf(k, n, p) for k in ks] == list(cdf), n
        assert [d.binom_sf(k, n, p) for k in ks] == list(sf), n


def test_spearman_is_scipy_stats_exactly() -> None:
    rng = np.random.default_rng(11)
    for n in [3, 4, 5, 8, 13, 40, 200]:
        for _ in range(30):
            x = rng.integers(0, 6, n).astype(float)  # many ties
            y = rng.integers(-9, 9, n).astype(float)
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            ref = stats.spearmanr(x, y)
            assert d.spearman(x, y) == (float(ref.statistic), float(ref.pvalue))
    assert d.spearman([1, 2, 3], [3, 2, 1]) == (-1.0, 0.0)
    with pytest.raises(ValueError):
        d.spearman([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError):
        d.spearman([1, 2], [1, 2])


def test_average_ranks_are_scipy_rankdata() -> None:
    rng = np.random.default_rng(5)
    for n in range(0, 50):
        x = rng.integers(0, 5, n)
        assert list(d.average_ranks(x)) == list(stats.rankdata(x))


def _random_panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = Period(dt.date(2016, 1, 4), dt.date(2016, 6, 26))
    pilot = Period(dt.date(2017, 1, 2), dt.date(2017, 6, 25))
    n_units = int(rng.integers(2, 8))
    scale = float(rng.choice([0.5, 2.0, 10.0, 40.0]))
    units = {
        f"U{i}": (i < max(1, n_units // 3), float(rng.integers(1000, 30000)))
        for i in range(n_units)
    }
    frames = []
    for unit, (treated, pop) in units.items():
        for period, post in ((base, False), (pilot, True)):
            days = pd.date_range(period.start, period.end)
            lam = pop / 1000 * scale / 365 * (0.7 if treated and post else 1.0)
            counts = rng.poisson(lam * rng.gamma(2.0, 0.5, len(days)))  # overdispersed
            frames.append(pd.DataFrame({"date": np.repeat(days.date, counts), "unit": unit}))
    return weekly_panel(pd.concat(frames, ignore_index=True), units, base, pilot)


@pytest.mark.parametrize("seed", range(10))
def test_negative_binomial_fit_is_statsmodels_glm(seed: int) -> None:
    panel = _random_panel(seed)
    result = fit_did(panel, model="negbin")
    if result.reason is not None:  # a group without incidents: no fit to compare
        assert result.irr is None
        return
    data = panel.loc[panel.groupby("unit")["count"].transform("sum") > 0]
    data = data.loc[data.groupby("bin")["count"].transform("sum") > 0].reset_index(drop=True)
    exog = pd.concat(
        [
            pd.Series(1.0, index=data.index, name="const"),
            pd.get_dummies(data["unit"], prefix="u", drop_first=True, dtype=float),
            pd.get_dummies(data["bin"], prefix="w", drop_first=True, dtype=float),
            (data["treated"] & data["post"]).astype(float).rename("did"),
        ],
        axis=1,
    )
    y = data["count"].to_numpy(float)
    offset = np.log(data["exposure"].to_numpy(float))
    _, _, mu, _ = _poisson_fe(data)
    alpha = max(float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)), 1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(y, exog, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset)
        fit = ref.fit()
    params, bse, converged = negbin_glm(y, exog.to_numpy(), offset, alpha)
    assert converged == fit.converged
    np.testing.assert_allclose(params, fit.params.to_numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bse, fit.bse.to_numpy(), rtol=1e-12)
    assert result.irr == pytest.approx(np.exp(fit.params["did"]), rel=1e-13)
    assert result.alpha_nb == alpha

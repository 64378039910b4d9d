"""The evaluation's distribution functions give scipy.stats' numbers (they call the same
scipy.special functions, so that the evaluation need not import scipy.stats, which took longer
than the evaluation itself); statsmodels is imported only for a negative-binomial pilot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from briefing.evaluation import distributions as d


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
def test_binomial_tails_are_scipy_stats_within_rounding(p: float) -> None:
    # The same Boost incomplete beta as scipy.stats.binom, at double internal precision: equal
    # to 1e-13 relative wherever a p-value could be read, and at the bounds exactly.
    for n in [*range(1, 120), 250, 999, 4000]:
        ks = list(range(-2, n + 3) if n < 300 else range(-2, n + 3, 37))
        cdf, sf = stats.binom.cdf(ks, n, p), stats.binom.sf(ks, n, p)
        ours_cdf = np.array([d.binom_cdf(k, n, p) for k in ks])
        ours_sf = np.array([d.binom_sf(k, n, p) for k in ks])
        np.testing.assert_allclose(ours_cdf, cdf, rtol=1e-13, atol=1e-19)
        np.testing.assert_allclose(ours_sf, sf, rtol=1e-13, atol=1e-19)
        outside = [i for i, k in enumerate(ks) if k < 0 or k >= n]
        assert list(ours_cdf[outside]) == list(cdf[outside])
        assert list(ours_sf[outside]) == list(sf[outside])


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


PROBE = """
import datetime as dt, sys
import pandas as pd
import vis.services.evaluation
from briefing.evaluation.did import fit_did, weekly_panel
from briefing.evaluation.dosage import dosage_summary
from briefing.evaluation.params import Period
from briefing.evaluation.rates import compare_rates
from briefing.evaluation.wdd import choose_wdd
compare_rates(3, 2.0, 7, 1.0)
choose_wdd(20, 10, 30, 32, (15, 14))
base = Period(dt.date(2016, 1, 4), dt.date(2016, 2, 28))
pilot = Period(dt.date(2017, 1, 2), dt.date(2017, 2, 26))
days = [d.date() for p in (base, pilot) for d in pd.date_range(p.start, p.end)]
events = pd.DataFrame({"date": days * 2, "unit": ["T"] * len(days) + ["C"] * len(days)})
panel = weekly_panel(events, {"T": (True, 10.0), "C": (False, 20.0)}, base, pilot)
assert fit_did(panel, model="poisson").irr is not None
table = pd.DataFrame({"bezoeken": [0, 1, 2, 3], "verschil": [1, -1, 0, -2], "voor": [2, 3, 2, 4],
                      "na": [3, 2, 2, 2], "volledig": [True] * 4})
assert dosage_summary(table).spearman_rho is not None
print("loaded:" + ",".join(m for m in ("scipy.stats", "statsmodels") if m in sys.modules))
"""


def test_a_poisson_evaluation_imports_neither_scipy_stats_nor_statsmodels() -> None:
    # Importing either took longer than evaluating a pilot (issue 12: at most 1 s).
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "loaded:"

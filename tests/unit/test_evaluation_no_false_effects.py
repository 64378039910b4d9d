"""The evaluation never calls an effect that isn't there: p-values that agree with their
intervals, a WDD that reproduces Wheeler & Ratcliffe and stays quiet in a world where nothing
happened, and a CompStat flag whose false-alarm rate holds when nothing changes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from briefing.evaluation.rates import compare_rates

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


def test_score_p_agrees_with_the_score_interval() -> None:
    disagree = []
    for c1 in range(1, 60, 3):
        for c0 in range(1, 60, 3):
            r = compare_rates(c1, 181.0, c0, 182.0, method="score")
            assert r.p_value is not None
            if (r.p_value < 0.05) != _excludes_one(r.ci_low, r.ci_high):
                disagree.append((c1, c0))
    assert disagree == []

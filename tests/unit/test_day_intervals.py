"""The backtest's paired intervals over briefing days whose 7-day targets overlap.

The simulated world: incidents fall on days at random; two methods each catch an incident with
the same chance (nothing separates them, the true ratio is 1); a briefing day's hits are those of
the 7 days from it, as in the backtest. With a briefing every day, resampling single days covers
the true ratio far less often than the 95 % it claims; the block intervals hold.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from briefing.day_intervals import (
    block_length,
    block_resample,
    difference_interval,
    overlap,
    ratio_interval,
)

DAY = dt.date(2023, 7, 1)


def days(n: int, every: int) -> list[dt.date]:
    return [DAY + dt.timedelta(days=every * i) for i in range(n)]


def test_overlap_counts_the_briefing_days_that_share_a_target_day() -> None:
    assert overlap(days(30, 1), 7) == 7
    assert overlap(days(30, 3), 7) == 3  # days 0, 3 and 6 share day 6
    assert overlap(days(30, 6), 7) == 2
    assert overlap(days(30, 7), 7) == 1
    assert overlap(days(30, 28), 7) == 1
    assert overlap([DAY, DAY + dt.timedelta(days=30), DAY + dt.timedelta(days=31)], 7) == 2
    assert overlap([], 7) == 0


def test_block_is_one_day_without_overlap_and_twice_the_overlap_with_it() -> None:
    assert block_length(days(30, 14), 7) == 1
    assert block_length(days(30, 6), 7) == 4
    assert block_length(days(30, 1), 7) == 14


def test_block_resample_draws_whole_runs_of_consecutive_days() -> None:
    pick = block_resample(20, 4, np.random.default_rng(1), 50)
    assert pick.shape == (50, 20)
    runs = pick.reshape(50, 5, 4)
    assert (np.diff(runs, axis=2) == 1).all()
    assert pick.min() >= 0 and pick.max() <= 19


def test_a_block_of_one_day_is_the_plain_day_bootstrap_and_t_interval() -> None:
    rng = np.random.default_rng(3)
    vis, other = rng.poisson(3.0, 40).astype(float), rng.poisson(3.0, 40).astype(float)
    pick = np.random.default_rng(9).integers(0, 40, size=(2000, 40))
    ratios = vis[pick].sum(axis=1) / other[pick].sum(axis=1)
    expected = [round(float(q), 4) for q in np.quantile(ratios, [0.025, 0.975])]
    assert ratio_interval(vis, other, 1, 9) == expected
    diff = vis - other
    half = 2.0226909 * diff.std(ddof=1) / np.sqrt(40)  # t(0.975, 39)
    lo, hi = difference_interval(diff, 1) or [0.0, 0.0]
    assert lo == pytest.approx(diff.mean() - half, abs=1e-4)
    assert hi == pytest.approx(diff.mean() + half, abs=1e-4)


def test_fewer_than_two_blocks_of_days_give_no_interval() -> None:
    a = np.array([3.0, 4.0, 2.0, 5.0, 1.0])
    b = np.array([2.0, 2.0, 3.0, 1.0, 2.0])
    assert ratio_interval(a, b, 3, seed=1) is None
    assert difference_interval(a - b, 3) is None
    assert ratio_interval(a, b, 2, seed=1) is not None
    assert difference_interval(a - b, 2) is not None
    assert ratio_interval(a[:1], b[:1], 1, seed=1) is None


def test_the_difference_interval_uses_newey_west_weights_by_hand() -> None:
    diff = np.array([1.0, 3.0, 2.0, -1.0, 0.0, 4.0, 2.0, -2.0, 1.0, 0.0])
    n, lags = diff.size, 3
    e = diff - diff.mean()
    s = e @ e / n
    for k in range(1, lags + 1):
        s += 2 * (1 - k / (lags + 1)) * (e[k:] @ e[:-k]) / n
    se = np.sqrt(s / n * n / (n - 1))  # statsmodels' small-sample correction n / (n - k)
    half = 2.2621572 * se  # t(0.975, 9)
    lo, hi = difference_interval(diff, lags + 1) or [0.0, 0.0]
    assert lo == pytest.approx(diff.mean() - half, abs=1e-4)
    assert hi == pytest.approx(diff.mean() + half, abs=1e-4)


def null_world(rng: np.random.Generator, n_days: int, horizon: int) -> tuple:
    """Daily hits of two equally good methods over overlapping ``horizon``-day targets."""
    incidents = rng.poisson(1.5, n_days + horizon - 1)
    a = rng.binomial(incidents, 0.3).astype(float)
    b = rng.binomial(incidents, 0.3).astype(float)
    window = np.ones(horizon)
    return (
        np.convolve(a, window, "valid"),
        np.convolve(b, window, "valid"),
    )


def coverage(block: int, worlds: int = 300, n_days: int = 182) -> tuple[float, float]:
    rng = np.random.default_rng(2026)
    ratio_ok = diff_ok = 0
    for w in range(worlds):
        a, b = null_world(rng, n_days, 7)
        r = ratio_interval(a, b, block, seed=w, reps=400)
        d = difference_interval(a - b, block)
        assert r is not None and d is not None
        ratio_ok += r[0] <= 1.0 <= r[1]
        diff_ok += d[0] <= 0.0 <= d[1]
    return ratio_ok / worlds, diff_ok / worlds


def test_in_a_world_where_both_methods_are_equal_the_intervals_cover_it_as_claimed() -> None:
    block = block_length(days(182, 1), 7)
    ratio_cover, diff_cover = coverage(block)
    assert ratio_cover >= 0.90
    assert diff_cover >= 0.90
    # resampling single days, as before, claims a difference far too often
    naive_ratio, naive_diff = coverage(1)
    assert naive_ratio < 0.75
    assert naive_diff < 0.75

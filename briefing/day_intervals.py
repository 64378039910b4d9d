"""Paired intervals over briefing days whose targets overlap.

A backtest day's targets are the incidents of the ``horizon`` days from its shift's start. When
briefing days lie closer together than that, one incident is a target, and a hit, of several
consecutive days: their tallies are dependent. Resampling single days as if they were independent
then gives intervals that are too narrow, by about the square root of the overlap (a briefing
every day with a 7-day horizon: about 2.6 times too narrow, so a difference that is noise looks
certain).

- :func:`overlap` is the largest number of briefing days that one target can belong to.
- :func:`block_length` is the block the intervals keep together: 1 when no target is shared (the
  days are resampled one by one, as before), else twice the overlap (a block of exactly the
  overlap keeps only about 82 % of the standard error of 7-day windows, twice it about 92 %).
- With fewer than two blocks of days there is nothing to resample: no interval (None), rather
  than one that claims a certainty the days do not hold.
- :func:`ratio_interval`: the ratio of summed hits with a paired moving-block bootstrap interval
  (Künsch 1989): blocks of consecutive days are drawn with replacement, both methods' tallies of a
  day together.
- :func:`difference_interval`: the mean daily difference with a t-interval whose standard error
  is statsmodels' heteroskedasticity- and autocorrelation-consistent (Newey-West, Bartlett
  kernel) one with ``block_length - 1`` lags, the same weighting as the bootstrap's blocks, and
  the small-sample factor n / (n - 1); with a block of 1 it is the ordinary t-interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import stats

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Bootstrap replicates of the ratio's interval.
BOOTSTRAP = 2000


def overlap(days: Sequence[dt.date], horizon_days: int) -> int:
    """The most briefing days (sorted) whose ``horizon_days``-day target windows share a day."""
    ordinals = sorted(d.toordinal() for d in days)
    most, first = 0, 0
    for last, day in enumerate(ordinals):
        while day - ordinals[first] >= horizon_days:
            first += 1
        most = max(most, last - first + 1)
    return most


def block_length(days: Sequence[dt.date], horizon_days: int) -> int:
    """Consecutive briefing days the intervals keep together (see the module text)."""
    shared = overlap(days, horizon_days)
    return 1 if shared <= 1 else 2 * shared


def block_resample(n: int, block: int, rng: np.random.Generator, reps: int) -> IntArray:
    """``reps`` rows of ``n`` day indices: blocks of ``block`` consecutive days drawn with
    replacement (moving blocks), cut to ``n``; with a block of 1, days drawn one by one."""
    block = max(1, min(block, n))
    if block == 1:
        return rng.integers(0, n, size=(reps, n))
    per_row = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(reps, per_row))
    return (starts[:, :, None] + np.arange(block)).reshape(reps, per_row * block)[:, :n]


def ratio_interval(
    vis: FloatArray, other: FloatArray, block: int, seed: int, reps: int = BOOTSTRAP
) -> list[float] | None:
    """95 % interval of ``sum(vis) / sum(other)`` by the paired block bootstrap; None when no
    replicate has hits of ``other``."""
    n = vis.size
    if n < 2 * max(block, 1):
        return None
    pick = block_resample(n, block, np.random.default_rng(seed), reps)
    num, den = vis[pick].sum(axis=1), other[pick].sum(axis=1)
    ok = den > 0
    if not ok.any():
        return None
    lo, hi = np.quantile(num[ok] / den[ok], [0.025, 0.975])
    return [round(float(lo), 4), round(float(hi), 4)]


def difference_interval(diff: FloatArray, block: int) -> list[float] | None:
    """95 % t-interval of the mean of ``diff`` (see the module text); None for fewer than two
    blocks of days."""
    n = diff.size
    if n < 2 * max(block, 1):
        return None
    mean = float(diff.mean())
    if block <= 1:
        se = float(diff.std(ddof=1)) / math.sqrt(n)
    else:
        from statsmodels.regression.linear_model import OLS

        fit = OLS(diff, np.ones(n)).fit(
            cov_type="HAC",
            cov_kwds={"maxlags": block - 1, "use_correction": True},
            use_t=True,
        )
        se = float(fit.bse[0])
    half = float(stats.t.ppf(0.975, n - 1)) * se
    return [round(mean - half, 4), round(mean + half, 4)]

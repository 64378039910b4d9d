"""Moments of demo incidents, as integer minutes since 1970-01-01 in local (wall-clock) time.

Local wall-clock minutes are what a BVH extract writes (``dd-mm-jjjj uu:mm``, Europe/Amsterdam);
the one hour that does not exist (the spring change to summer time) is never produced.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vis.demo.calibration import Bucket
from vis.demo.profile import Profile

IntArray = npt.NDArray[np.int64]
DAY = 1440
NONE = -1  # an empty moment (no end of the window)
_DARK_MONTHS = np.array([0, 1, 2, 9, 10, 11])  # January-March, October-December (0-based)


def hour_weights(bumps: tuple[tuple[float, float, float], ...], floor: float) -> np.ndarray:
    """24 hourly weights: a floor plus circular Gaussian bumps (centre, width, height)."""
    hours = np.arange(24) + 0.5
    w = np.full(24, floor, dtype=float)
    for centre, width, height in bumps:
        d = np.abs(hours - centre)
        d = np.minimum(d, 24.0 - d)
        w += height * np.exp(-0.5 * (d / width) ** 2)
    return w / w.sum()


def sample_moments(rng: np.random.Generator, profile: Profile, bucket: Bucket, n: int) -> IntArray:
    """``n`` moments in a bucket: day by the day weights, hour by the (dark-month) hour profile."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    p = bucket.weights / bucket.weights.sum()
    day = bucket.days[rng.choice(len(p), size=n, p=p)]
    hour = rng.choice(24, size=n, p=hour_weights(profile.hours, profile.hours_floor))
    if profile.hours_dark:
        month = day.astype("datetime64[M]").astype(np.int64) % 12
        dark = np.flatnonzero(np.isin(month, _DARK_MONTHS))
        hour[dark] = rng.choice(
            24, size=len(dark), p=hour_weights(profile.hours_dark, profile.hours_floor)
        )
    minute = rng.integers(0, 60, size=n)
    return np.asarray(day.astype(np.int64) * DAY + hour * 60 + minute, dtype=np.int64)


def windows(rng: np.random.Generator, profile: Profile, t: IntArray) -> tuple[IntArray, IntArray]:
    """(begin, end) around the hidden moments ``t``; ``end`` is NONE for a point in time.

    A window is what a victim reports ("between 08:00 and 17:30"): rounded outward to quarters.
    A point in time is rounded down to five minutes, as registrations usually are.
    """
    n = len(t)
    begin = t - t % 5
    end = np.full(n, NONE, dtype=np.int64)
    spec = profile.window
    if spec is None or n == 0:
        return begin, end
    has = rng.random(n) < spec.probability
    mix = np.array(spec.lengths, dtype=float)
    comp = rng.choice(len(mix), size=n, p=mix[:, 2] / mix[:, 2].sum())
    length = rng.uniform(mix[comp, 0], mix[comp, 1]) * 60.0
    w_begin = t - (rng.random(n) * length).astype(np.int64)
    w_end = w_begin + length.astype(np.int64)
    w_begin -= w_begin % 15
    w_end += (-w_end) % 15
    begin = np.where(has, w_begin, begin)
    end = np.where(has, np.maximum(w_end, begin + 15), end)
    return begin, end


def known_after(rng: np.random.Generator, profile: Profile, ref: IntArray) -> IntArray:
    """Kennisname: a log-normal delay after ``ref`` (the end of the window, or the moment)."""
    delay = np.exp(
        np.log(profile.known_median_min) + profile.known_sigma * rng.normal(size=len(ref))
    )
    return ref + np.clip(delay, 1.0, 21 * DAY).astype(np.int64)


def spring_gap_days(first_year: int, last_year: int) -> IntArray:
    """The last Sunday of March of each year (days since 1970): 02:00-03:00 does not exist."""
    out = []
    for year in range(first_year, last_year + 1):
        day = np.datetime64(f"{year}-03-31", "D").astype(np.int64)
        weekday = (day + 3) % 7  # Monday 0 ... Sunday 6
        out.append(day - (weekday + 1) % 7)
    return np.array(out, dtype=np.int64)


def skip_spring_gap(m: IntArray, gap_days: IntArray) -> IntArray:
    """Moments inside the spring gap move one hour on, as a clock does."""
    valid = m != NONE
    minute_of_day = m % DAY
    in_gap = valid & np.isin(m // DAY, gap_days) & (minute_of_day >= 120) & (minute_of_day < 180)
    return np.where(in_gap, m + 60, m)

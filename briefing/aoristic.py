"""Aoristic weights: how much of an incident's time window falls in a shift's hours.

A victim often only knows "between 08:00 and 17:30". Such an incident is spread evenly over its
window, and its weight for a shift is the share of the window that lies in that shift's hours. The
weekday counts too: the share is kept per (shift, weekday of the shift's start), so that an evening
shift starting on Saturday and running into Sunday night is one unit.

The computation is exact and vectorised. For each (shift, weekday) the set of its minutes in a week
is a periodic indicator; its running total ``F(t) = weeks(t) * M + G[t mod W]`` gives the overlap of
any window ``[b, e)`` as ``F(e) - F(b)``. Times are local wall-clock minutes (the shifts are defined
in local time); a point in time counts as a one-minute window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from briefing.params import ShiftDef

WEEK_MIN = 7 * 24 * 60
#: 1970-01-05 was a Monday: local minutes are counted from there, so weekday 0 is Monday.
_MONDAY_EPOCH_MIN = 4 * 24 * 60


def local_minutes(times: pd.Series, timezone: str) -> npt.NDArray[np.int64]:
    """Wall-clock minutes since Monday 1970-01-05 00:00 local time, for UTC-aware ``times``."""
    local = pd.to_datetime(times, utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    ns = local.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns // 60_000_000_000 - _MONDAY_EPOCH_MIN


def shift_masks(shifts: Sequence[ShiftDef]) -> npt.NDArray[np.int64]:
    """Running totals ``G`` (shape: shifts, 7 weekdays, WEEK_MIN + 1) of each shift's minutes."""
    out = np.zeros((len(shifts), 7, WEEK_MIN + 1), dtype=np.int64)
    minutes = np.arange(WEEK_MIN)
    for s, shift in enumerate(shifts):
        length = round(shift.hours * 60)
        start_of_day = shift.start.hour * 60 + shift.start.minute
        for d in range(7):
            start = d * 1440 + start_of_day
            inside = ((minutes - start) % WEEK_MIN) < length
            out[s, d, 1:] = np.cumsum(inside)
    return out


def shift_fractions(
    begin_min: npt.NDArray[np.int64],
    end_min: npt.NDArray[np.int64],
    masks: npt.NDArray[np.int64],
) -> npt.NDArray[np.float32]:
    """Share of each window ``[begin, end)`` in each (shift, weekday): shape (n, shifts, 7).

    ``end`` at or before ``begin`` (a point in time) counts as one minute from ``begin``.
    """
    b = np.asarray(begin_min, np.int64)
    e = np.maximum(np.asarray(end_min, np.int64), b + 1)
    n_shifts = masks.shape[0]
    out = np.empty((b.size, n_shifts, 7), dtype=np.float32)
    per_week = masks[:, :, -1]
    bw, br = np.divmod(b, WEEK_MIN)
    ew, er = np.divmod(e, WEEK_MIN)
    length = (e - b).astype(np.float64)
    for s in range(n_shifts):
        for d in range(7):
            g = masks[s, d]
            overlap = (ew - bw) * per_week[s, d] + g[er] - g[br]
            out[:, s, d] = overlap / length
    return out


def shift_window(day: dt.date, shift: ShiftDef, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) in UTC of ``shift`` on ``day``: local times, the end on the next day when it
    is not after the start. A start in the spring's missing hour moves forward."""
    tz = ZoneInfo(timezone)
    start_local = dt.datetime.combine(day, shift.start, tzinfo=tz)
    end_day = day if shift.end > shift.start else day + dt.timedelta(days=1)
    end_local = dt.datetime.combine(end_day, shift.end, tzinfo=tz)
    # round-trip through UTC normalises a wall time that does not exist (DST gap)
    start = start_local.astimezone(dt.UTC)
    end = end_local.astimezone(dt.UTC)
    return start, end

"""Fast text rendering of UTC timestamps for bulk loaders."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

_US_PER_DAY = 86_400_000_000
_US_PER_SECOND = 1_000_000


def _two_digits(values: np.ndarray) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=2, padding="0")


@cache
def _seconds_of_a_day(suffix: str) -> pa.StringArray:
    """``HH:MM:SS.000000`` (+ ``suffix``) for every whole second of a day, in order."""
    seconds = np.arange(86_400)
    parts = [
        _two_digits(seconds // 3600),
        _two_digits(seconds // 60 % 60),
        _two_digits(seconds % 60),
    ]
    clock = pc.binary_join_element_wise(*parts, ":")
    return pc.binary_join_element_wise(clock, pa.scalar(f".000000{suffix}"), "")


def utc_text(values: npt.NDArray[np.datetime64], *, suffix: str = "") -> pa.StringArray:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (+ ``suffix``) for naive-UTC datetime64 values; NaT → null.

    Formats each distinct day and each distinct time of day once and joins them, which is far
    faster than formatting a million timestamps one by one. Days within a short span are taken
    from a table of that span, and times in whole seconds from a table of the seconds of a day,
    so that nothing needs sorting.
    """
    ts = np.asarray(values).astype("datetime64[us]")
    if ts.size == 0:
        return pa.array([], pa.string())
    nat = np.isnat(ts)
    us = np.where(nat, 0, ts.astype(np.int64))
    days, rest = np.divmod(us, _US_PER_DAY)
    first = int(days.min())
    span = int(days.max()) - first + 1
    if span <= max(days.size, 1024):
        all_days = np.arange(first, first + span).astype("datetime64[D]")
        day_text = pa.array(np.datetime_as_string(all_days).tolist(), pa.string())
        day_idx = days - first
    else:
        unique_days, day_idx = np.unique(days, return_inverse=True)
        day_text = pa.array(np.datetime_as_string(unique_days.astype("datetime64[D]")).tolist())
    if not (rest % _US_PER_SECOND).any():
        time_text = _seconds_of_a_day(suffix)
        time_idx = rest // _US_PER_SECOND
    else:
        unique_times, time_idx = np.unique(rest, return_inverse=True)
        time_text = pa.array(
            [
                f"{t // 3_600_000_000:02d}:{t // 60_000_000 % 60:02d}:"
                f"{t // 1_000_000 % 60:02d}.{t % 1_000_000:06d}{suffix}"
                for t in unique_times.tolist()
            ],
            pa.string(),
        )
    joined = pc.binary_join_element_wise(
        pc.take(day_text, pa.array(day_idx.ravel())),
        pc.take(time_text, pa.array(time_idx.ravel())),
        " ",
    )
    if nat.any():
        joined = pc.if_else(pa.array(nat), pa.scalar(None, pa.string()), joined)
    return joined

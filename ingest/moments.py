"""Moments of an extract (begin, end, kennisname) from text to UTC, vectorised.

Accepted: Dutch ``dd-mm-jjjj[ uu:mm[:ss]]`` and ISO 8601 (date, or date and time), in local
time (the configured ``schedule.timezone``: Europe/Amsterdam) unless the ISO text gives an offset
(``Z``, ``+01:00``, ``+0100``, ``+01``).
A moment is plausible from the year 1900 (local time; for a moment with an offset, in UTC) up to
the end of the year 9999 UTC; anything else is a failed value, never an error of the whole chunk.

:func:`moments_of` reads the usual Dutch shape on a fast path over the Arrow bytes; a column
holding anything else goes through :func:`parse_moments` (pandas), which gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest import arrowrows as ar

#: The earliest plausible year, for Dutch and ISO moments alike.
FIRST_YEAR = 1900
#: The shape that the fast path reads; any other non-empty value sends its column the general way.
_FAST_DUTCH = r"^\d\d-\d\d-\d{4}(?: \d\d:\d\d(?::\d\d)?)?$"
_DUTCH = (
    r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
#: A time followed by an offset: Z, or hours with or without minutes ("+01:00", "+0100", "+1").
_ISO_OFFSET = r"[T ]\d[\d:.,]*\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)$"
_FIRST_MONTH = (1 - 1970) * 12


@cache
def _month_days() -> np.ndarray:
    """Day number (days since 1970) of the first of every month from 0001-01 up to 10000-01."""
    months = np.arange(_FIRST_MONTH, (10000 - 1970) * 12 + 1).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def _local_stamps(matched: np.ndarray, fields: Callable[[str], np.ndarray]) -> np.ndarray:
    """Naive local datetime64[us] from day, month, year, hour, minute and second; NaT if invalid.

    Checked field by field so that an impossible date (31-02-2017) is an error, not a roll-over.
    """
    d, m, y, hh, mm, ss = (fields(n) for n in ("d", "m", "y", "H", "M", "S"))
    month = (np.clip(y, 1, 9999) - 1970) * 12 + np.clip(m, 1, 12) - 1 - _FIRST_MONTH
    first_day = _month_days()[month]
    days_in_month = _month_days()[month + 1] - first_day
    ok = (
        matched
        & (m >= 1)
        & (m <= 12)
        & (d >= 1)
        & (d <= days_in_month)
        & (hh < 24)
        & (mm < 60)
        & (ss < 60)
        & (y >= FIRST_YEAR)
    )
    seconds = (first_day + d - 1) * 86_400 + hh * 3600 + mm * 60 + ss
    return np.where(ok, seconds * 1_000_000, np.iinfo(np.int64).min).view("datetime64[us]")


def _dutch_local(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Naive local datetime64[us] for ``dd-mm-jjjj[ uu:mm[:ss]]`` strings, and which matched."""
    parts = pc.extract_regex(pa.array(values.to_numpy(dtype=object), pa.string()), _DUTCH)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), bool)
    if not matched.any():
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]"), matched

    def field(name: str) -> np.ndarray:
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), "0", text)
        return np.asarray(pc.cast(text, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))

    return _local_stamps(matched, field), matched


def _to_utc(local: np.ndarray, timezone: str) -> np.ndarray:
    """Naive UTC datetime64[us] for naive local ones in ``timezone`` (NaT stays NaT)."""
    out = np.full(len(local), np.datetime64("NaT"), dtype="datetime64[us]")
    has = ~np.isnat(local)
    if has.any():
        # Autumn's repeated hour is read as summer time (the first pass); spring's missing hour
        # is moved forward. Both are rare and documented in the README.
        stamps = pd.DatetimeIndex(local[has]).tz_localize(
            timezone, ambiguous=np.ones(int(has.sum()), bool), nonexistent="shift_forward"
        )
        out[has] = stamps.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]")
    return out


def _plausible(stamps: pd.Series) -> pd.Series:
    """The stamps (naive or UTC) from the year FIRST_YEAR to 9999; NaT elsewhere."""
    years = stamps.dt.year
    return stamps.where((years >= FIRST_YEAR) & (years <= 9999))


def parse_moments(values: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series]:
    """UTC timestamps for Dutch or ISO date(-time) strings, local ones in ``timezone``; and which
    non-empty ones failed."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    filled = (values != "").to_numpy()
    dutch_values, dutch = _dutch_local(values)
    local = pd.Series(dutch_values, index=values.index)
    iso = filled & ~dutch
    if iso.any():
        iso_values = values[iso]
        # Read in UTC all at once, so that values with and without an offset never mix; a value
        # without one keeps its wall-clock time here and is localised below.
        parsed = pd.to_datetime(iso_values, format="ISO8601", utc=True, errors="coerce")
        parsed = parsed.astype("datetime64[us, UTC]")
        with_offset = iso_values.str.contains(_ISO_OFFSET, regex=True, na=False)
        aware = parsed[with_offset]
        if len(aware):
            out[aware.index] = _plausible(aware)
        naive = parsed[~with_offset]
        if len(naive):
            local[naive.index] = _plausible(naive.dt.tz_localize(None))
    has_local = local.notna()
    if has_local.any():
        out[has_local] = pd.Series(
            _to_utc(local[has_local].to_numpy("datetime64[us]"), timezone),
            index=local[has_local].index,
        ).dt.tz_localize("UTC")
    return out, pd.Series(filled, index=values.index) & out.isna()


def moments_of(text: pa.Array, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """(naive UTC datetime64, failed) for a column of moments, local ones in ``timezone``."""
    starts, lengths, data = ar.string_layout(text)
    filled = lengths > 0
    fast = ar.mask(pc.match_substring_regex(text, _FAST_DUTCH))
    if not np.array_equal(fast, filled):
        values, bad = parse_moments(text.to_pandas(), timezone)
        return values.dt.tz_localize(None).to_numpy("datetime64[us]"), bad.to_numpy(bool)
    local = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    rows = np.flatnonzero(fast)
    if rows.size:
        # dd-mm-yyyy at 0, hh:mm at 11 (16 bytes), :ss at 17 (19 bytes); absent parts are 0.
        at, size = ar.fixed_window(data, starts[rows], 19), lengths[rows]

        def number(*positions: int) -> np.ndarray:
            value = np.zeros(len(at), np.int64)
            for p in positions:
                value = value * 10 + (at[:, p].astype(np.int64) - 48)
            return value

        fields = {
            "d": number(0, 1),
            "m": number(3, 4),
            "y": number(6, 7, 8, 9),
            "H": np.where(size >= 16, number(11, 12), 0),
            "M": np.where(size >= 16, number(14, 15), 0),
            "S": np.where(size == 19, number(17, 18), 0),
        }
        local[rows] = _local_stamps(np.ones(rows.size, bool), fields.__getitem__)
    utc = _to_utc(local, timezone)
    return utc, filled & np.isnat(utc)

"""Values as a Dutch reader expects them on screen, formatted by Babel (``nl_NL``).

- moments in local time as ``dd-mm-jjjj uu:mm`` (:func:`moment`), with the Dutch weekday when
  asked (:func:`moment_with_weekday`), dates as ``dd-mm-jjjj`` (:func:`day`);
- numbers with a decimal comma and a thousands point (:func:`number`);
- ``—`` for a missing value, ``✓``/``✗`` for yes and no (:func:`cell`);
- a table with Dutch column names and every cell as text (:func:`dutch_table`).

Pure functions of their arguments (the time zone is passed in), so that pages, the CLI and tests
share them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "nl_NL"
MISSING = "—"
YES, NO = "✓", "✗"
DEFAULT_TZ = "Europe/Amsterdam"


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(isinstance(value, pd.Timestamp) and pd.isna(value))


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5`` (``decimals`` fixed); missing or not finite → ``—``."""
    if value is None or not math.isfinite(float(value)):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(value, format=pattern, locale=LOCALE))


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def moment(value: dt.datetime | str | None, tz: str = DEFAULT_TZ, *, seconds: bool = False) -> str:
    """A moment (aware, naive UTC or ISO text) in local time: ``04-12-2026 05:30``."""
    if _missing(value) or value == "":
        return MISSING
    assert value is not None
    pattern = "dd-MM-yyyy HH:mm:ss" if seconds else "dd-MM-yyyy HH:mm"
    return str(format_datetime(_aware(value), pattern, tzinfo=ZoneInfo(tz), locale=LOCALE))


def moment_with_weekday(value: dt.datetime | str | None, tz: str = DEFAULT_TZ) -> str:
    """``vrijdag 04-12-2026 05:30`` (local time)."""
    if _missing(value) or value == "":
        return MISSING
    assert value is not None
    return str(
        format_datetime(_aware(value), "EEEE dd-MM-yyyy HH:mm", tzinfo=ZoneInfo(tz), locale=LOCALE)
    )


def clock(value: dt.datetime | None, tz: str = DEFAULT_TZ) -> str:
    """Only the local time of day: ``05:30``."""
    if _missing(value):
        return MISSING
    assert value is not None
    return str(format_datetime(_aware(value), "HH:mm", tzinfo=ZoneInfo(tz), locale=LOCALE))


def day(value: dt.date | str | None) -> str:
    """A calendar date: ``04-12-2026``."""
    if _missing(value) or value == "":
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    assert value is not None
    return str(format_date(value, "dd-MM-yyyy", locale=LOCALE))


def weekday(value: dt.date) -> str:
    """The Dutch weekday: ``vrijdag``."""
    return str(format_date(value, "EEEE", locale=LOCALE))


def cell(value: Any, tz: str = DEFAULT_TZ, decimals: int = 2) -> str:
    """Any table value as Dutch text: ``—``, ``✓``/``✗``, local moments, dates, numbers."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if isinstance(value, dt.datetime):
        return moment(value, tz)
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, int):
        return number(value, 0)
    if isinstance(value, Real):
        f = float(value)
        return number(f, 0 if f.is_integer() else decimals)
    text = str(value)
    return text if text else MISSING


def dutch_table(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
    columns: Mapping[str, str],
    tz: str = DEFAULT_TZ,
    *,
    decimals: int = 2,
) -> pd.DataFrame:
    """Only ``columns`` (key → Dutch heading), in that order, each cell as Dutch text."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    out = {
        heading: [
            cell(v, tz, decimals) for v in (frame[key] if key in frame else [None] * len(frame))
        ]
        for key, heading in columns.items()
    }
    return pd.DataFrame(out, columns=list(columns.values()))

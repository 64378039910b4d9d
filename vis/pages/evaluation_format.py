"""Dutch number formats for the evaluator's pilot view, in one place (so that a locale-aware
formatter can replace them without touching the page): tables are turned into text columns
with a decimal comma, thousands points, p-values as "p < 0,001" and intervals as "a tot b"."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from briefing.evaluation.explain import nl_number, nl_p, nl_signed_percent


def _known(value: object) -> float | None:
    """``value`` as a float when it is a number (not a bool, None or NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def number(value: object, decimals: int = 1) -> str:
    known = _known(value)
    if known is None:
        return "–" if value is None or value != value else str(value)
    return nl_number(known, decimals)


def p_value(value: object) -> str:
    """``0,12`` or ``< 0,001``."""
    known = _known(value)
    return "–" if known is None else nl_p(known).removeprefix("p ").removeprefix("= ")


def percent(value: object) -> str:
    known = _known(value)
    return "–" if known is None else nl_signed_percent(known)


def dutch(
    frame: pd.DataFrame,
    numbers: Mapping[str, int] | None = None,
    pvalues: tuple[str, ...] = (),
    percents: tuple[str, ...] = (),
) -> pd.DataFrame:
    """``frame`` with the given columns as Dutch text (others as they are, text as text)."""
    out = frame.copy()
    for column, decimals in (numbers or {}).items():
        if column in out:
            out[column] = [number(v, decimals) for v in out[column]]
    for column in pvalues:
        if column in out:
            out[column] = [p_value(v) for v in out[column]]
    for column in percents:
        if column in out:
            out[column] = [percent(v) for v in out[column]]
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = [None if v is None else str(v) for v in out[column]]
    return out

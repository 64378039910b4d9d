"""Plain-Dutch explanations of the test results, with the Dutch decimal comma.

Every function returns a sentence that an evaluator can read to a council without statistics:
"significant lager dan het controlegebied, p = 0,03". A result that cannot be computed says so,
with its reason, instead of showing a number.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

NIET_TE_BEPALEN = "niet te bepalen"
NIET_INGEVULD = "niet ingevuld"


def nl_number(value: float | None, decimals: int = 1) -> str:
    """``1234.5`` → ``"1.234,5"``; None or not finite → ``"–"``."""
    if value is None or not math.isfinite(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(format_decimal(value, format=pattern, locale="nl_NL"))


def nl_percent(value: float | None, decimals: int = 1) -> str:
    """A percentage already in percent: ``37.1`` → ``"37,1 %"``."""
    return "–" if value is None or not math.isfinite(value) else f"{nl_number(value, decimals)} %"


def nl_signed_percent(value: float | None, decimals: int = 0) -> str:
    """A change in percent with its sign: ``-9.2`` → ``"−9 %"``, ``3`` → ``"+3 %"``."""
    if value is None or not math.isfinite(value):
        return "–"
    text = nl_number(abs(value), decimals)
    if text.strip("0,.") == "":
        return f"{text} %"
    return f"{'−' if value < 0 else '+'}{text} %"


def nl_p(p: float | None) -> str:
    """``p = 0,03``; very small values as ``p < 0,001``."""
    if p is None or not math.isfinite(p):
        return "p niet te bepalen"
    if p < 0.001:
        return "p < 0,001"
    return f"p = {nl_number(p, 3 if p < 0.01 else 2)}"


def nl_ci(low: float | None, high: float | None, decimals: int = 2) -> str:
    """``"95%-BI 0,61 tot 0,93"``-style interval text (without the level)."""
    if low is None or high is None:
        return "–"
    high_text = "oneindig" if math.isinf(high) else nl_number(high, decimals)
    return f"{nl_number(low, decimals)} tot {high_text}"


def undetermined(reason: str) -> str:
    return f"{NIET_TE_BEPALEN}: {reason}"


def direction_sentence(
    estimate: float | None,
    p: float | None,
    alpha: float,
    *,
    subject: str,
    against: str,
    reason: str | None = None,
    noun: str = "",
) -> str:
    """E.g. "Woninginbraak is significant lager dan het controlegebied (p = 0,03; …)".

    ``estimate`` is a ratio (1 = no difference). ``reason`` (set when the estimate could not be
    computed) turns the sentence into "niet te bepalen: …".
    """
    if reason is not None or estimate is None or not math.isfinite(estimate):
        return f"{subject}: {undetermined(reason or 'te weinig gegevens')}"
    lead = f"{subject} {noun}".strip()
    if p is None or not math.isfinite(p):
        return f"{lead}: verhouding {nl_number(estimate, 2)}; {undetermined('geen toets mogelijk')}"
    if p < alpha and estimate < 1:
        verdict = f"significant lager dan {against}"
    elif p < alpha and estimate > 1:
        verdict = f"significant hoger dan {against}"
    else:
        verdict = f"niet significant verschillend van {against}"
    return f"{lead} is {verdict} ({nl_p(p)}; verhouding {nl_number(estimate, 2)})"


def z_sentence(z: float | None, *, subject: str, reason: str | None = None) -> str:
    """A Z-score told in words: beyond ±1,96 is significant at 5 %, beyond ±2 noteworthy."""
    if reason is not None or z is None or not math.isfinite(z):
        return f"{subject}: {undetermined(reason or 'te weinig gegevens')}"
    if z <= -1.96:
        word = "significante daling"
    elif z >= 1.96:
        word = "significante stijging"
    else:
        word = "geen significante verandering"
    return f"{subject}: {word} (Z = {nl_number(z, 2)})"

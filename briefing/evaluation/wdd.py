"""Weighted displacement difference (Wheeler & Ratcliffe 2018, Crime Science 7:11).

With counts before (0) and after (1) in the treated area T, its control C, the displacement
buffer D around T and that buffer's control CD::

    WDD = (T1 - T0) - (C1 - C0) + (D1 - D0) - (CD1 - CD0)

Negative is a reduction. Under independent Poisson counts its variance is the sum of all eight
counts, and ``Z = WDD / sqrt(variance)``. Without a buffer the D and CD terms are zero. With a
buffer but no control of its own (``cd`` None), C serves as both controls: then
``WDD = ΔT + ΔD - 2·ΔC`` and C's counts enter the variance four times.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import stats

from briefing.evaluation.explain import nl_number, nl_p, undetermined


@dataclass(frozen=True)
class WddResult:
    t0: int
    t1: int
    c0: int
    c1: int
    d0: int
    d1: int
    cd0: int
    cd1: int
    wdd: float
    variance: float
    z: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wdd(
    t0: int,
    t1: int,
    c0: int,
    c1: int,
    d: tuple[int, int] | None = None,
    cd: tuple[int, int] | None = None,
    *,
    alpha: float = 0.05,
) -> WddResult:
    """The WDD with its Poisson variance, Z, two-sided p and ``1 - alpha`` interval.

    ``d`` is the buffer's (before, after), ``cd`` the buffer control's; see the module text.
    """
    shared = d is not None and cd is None
    d0, d1 = d if d is not None else (0, 0)
    cd0, cd1 = (c0, c1) if shared else (cd if cd is not None else (0, 0))
    counts = [int(v) for v in (t0, t1, c0, c1, d0, d1, cd0, cd1)]
    if min(counts) < 0:
        raise ValueError("counts must not be negative")
    a0, a1, b0, b1, e0, e1, f0, f1 = counts
    value = float((a1 - a0) - (b1 - b0) + (e1 - e0) - (f1 - f0))
    # With a shared control, ΔC enters twice: Var(2ΔC) = 4(C0 + C1), not 2(C0 + C1).
    variance = float(sum(counts) + (2 * (b0 + b1) if shared else 0))
    keys = ("t0", "t1", "c0", "c1", "d0", "d1", "cd0", "cd1")
    named: dict[str, Any] = dict(zip(keys, counts, strict=True))
    if a0 + a1 == 0 or variance == 0:
        return WddResult(
            **named, wdd=value, variance=variance, z=None, p_value=None, ci_low=None,
            ci_high=None, reason="geen incidenten in het behandelgebied",
        )  # fmt: skip
    se = math.sqrt(variance)
    z = value / se
    p = float(2 * stats.norm.sf(abs(z)))
    q = float(stats.norm.ppf(1 - alpha / 2))
    return WddResult(
        **named, wdd=value, variance=variance, z=z, p_value=p,
        ci_low=value - q * se, ci_high=value + q * se,
    )  # fmt: skip


def explain_wdd(result: WddResult, alpha: float = 0.05, *, subject: str = "WDD") -> str:
    if result.z is None or result.p_value is None:
        return f"{subject}: {undetermined(result.reason or 'te weinig gegevens')}"
    n = nl_number(abs(result.wdd), 0)
    direction = "minder" if result.wdd < 0 else "meer"
    if result.wdd == 0:
        change = "geen verschil in incidenten"
    else:
        change = f"{n} incidenten {direction} dan verwacht uit het controlegebied"
    verdict = "significant" if result.p_value < alpha else "niet significant"
    return (
        f"{subject}: {change}, verplaatsing meegeteld; {verdict} "
        f"(Z = {nl_number(result.z, 2)}, {nl_p(result.p_value)})"
    )

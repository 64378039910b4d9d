"""Weighted displacement difference (Wheeler & Ratcliffe 2018, Crime Science 7:11), and the
variant with a rescaled control that VIS reports when the control is not of the treated area's
order.

**Classic WDD.** With counts before (0) and after (1) in the treated area T, its control C, the
displacement buffer D around T and that buffer's control CD::

    WDD = (T1 - T0) - (C1 - C0) + (D1 - D0) - (CD1 - CD0)

Negative is a reduction. Under independent Poisson counts its variance is the sum of all eight
counts, and ``Z = WDD / sqrt(variance)`` (the paper's example: T 207 → 110, C 308 → 318,
D 178 → 157, CD 150 → 140 gives -118, variance 1568, Z -2,98). It assumes that each control's
count is of the order of the area it controls: the control's *change in incidents* stands in for
the change the treated area would have had. With "the rest of the city" as control (13 times the
treated count) a common 10 % decline then passes for an effect, so VIS reports it only when the
before-counts differ by at most :data:`SAME_ORDER` (10 %); a buffer without a control of its own
never gets it (that would subtract one control's change twice, unscaled).

**Weighted WDD** (:func:`weighted_wdd`). The control's relative change is carried over to the
treated area's own before-level::

    WDD_w = (T1 - T0·C1/C0) + (D1 - D0·CD1/CD0)

i.e. the control's change weighted by ``T0/C0`` (and ``D0/CD0``). With one control for both
(``cd`` None) this is ``(T1 + D1) - (T0 + D0)·C1/C0``: the control is used once. Its variance is
the delta-method variance under independent Poisson counts: per part
``T1 + r²·T0 + w²·C1 + (w·r)²·C0`` with ``r = C1/C0`` and ``w = T0/C0`` (the weight's own
uncertainty included). When a before-count is zero or the control has fewer than
:data:`MIN_CONTROL` incidents in the baseline there is no level to weight to: the WDD is refused
with that reason and the difference-in-differences is the answer.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from briefing.evaluation.distributions import norm_ppf, norm_sf
from briefing.evaluation.explain import nl_number, nl_p, undetermined

CLASSIC = "WDD (Wheeler & Ratcliffe)"
WEIGHTED = "gewogen WDD (controle herschaald naar het niveau van het behandelgebied)"
#: Largest relative difference of before-counts (control against the area it controls) for
#: which the classic WDD is reported.
SAME_ORDER = 0.10
#: Fewest incidents a control needs in the baseline to be rescaled.
MIN_CONTROL = 5
SEE_DID = "lees de verschil-in-verschillen"


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
    variant: str = CLASSIC
    buffer: bool = False  # a displacement buffer is counted in

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _counts(*values: int) -> list[int]:
    counts = [int(v) for v in values]
    if min(counts) < 0:
        raise ValueError("counts must not be negative")
    return counts


def _result(
    named: dict[str, Any], value: float, variance: float, alpha: float, **extra: Any
) -> WddResult:
    if variance <= 0 or not math.isfinite(variance):
        reason = "geen incidenten in het behandelgebied"
        return WddResult(**named, wdd=value, variance=variance, z=None, p_value=None,
                         ci_low=None, ci_high=None, reason=reason, **extra)  # fmt: skip
    se = math.sqrt(variance)
    z = value / se
    q = norm_ppf(1 - alpha / 2)
    return WddResult(
        **named, wdd=value, variance=variance, z=z, p_value=2 * norm_sf(abs(z)),
        ci_low=value - q * se, ci_high=value + q * se, **extra,
    )  # fmt: skip


def _refused(named: dict[str, Any], reason: str, **extra: Any) -> WddResult:
    return WddResult(**named, wdd=0.0, variance=0.0, z=None, p_value=None, ci_low=None,
                     ci_high=None, reason=reason, **extra)  # fmt: skip


KEYS = ("t0", "t1", "c0", "c1", "d0", "d1", "cd0", "cd1")


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
    """The classic WDD with its Poisson variance, Z, two-sided p and ``1 - alpha`` interval.

    ``d`` is the buffer's (before, after), ``cd`` the buffer control's, required with ``d``.
    """
    if d is not None and cd is None:
        raise ValueError(
            "a buffer needs its own control in the classic WDD (one control subtracted twice, "
            "unscaled, is wrong): use weighted_wdd"
        )
    d0, d1 = d if d is not None else (0, 0)
    cd0, cd1 = cd if cd is not None else (0, 0)
    counts = _counts(t0, t1, c0, c1, d0, d1, cd0, cd1)
    a0, a1, b0, b1, e0, e1, f0, f1 = counts
    named: dict[str, Any] = dict(zip(KEYS, counts, strict=True))
    extra = {"variant": CLASSIC, "buffer": d is not None}
    if a0 + a1 == 0:
        return _refused(named, "geen incidenten in het behandelgebied", **extra)
    value = float((a1 - a0) - (b1 - b0) + (e1 - e0) - (f1 - f0))
    return _result(named, value, float(sum(counts)), alpha, **extra)


def _part(x0: int, x1: int, k0: int, k1: int) -> tuple[float, float]:
    """(estimate, delta-method variance) of ``x1 - x0·k1/k0``."""
    r, w = k1 / k0, x0 / k0
    return x1 - x0 * r, x1 + r * r * x0 + w * w * k1 + (w * r) ** 2 * k0


def weighted_wdd(
    t0: int,
    t1: int,
    c0: int,
    c1: int,
    d: tuple[int, int] | None = None,
    cd: tuple[int, int] | None = None,
    *,
    alpha: float = 0.05,
) -> WddResult:
    """The WDD with each control's change rescaled to the before-level of the area it controls
    (see the module text); refused, with its reason, when there is no level to rescale to."""
    d0, d1 = d if d is not None else (0, 0)
    shared = d is not None and cd is None
    cd0, cd1 = (c0, c1) if shared else (cd if cd is not None else (0, 0))
    counts = _counts(t0, t1, c0, c1, d0, d1, cd0, cd1)
    a0, a1, b0, b1, e0, e1, f0, f1 = counts
    named: dict[str, Any] = dict(zip(KEYS, counts, strict=True))
    extra = {"variant": WEIGHTED, "buffer": d is not None}
    if a0 == 0:
        reason = "geen incidenten in het behandelgebied in de basisperiode, dus geen niveau om "
        return _refused(named, f"{reason}het controlegebied naar te herschalen; {SEE_DID}", **extra)
    controls = [b0] if d is None or shared else [b0, f0]
    if min(controls) < MIN_CONTROL:
        reason = f"minder dan {MIN_CONTROL} incidenten in het controlegebied in de basisperiode"
        return _refused(named, f"{reason}; {SEE_DID}", **extra)
    if d is None:
        value, variance = _part(a0, a1, b0, b1)
    elif shared:
        value, variance = _part(a0 + e0, a1 + e1, b0, b1)
    else:
        if e0 == 0:
            reason = f"geen incidenten in het buffergebied in de basisperiode; {SEE_DID}"
            return _refused(named, reason, **extra)
        v1, s1 = _part(a0, a1, b0, b1)
        v2, s2 = _part(e0, e1, f0, f1)
        value, variance = v1 + v2, s1 + s2
    return _result(named, value, variance, alpha, **extra)


def _same_order(area: int, control: int) -> bool:
    return area > 0 and abs(control - area) <= SAME_ORDER * area


def choose_wdd(
    t0: int,
    t1: int,
    c0: int,
    c1: int,
    d: tuple[int, int] | None = None,
    cd: tuple[int, int] | None = None,
    *,
    alpha: float = 0.05,
) -> WddResult:
    """The classic WDD when every control is of the order of the area it controls (and a buffer
    has a control of its own), else the weighted WDD (or its refusal)."""
    pairs = [(t0, c0)] + ([(d[0], cd[0])] if d is not None and cd is not None else [])
    classic_fits = (d is None or cd is not None) and all(_same_order(a, b) for a, b in pairs)
    if classic_fits:
        return wdd(t0, t1, c0, c1, d, cd, alpha=alpha)
    return weighted_wdd(t0, t1, c0, c1, d, cd, alpha=alpha)


def explain_wdd(result: WddResult, alpha: float = 0.05, *, subject: str = "WDD") -> str:
    name = "gewogen WDD" if result.variant == WEIGHTED else "WDD"
    lead = f"{subject} ({name})" if subject != "WDD" else name
    if result.z is None or result.p_value is None:
        return f"{lead}: {undetermined(result.reason or 'te weinig gegevens')}"
    n = nl_number(abs(result.wdd), 0)
    if round(result.wdd) == 0:
        change = "geen verschil met wat het controlegebied verwachten liet"
    else:
        direction = "minder" if result.wdd < 0 else "meer"
        change = f"{n} incidenten {direction} dan verwacht uit het controlegebied"
    scope = (
        "verplaatsing meegeteld" if result.buffer else "zonder buffer: verplaatsing niet gemeten"
    )
    verdict = "significant" if result.p_value < alpha else "niet significant"
    return (
        f"{lead}: {change}, {scope}; {verdict} "
        f"(Z = {nl_number(result.z, 2)}, {nl_p(result.p_value)})"
    )

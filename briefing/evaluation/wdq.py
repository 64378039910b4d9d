"""Weighted displacement quotient (Bowers & Johnson 2003, J. Quant. Criminol. 19(3)).

With counts before (0) and after (1) in the treated area A, the buffer B and the control C::

    success measure     SM  = A1/C1 - A0/C0
    displacement measure DM = B1/C1 - B0/C0
    WDQ = DM / SM

The WDQ is read only when SM < 0 (the treated area improved relative to the control):

- WDQ > 1: diffusion of benefits larger than the direct effect;
- 0 < WDQ <= 1: diffusion of benefits (the buffer improved too);
- WDQ = 0: neither displacement nor diffusion;
- -1 <= WDQ < 0: displacement, smaller than the direct effect (net gain);
- WDQ < -1: displacement larger than the direct effect (net loss).

The total net effect (in incidents prevented; positive is good) is
``TNE = (A0·C1/C0 - A1) + (B0·C1/C0 - B1)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from briefing.evaluation.explain import nl_number, undetermined


@dataclass(frozen=True)
class WdqResult:
    a0: int
    a1: int
    b0: int
    b1: int
    c0: int
    c1: int
    success_measure: float | None
    displacement_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    interpretation: str


def _interpret(wdq_value: float) -> str:
    if wdq_value > 1:
        return "uitstraling van het effect groter dan het directe effect"
    if wdq_value > 0:
        return "uitstraling van het effect naar het buffergebied (geen verplaatsing)"
    if wdq_value == 0:
        return "geen verplaatsing en geen uitstraling"
    if wdq_value >= -1:
        return "enige verplaatsing, kleiner dan het directe effect (netto winst)"
    return "verplaatsing groter dan het directe effect (netto verlies)"


def _measures(
    sm: float | None, dm: float | None, value: float | None, tne: float | None
) -> dict[str, Any]:
    return {
        "success_measure": sm,
        "displacement_measure": dm,
        "wdq": value,
        "total_net_effect": tne,
    }


def wdq(a0: int, a1: int, b0: int, b1: int, c0: int, c1: int) -> WdqResult:
    """The WDQ with its interpretation; a zero denominator gives "niet te bepalen" and a reason."""
    counts = [int(v) for v in (a0, a1, b0, b1, c0, c1)]
    if min(counts) < 0:
        raise ValueError("counts must not be negative")
    ta0, ta1, tb0, tb1, tc0, tc1 = counts
    named: dict[str, Any] = dict(zip(("a0", "a1", "b0", "b1", "c0", "c1"), counts, strict=True))
    if ta0 + ta1 == 0:
        return WdqResult(
            **named,
            **_measures(None, None, None, None),
            interpretation=undetermined("geen incidenten in het behandelgebied"),
        )
    if tc0 == 0 or tc1 == 0:
        return WdqResult(
            **named, **_measures(None, None, None, None),
            interpretation=undetermined(
                "geen incidenten in het controlegebied in een van beide perioden"
            ),
        )  # fmt: skip
    sm = ta1 / tc1 - ta0 / tc0
    dm = tb1 / tc1 - tb0 / tc0
    tne = (ta0 * tc1 / tc0 - ta1) + (tb0 * tc1 / tc0 - tb1)
    if sm >= 0:
        reason = (
            "geen daling in het behandelgebied ten opzichte van het controlegebied"
            if sm > 0
            else "het behandelgebied veranderde precies als het controlegebied"
        )
        return WdqResult(
            **named, **_measures(sm, dm, None, tne), interpretation=undetermined(reason)
        )
    value = dm / sm
    return WdqResult(**named, **_measures(sm, dm, value, tne), interpretation=_interpret(value))


def as_dict(result: WdqResult) -> dict[str, Any]:
    return asdict(result)


def explain_wdq(result: WdqResult) -> str:
    if result.wdq is None:
        return f"WDQ: {result.interpretation}"
    tne = result.total_net_effect or 0.0
    effect = (
        f"netto {nl_number(tne, 0)} incidenten voorkomen"
        if tne > 0
        else f"netto {nl_number(-tne, 0)} incidenten meer"
    )
    return f"WDQ = {nl_number(result.wdq, 2)}: {result.interpretation}; {effect}"

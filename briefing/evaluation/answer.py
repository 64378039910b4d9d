"""The answer a pilot report opens with: one headline in plain Dutch, and the effects per series
for a forest plot.

The headline is the pilot's primary question (its categories in the treatment area, by the
difference-in-differences): the change against what the control area predicted, in percent,
with its interval and the verdict, e.g. "Woninginbraak in het behandelgebied: -9 % ten opzichte
van verwacht (95 %-BI -20 % tot +3 %), niet significant". Every number is formatted by
:mod:`briefing.evaluation.explain`, so one place decides how Dutch numbers look.
"""

from __future__ import annotations

import math

import pandas as pd

from briefing.evaluation.explain import nl_p, nl_signed_percent, undetermined

FOREST_COLUMNS = [
    "reeks", "effect_pct", "ci_laag_pct", "ci_hoog_pct", "p", "p_holm", "rol", "tekst",
]  # fmt: skip


def _pct(ratio: float | None) -> float | None:
    if ratio is None or not math.isfinite(ratio):
        return None
    return 100.0 * (ratio - 1.0)


def level(alpha: float) -> str:
    """``"95 %-BI"`` for alpha 0,05."""
    return f"{100 * (1 - alpha):g} %-BI".replace(".", ",")


def effect_sentence(
    subject: str,
    irr: float | None,
    low: float | None,
    high: float | None,
    p: float | None,
    alpha: float,
    reason: str | None = None,
) -> str:
    """One effect in plain Dutch; "niet te bepalen" with its reason when there is none."""
    effect, lo, hi = _pct(irr), _pct(low), _pct(high)
    if reason is not None or effect is None or p is None or not math.isfinite(p):
        return f"{subject}: {undetermined(reason or 'te weinig gegevens')}"
    verdict = "significant" if p < alpha else "niet significant"
    interval = f"{level(alpha)} {nl_signed_percent(lo)} tot {nl_signed_percent(hi)}"
    return (
        f"{subject}: {nl_signed_percent(effect)} ten opzichte van verwacht ({interval}), "
        f"{verdict} ({nl_p(p)})"
    )


def forest_table(comparisons: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The DiD effect per series, in percent against expected, with its interval."""
    rows = []
    did = comparisons.loc[comparisons["toets"].str.startswith("verschil-in-verschillen")]
    for row in did.to_dict(orient="records"):
        p = row["p"] if row["p"] == row["p"] else None
        estimate = row["schatting"] if row["schatting"] == row["schatting"] else None
        reason = None if estimate is not None else (row.get("reden") or "te weinig gegevens")
        rows.append({
            "reeks": row["reeks"], "effect_pct": _pct(estimate),
            "ci_laag_pct": _pct(row["ci_laag"]), "ci_hoog_pct": _pct(row["ci_hoog"]),
            "p": p, "p_holm": row.get("p_holm"), "rol": row.get("rol"),
            "tekst": effect_sentence(f"{row['reeks']} in het behandelgebied", estimate,
                                     row["ci_laag"], row["ci_hoog"], p, alpha, reason),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=FOREST_COLUMNS)


def headline(forest: pd.DataFrame, primary_label: str, alpha: float) -> str:
    """The primary row of ``forest`` as the report's first sentence."""
    primary = forest.loc[forest["rol"] == "primair"]
    if primary.empty:
        return f"{primary_label} in het behandelgebied: {undetermined('geen hoofdtoets')}"
    text = str(primary["tekst"].iloc[0])
    series = str(primary["reeks"].iloc[0])
    return primary_label + text[len(series) :] if text.startswith(series) else text

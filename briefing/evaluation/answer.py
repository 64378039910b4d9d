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

import numpy as np
import pandas as pd

from briefing.evaluation.explain import nl_p, nl_signed_percent, undetermined
from briefing.evaluation.params import CategoryGroups, Pilot

#: The one question a pilot answers (its categories in the treatment area, by the DiD), and
#: everything else, which is exploratory and carries Holm-adjusted p-values.
PRIMARY, EXPLORATORY = "primair", "verkennend"
PRIMARY_SERIES = "Pilotcategorieën"

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


def headline(forest: pd.DataFrame, subject: str, alpha: float) -> str:
    """The primary row of ``forest`` as the report's first sentence."""
    primary = forest.loc[forest["rol"] == "primair"]
    if primary.empty:
        return f"{subject} in het behandelgebied: {undetermined('geen hoofdtoets')}"
    text = str(primary["tekst"].iloc[0])
    series = str(primary["reeks"].iloc[0])
    return subject + text[len(series) :] if text.startswith(series) else text


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (in the order given)."""
    order = np.argsort(p, kind="stable")
    m = len(p)
    steps = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(steps)
    return adjusted


def primary_label(pilot: Pilot, groups: CategoryGroups) -> str:
    """The primary series in words: "Woninginbraak", or "Woninginbraak en autokraak samen"."""
    if not pilot.categories:
        return "Misdrijven"
    names = [groups.label(c) for c in pilot.categories]
    names = [names[0], *(n[:1].lower() + n[1:] for n in names[1:])]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} en {names[-1]} samen"


def with_roles(table: pd.DataFrame, pilot: Pilot) -> pd.DataFrame:
    """Mark the primary test (the DiD of the pilot's categories, or of all misdrijven when it
    names none) and the exploratory rest, with Holm-adjusted p over the exploratory tests."""
    series = PRIMARY_SERIES if pilot.categories else "Misdrijven"
    is_did = table["toets"].str.startswith("verschil-in-verschillen")
    primary = (table["reeks"] == series) & is_did
    out = table.assign(rol=np.where(primary, PRIMARY, EXPLORATORY), p_holm=table["p"])
    p = pd.to_numeric(out["p"], errors="coerce")
    tested = (~primary) & p.notna()
    if tested.any():
        out.loc[tested, "p_holm"] = holm(p[tested].to_numpy(float))
    notes = []
    for row, adjusted_p in zip(out.to_dict(orient="records"), out["p_holm"], strict=True):
        text = str(row["uitleg"])
        if row["rol"] == PRIMARY:
            text += " [hoofdvraag van de pilot]"
        elif adjusted_p is not None and adjusted_p == adjusted_p:  # not None, not NaN
            verdict = "blijft significant" if adjusted_p < pilot.alpha else "niet significant"
            text += f" [verkennend; na Holm-correctie {nl_p(adjusted_p)}: {verdict}]"
        else:
            text += " [verkennend]"
        notes.append(text)
    out["uitleg"] = notes
    return out

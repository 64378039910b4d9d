"""The programme's indicators per period, area group and category, with the targets beside them.

Rates "per 1.000 inwoners" are per year: a count over a shorter period is scaled to 365.25 days,
so a half-year pilot can stand beside the yearly target (woninginbraken ≤ 4,1 per 1.000). The
long table has one row per (period, group, indicator); :func:`wide` pivots it for a page.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from briefing.evaluation.explain import NIET_INGEVULD, nl_number, undetermined
from briefing.evaluation.params import (
    GEWELD,
    VEELVOORKOMEND,
    CategoryGroups,
    OutsideFigure,
    Period,
    Targets,
    day_series,
    within,
)

COLUMNS = [
    "periode",
    "gebied",
    "indicator",
    "omschrijving",
    "aantal",
    "waarde",
    "eenheid",
    "doel",
    "doel_gehaald",
    "toelichting",
]


#: Marks in ``doel_gehaald`` (text, never a bare True/False/None).
MET, NOT_MET, UNDETERMINED = "✓ gehaald", "✗ niet gehaald", "niet te bepalen"
NOT_JUDGED = "n.v.t.: het doel geldt voor de hele gemeente"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("misdrijven", "Misdrijven", "per 1.000 inwoners per jaar"),
    Indicator("woninginbraak", "Woninginbraken", "per 1.000 inwoners per jaar"),
    Indicator("woninginbraak_poging", "Woninginbraken: pogingen", "% van de woninginbraken"),
    Indicator("veelvoorkomend", "Veelvoorkomende criminaliteit", "per 1.000 inwoners per jaar"),
    Indicator("geweld", "Geweld", "per 1.000 inwoners per jaar"),
    Indicator("winkeldiefstal", "Winkeldiefstal", "per 1.000 inwoners per jaar"),
    Indicator("overlast_jeugd", "Overlast jeugd (registraties)", "per 1.000 inwoners per jaar"),
    Indicator("heterdaadkracht", "Heterdaadkracht", "aanhoudingen per 100 misdrijven"),
)


def categories_of(key: str, groups: CategoryGroups) -> frozenset[str]:
    """The category keys an indicator counts."""
    match key:
        case "misdrijven" | "heterdaadkracht":
            return groups.misdrijf
        case "woninginbraak" | "woninginbraak_poging":
            return frozenset({"woninginbraak"})
        case "veelvoorkomend":
            return frozenset(VEELVOORKOMEND)
        case "geweld":
            return frozenset(GEWELD)
        case _:
            return frozenset({key})


def per_1000_per_year(count: int, inhabitants: float | None, period: Period) -> float | None:
    if not inhabitants or inhabitants <= 0:
        return None
    return count / inhabitants * 1000.0 / period.years


def _target(key: str, targets: Targets) -> tuple[str, float | None, str]:
    """(text, threshold, "max" or "min") of the programme's target for an indicator."""
    year = f" ({targets.year})" if targets.year else ""
    if key == "woninginbraak" and targets.woninginbraak_per_1000 is not None:
        value = targets.woninginbraak_per_1000
        return f"≤ {nl_number(value, 1)}{year}", value, "max"
    if key == "woninginbraak_poging" and targets.attempt_share_pct is not None:
        share = targets.attempt_share_pct
        text = f"≥ {nl_number(share, 0)} % (poging : voltooid = {share:g} : {100 - share:g}){year}"
        return text, share, "min"
    return "", None, ""


def _row(
    period_name: str,
    group: str,
    ind: Indicator,
    count: int,
    value: float | None,
    targets: Targets,
    note: str,
    judged: bool,
) -> dict[str, object]:
    text, threshold, sense = _target(ind.key, targets)
    met = ""
    if threshold is not None and not judged:
        met = NOT_JUDGED
    elif threshold is not None and value is None:
        met = UNDETERMINED
    elif threshold is not None and value is not None:
        ok = value <= threshold if sense == "max" else value >= threshold
        met = MET if ok else NOT_MET
    return {
        "periode": period_name,
        "gebied": group,
        "indicator": ind.key,
        "omschrijving": ind.label,
        "aantal": count,
        "waarde": value,
        "eenheid": ind.unit,
        "doel": text,
        "doel_gehaald": met,
        "toelichting": note,
    }


def indicator_table(
    incidents: pd.DataFrame,
    periods: Mapping[str, Period],
    populations: Mapping[str, float | None],
    groups: CategoryGroups,
    targets: Targets,
    target_groups: Collection[str] = (),
) -> pd.DataFrame:
    """Every indicator per period and area group.

    The targets are judged (``doel_gehaald``: :data:`MET`, :data:`NOT_MET` or
    :data:`UNDETERMINED`) only for the groups in ``target_groups``, the ones the targets are
    set for (the municipality); other rows with a target say :data:`NOT_JUDGED`.

    ``incidents`` has columns ``date`` (local date), ``category``, ``group`` (the area group the
    incident lies in, e.g. "behandeling" or a gebied name), ``attempt`` (bool or missing) and
    ``arrests`` (int or missing). ``populations`` maps each group to its inhabitants (None:
    unknown, so no rates).
    """
    rows: list[dict[str, object]] = []
    day = day_series(incidents)
    # Plain numpy masks: one boolean array per period, group and indicator, combined by "&".
    category = incidents["category"].to_numpy(dtype=object)
    group_of = incidents["group"].to_numpy(dtype=object)
    attempt = incidents["attempt"].to_numpy(dtype=object)
    arrests = pd.to_numeric(incidents["arrests"], errors="coerce").fillna(0).to_numpy(float)
    of_indicator = {
        ind.key: np.isin(category, list(categories_of(ind.key, groups))) for ind in INDICATORS
    }
    for period_name, period in periods.items():
        in_period = within(day, period.start, period.end).to_numpy(bool)
        for group, inhabitants in populations.items():
            sel = in_period & (group_of == group)
            for ind in INDICATORS:
                mask = sel & of_indicator[ind.key]
                count = int(np.count_nonzero(mask))
                value: float | None
                note = ""
                if ind.key == "woninginbraak_poging":
                    known = [bool(a) for a in attempt[mask] if not pd.isna(a)]
                    count = len(known)
                    value = 100.0 * sum(known) / count if count else None
                    note = "" if count else undetermined("geen woninginbraken met poging J/N")
                elif ind.key == "heterdaadkracht":
                    value = 100.0 * float(arrests[mask].sum()) / count if count else None
                    note = "" if count else undetermined("geen misdrijven")
                else:
                    value = per_1000_per_year(count, inhabitants, period)
                    note = "" if value is not None else undetermined("inwonertal onbekend")
                judged = group in target_groups
                rows.append(_row(period_name, group, ind, count, value, targets, note, judged))
    return pd.DataFrame(rows, columns=COLUMNS)


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Indicators as rows, (group, period) as columns: the table an evaluator reads.

    One row per indicator in the order of ``table``; one column per (gebied, periode), the
    periods of each gebied side by side, both in order of first appearance; ``doel`` is empty where
    an indicator has no target.
    """
    if table.empty:
        return table
    keys = ["indicator", "omschrijving", "eenheid", "doel"]
    frame = table.assign(doel=table["doel"].fillna("").astype(str))
    rows = pd.MultiIndex.from_frame(frame.drop_duplicates(keys)[keys])
    present = set(zip(frame["gebied"], frame["periode"], strict=True))
    columns = pd.MultiIndex.from_tuples(
        [
            (g, p)
            for g in dict.fromkeys(frame["gebied"])
            for p in dict.fromkeys(frame["periode"])
            if (g, p) in present
        ],
        names=["gebied", "periode"],
    )
    values = (
        frame.drop_duplicates([*keys, "gebied", "periode"])
        .set_index([*keys, "gebied", "periode"])["waarde"]
        .unstack(["gebied", "periode"])
    )
    return values.reindex(index=rows, columns=columns).reset_index()


OUTSIDE_COLUMNS = ["kenmerk", "omschrijving", "waarde", "eenheid", "jaar", "bron", "doel"]


def outside_table(figures: tuple[OutsideFigure, ...], targets: Targets) -> pd.DataFrame:
    """Survey and outside figures as entered by hand; empty values say "niet ingevuld"."""
    goal = {
        "jeugdoverlast_pct": targets.jeugdoverlast_pct,
        "burgernet_deelnemers": targets.burgernet_participants,
    }
    rows = []
    for f in figures:
        target = next((v for k, v in goal.items() if f.key.startswith(k)), None)
        rows.append(
            {
                "kenmerk": f.key,
                "omschrijving": f.label,
                "waarde": f.value if f.value is not None else NIET_INGEVULD,
                "eenheid": f.unit,
                "jaar": f.year,
                "bron": f.source or NIET_INGEVULD,
                "doel": ""
                if target is None
                else nl_number(float(target), 1 if target < 100 else 0),
            }
        )
    return pd.DataFrame(rows, columns=OUTSIDE_COLUMNS)

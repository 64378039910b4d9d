"""Purged periods: after retention, incidents are kept only as monthly counts, each dated on the
1st of its month (:mod:`vis.ops.retention`). Which months those are, and what that means for a
pilot's statistics."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from briefing.evaluation.params import Pilot, cuts_reduced_month


def reduced_months(incidents: pd.DataFrame) -> frozenset[dt.date]:
    """First days of the months that hold purged (monthly) incidents."""
    if "reduced" not in incidents or incidents.empty:
        return frozenset()
    days = incidents.loc[incidents["reduced"].astype(bool), "date"]
    return frozenset(d.replace(day=1) for d in days)


def purge_notes(pilot: Pilot, reduced: frozenset[dt.date]) -> tuple[str, ...]:
    """What purged (monthly) data in the baseline or pilot period means for the statistics."""
    inside = sorted(
        m for m in reduced
        if any(p.start <= m <= p.end or p.start <= m.replace(day=28) <= p.end
               for p in (pilot.baseline, pilot.pilot))
    )  # fmt: skip
    if not inside:
        return ()
    months = ", ".join(f"{m:%m-%Y}" for m in inside)
    notes = [
        f"Na de bewaartermijn zijn van {months} alleen maandcijfers over (alle incidenten op de "
        "1e van de maand): de verschil-in-verschillen per week, CompStat en de tijdreeks per week "
        "tellen die maanden in één week en zijn daar niet betrouwbaar."
    ]
    cut = [p.label() for p in (pilot.baseline, pilot.pilot)
           if cuts_reduced_month(p.start, p.end, reduced)]  # fmt: skip
    if cut:
        notes.append(
            f"De periode {' en '.join(cut)} begint of eindigt midden in zo'n maand: de "
            "vergelijking pilot tegen basis telt die maand helemaal of niet."
        )
    return tuple(notes)

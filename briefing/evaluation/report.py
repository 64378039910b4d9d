"""Everything about one pilot in one call: :func:`evaluate_pilot` → :class:`PilotReport`.

The report holds DataFrames ready for a page and for Altair charts (long format, Dutch column
names), the plain-Dutch explanation beside every test, and :meth:`PilotReport.to_dict` for JSON.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from shapely.ops import unary_union

from briefing.evaluation.answer import (
    PRIMARY_SERIES,
    forest_table,
    headline,
    primary_label,
    with_roles,
)
from briefing.evaluation.areas import assign_groups, unit_map
from briefing.evaluation.compstat import compstat_table
from briefing.evaluation.config import PilotConfig
from briefing.evaluation.did import explain_did, fit_did, weekly_panel
from briefing.evaluation.dosage import DosageSummary, dosage_summary, dosage_table
from briefing.evaluation.explain import direction_sentence, nl_number
from briefing.evaluation.indicators import indicator_table, outside_table
from briefing.evaluation.params import (
    BUFFER,
    CONTROL,
    GROUP_LABELS,
    TREATMENT,
    CategoryGroups,
    Period,
    Pilot,
    day_series,
    within,
)
from briefing.evaluation.purged import purge_notes, reduced_months
from briefing.evaluation.rates import compare_rates
from briefing.evaluation.record import RecordSummary, briefing_record
from briefing.evaluation.wdd import choose_wdd, explain_wdd
from briefing.evaluation.wdq import explain_wdq, wdq
from briefing.lattice import Grid

COMPARISON_COLUMNS = [
    "reeks", "toets", "schatting", "ci_laag", "ci_hoog", "p", "z", "aantallen", "uitleg",
    "reden", "rol", "p_holm",
]  # fmt: skip

BASIS, PILOT = "basisperiode", "pilotperiode"
GEMEENTE = "gemeente"


@dataclass(frozen=True)
class EvaluationData:
    """The inputs, as :mod:`vis.store.evaluation_store` builds them.

    - ``incidents``: ``category``, ``area_code``, ``date`` (local), ``begin_at`` (aware UTC),
      ``attempt``, ``arrests``, ``x``, ``y`` (metric), optionally ``street`` and ``reduced``
      (True: a purged incident, known only by its month and dated on the 1st);
    - ``areas``: the municipality's wijken: ``code``, ``name``, ``gebied``, ``inhabitants``;
    - ``hotspots``: ``briefing_id``, ``date``, ``shift``, ``window_start``, ``window_end``,
      ``hotspot_id``, ``geometry`` (shapely, metric);
    - ``visits``: ``briefing_id``, ``hotspot_id``, ``visited_at``, ``duration_min``.
    """

    incidents: pd.DataFrame
    areas: pd.DataFrame
    hotspots: pd.DataFrame
    visits: pd.DataFrame
    municipality_area_m2: float | None = None
    data_until: dt.date | None = None


@dataclass(frozen=True)
class PilotReport:
    pilot: Pilot
    populations: dict[str, float | None]
    indicators: pd.DataFrame = field(repr=False)
    outside: pd.DataFrame = field(repr=False)
    comparisons: pd.DataFrame = field(repr=False)
    timeseries: pd.DataFrame = field(repr=False)
    compstat: pd.DataFrame = field(repr=False)
    record: pd.DataFrame = field(repr=False)
    record_summary: RecordSummary = field(repr=False)
    dosage: pd.DataFrame = field(repr=False)
    dosage_summary: DosageSummary = field(repr=False)
    notes: tuple[str, ...] = ()
    effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # the forest plot
    headline: str = ""  # the answer to the primary question, in plain Dutch

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its Dutch name (for CSV, XLSX and PDF export)."""
        return {
            "effecten": self.effects,
            "indicatoren": self.indicators,
            "buitencijfers": self.outside,
            "toetsen": self.comparisons,
            "compstat": self.compstat,
            "tijdreeks": self.timeseries,
            "briefings": self.record,
            "dosis": self.dosage,
        }

    def to_dict(self) -> dict[str, Any]:
        p = self.pilot
        return jsonable({
            "pilot": {
                "name": p.name, "label": p.label, "description": p.description,
                "baseline": [p.baseline.start, p.baseline.end],
                "period": [p.pilot.start, p.pilot.end],
                "treatment": vars(p.treatment), "control": vars(p.control),
                "buffer": None if p.buffer is None else vars(p.buffer),
                "categories": list(p.categories), "alpha": p.alpha,
            },
            "antwoord": self.headline,
            "populations": self.populations,
            "record_summary": self.record_summary.as_dict(),
            "dosage_summary": self.dosage_summary.as_dict(),
            "notes": list(self.notes),
            **{k: v.to_dict(orient="records") for k, v in self.tables().items()},
        })  # fmt: skip


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def series_of(pilot: Pilot, groups: CategoryGroups) -> dict[str, frozenset[str]]:
    """The series tested: all misdrijven, the pilot's categories together and one by one."""
    out = {"Misdrijven": groups.misdrijf}
    if pilot.categories:
        out[PRIMARY_SERIES] = frozenset(pilot.categories)
        for c in pilot.categories:
            out[groups.label(c)] = frozenset({c})
    return out


def _in(day: pd.Series[Any], period: Period) -> pd.Series[bool]:
    return within(day, period.start, period.end)


def evaluate_pilot(
    pilot: Pilot,
    data: EvaluationData,
    groups: CategoryGroups,
    config: PilotConfig,
    grid: Grid,
) -> PilotReport:
    """Indicators, tests, time series, CompStat, briefing record and dosage for one pilot."""
    inc = data.incidents
    spots = data.hotspots
    if len(spots):
        spot_day = pd.to_datetime(spots["date"])
        spots = spots.loc[_in(spot_day, pilot.pilot)]
    shape = unary_union(list(spots["geometry"])) if len(spots) else None
    assignment = assign_groups(inc, pilot, data.areas, shape, grid)
    reduced = reduced_months(inc)
    # Local dates as datetime64 once: every window below compares against them.
    inc = inc.assign(group=assignment.group.to_numpy(), date=day_series(inc).to_numpy())
    periods = {BASIS: pilot.baseline, PILOT: pilot.pilot}
    # The programme's targets are for the whole municipality: it gets its own rows.
    city = inc.loc[inc["area_code"].isin(list(data.areas["code"]))].assign(group=GEMEENTE)
    city_pop = float(pd.to_numeric(data.areas["inhabitants"]).sum()) or None
    indicators = indicator_table(
        pd.concat([inc, city], ignore_index=True),
        periods,
        {**assignment.populations, GEMEENTE: city_pop},
        groups,
        config.targets,
        target_groups={GEMEENTE},
    )
    indicators["gebied"] = indicators["gebied"].map({**GROUP_LABELS, GEMEENTE: GEMEENTE})
    day = day_series(inc)
    to_unit, units = unit_map(assignment, data.areas)
    unit_of = inc["area_code"].where(inc["area_code"].isin(list(to_unit)), None)
    if not set(units) <= set(data.areas["code"]):
        unit_of = inc["group"]
    category = inc["category"].to_numpy(dtype=object)
    group_of = inc["group"].to_numpy(dtype=object)
    dates = inc["date"].to_numpy()
    unit_values = unit_of.to_numpy(dtype=object)
    rows: list[dict[str, Any]] = []
    for name, cats in series_of(pilot, groups).items():
        rows += _comparisons(pilot, inc, day, name, cats, assignment.populations)
        chosen = np.isin(category, list(cats)) & np.isin(group_of, [TREATMENT, CONTROL])
        panel = weekly_panel(
            pd.DataFrame({"date": dates[chosen], "unit": unit_values[chosen]}),
            units, pilot.baseline, pilot.pilot,
        )  # fmt: skip
        did = fit_did(panel, model=pilot.did_model, alpha=pilot.alpha)
        rows.append({
            "reeks": name, "toets": f"verschil-in-verschillen ({did.model}), IRR",
            "schatting": did.irr, "ci_laag": did.ci_low, "ci_hoog": did.ci_high,
            "p": did.p_value, "z": None, "aantallen": f"{did.n_units} eenheden, {did.n_obs} weken",
            "uitleg": explain_did(did, pilot.alpha, subject=f"{name}: behandelgebied"),
            "reden": did.reason,
        })  # fmt: skip
    focus = list(pilot.categories) or sorted(groups.misdrijf)
    as_of = min(pilot.pilot.end, data.data_until or pilot.pilot.end)
    treated = inc.loc[inc["group"] == TREATMENT]
    compstat = compstat_table(treated[["date", "category"]], as_of, focus, reduced_months=reduced)
    record, record_sum = briefing_record(
        spots, inc, data.municipality_area_m2, reduced_months=reduced
    )
    dose = dosage_table(spots, data.visits, inc, data_until=data.data_until, reduced_months=reduced)
    comparisons = with_roles(pd.DataFrame(rows, columns=COMPARISON_COLUMNS[:-2]), pilot)
    effects = forest_table(comparisons, pilot.alpha)
    return PilotReport(
        pilot=pilot,
        populations={GROUP_LABELS[k]: v for k, v in assignment.populations.items()},
        indicators=indicators,
        outside=outside_table(config.outside, config.targets),
        comparisons=comparisons,
        timeseries=_timeseries(pilot, inc, day, groups, assignment.populations),
        compstat=compstat,
        record=record,
        record_summary=record_sum,
        dosage=dose,
        dosage_summary=dosage_summary(dose, alpha=pilot.alpha),
        notes=assignment.notes + purge_notes(pilot, reduced),
        effects=effects,
        headline=headline(effects, primary_label(pilot, groups), pilot.alpha),
    )


def _comparisons(
    pilot: Pilot,
    inc: pd.DataFrame,
    day: pd.Series[Any],
    name: str,
    cats: frozenset[str],
    populations: dict[str, float | None],
) -> list[dict[str, Any]]:
    in_cat = np.isin(inc["category"].to_numpy(dtype=object), list(cats))
    group_of = inc["group"].to_numpy(dtype=object)
    counts: dict[tuple[str, str], int] = {}
    for pname, period in ((BASIS, pilot.baseline), (PILOT, pilot.pilot)):
        in_period = in_cat & _in(day, period).to_numpy(bool)
        for g in (TREATMENT, BUFFER, CONTROL):
            counts[g, pname] = int(np.count_nonzero(in_period & (group_of == g)))
    rows = []
    for g in (TREATMENT, CONTROL):
        pop = populations.get(g) or 1.0
        rr = compare_rates(
            counts[g, PILOT], pilot.pilot.days * pop, counts[g, BASIS], pilot.baseline.days * pop,
            method=pilot.rate_test, alpha=pilot.alpha,
        )  # fmt: skip
        rows.append({
            "reeks": name, "toets": f"pilot tegen basis, {GROUP_LABELS[g]} ({rr.method})",
            "schatting": rr.ratio, "ci_laag": rr.ci_low, "ci_hoog": rr.ci_high,
            "p": rr.p_value, "z": None,
            "aantallen": f"{counts[g, BASIS]} → {counts[g, PILOT]}",
            "uitleg": direction_sentence(rr.ratio, rr.p_value, pilot.alpha,
                subject=f"{name} in het {GROUP_LABELS[g]}", noun="in de pilotperiode",
                against="de basisperiode", reason=rr.reason),
            "reden": rr.reason,
        })  # fmt: skip
    has_buffer = pilot.buffer is not None
    buf = (counts[BUFFER, BASIS], counts[BUFFER, PILOT]) if has_buffer else None
    w = choose_wdd(
        counts[TREATMENT, BASIS], counts[TREATMENT, PILOT],
        counts[CONTROL, BASIS], counts[CONTROL, PILOT], buf, alpha=pilot.alpha,
    )  # fmt: skip
    rows.append({
        "reeks": name, "toets": w.variant, "schatting": w.wdd if w.z is not None else None,
        "ci_laag": w.ci_low, "ci_hoog": w.ci_high, "p": w.p_value, "z": w.z,
        "aantallen": f"T {w.t0}→{w.t1}, C {w.c0}→{w.c1}, D {w.d0}→{w.d1}",
        "uitleg": explain_wdd(w, pilot.alpha, subject=name), "reden": w.reason,
    })  # fmt: skip
    if has_buffer:
        q = wdq(
            counts[TREATMENT, BASIS], counts[TREATMENT, PILOT], counts[BUFFER, BASIS],
            counts[BUFFER, PILOT], counts[CONTROL, BASIS], counts[CONTROL, PILOT],
        )  # fmt: skip
        tne = "" if q.total_net_effect is None else f", netto {nl_number(q.total_net_effect, 1)}"
        rows.append({
            "reeks": name, "toets": "WDQ (Bowers & Johnson)", "schatting": q.wdq,
            "ci_laag": None, "ci_hoog": None, "p": None, "z": None,
            "aantallen": f"A {q.a0}→{q.a1}, B {q.b0}→{q.b1}, C {q.c0}→{q.c1}{tne}",
            "uitleg": f"{name}: {explain_wdq(q)}", "reden": None,
        })  # fmt: skip
    return rows


def _timeseries(
    pilot: Pilot,
    inc: pd.DataFrame,
    day: pd.Series[Any],
    groups: CategoryGroups,
    populations: dict[str, float | None],
) -> pd.DataFrame:
    """Weekly counts per group and series from the baseline's start to the pilot's end."""
    columns = ["week", "gebied", "reeks", "periode", "aantal", "per_1000_per_jaar"]
    start = pd.Timestamp(pilot.baseline.start)
    weeks = pd.date_range(start, pd.Timestamp(pilot.pilot.end), freq="7D")
    rows = []
    offsets = (day.to_numpy(dtype="datetime64[ns]") - start.to_datetime64()) // np.timedelta64(
        7, "D"
    )
    week_index = offsets.astype(np.int64)
    category = inc["category"].to_numpy(dtype=object)
    group_of = inc["group"].to_numpy(dtype=object)
    for name, cats in series_of(pilot, groups).items():
        in_cat = np.isin(category, list(cats)) & (week_index >= 0) & (week_index < len(weeks))
        for g, pop in populations.items():
            counts = np.bincount(week_index[in_cat & (group_of == g)], minlength=len(weeks))
            for i, w in enumerate(weeks):
                d = w.date()
                period = (
                    PILOT if d >= pilot.pilot.start else BASIS if d <= pilot.baseline.end else ""
                )
                n = int(counts[i])
                rows.append({
                    "week": d, "gebied": GROUP_LABELS[g], "reeks": name, "periode": period,
                    "aantal": n, "per_1000_per_jaar": n / pop * 1000 * 365.25 / 7 if pop else None,
                })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)

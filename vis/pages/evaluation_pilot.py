"""The evaluator's pilot view: indicators beside the 2017 targets, outside figures with their
source, weekly charts (Altair), the tests in plain Dutch, export, and editing the pilot
definitions (evaluator and admin; validated by the pilots loader, written with ``dump_pilots``,
audited).

A report is computed on demand and kept in this session's state only (never ``st.cache_data``);
its output is stored for `vis evaluate` (:func:`vis.services.evaluation_results.report_on`).
Every text from the data or the configuration is escaped before it is rendered as Markdown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from briefing.evaluation.config import (
    PilotConfig,
    PilotConfigError,
    check_codes,
    dump_pilots,
    parse_pilots,
)
from briefing.evaluation.report import PilotReport
from vis.pages.common import Resources, current_user, log, md, resources, tr
from vis.pages.download import download_button
from vis.pages.evaluation_answer import answer
from vis.pages.evaluation_format import dutch
from vis.settings import PILOTS_FILE

REPORT_KEY = "vis_pilot_report"
SAVED_KEY = "vis_pilot_saved"
CONFIG_CHANGE = "pilot_config_change"
EDIT_ROLES = frozenset({"evaluator", "admin"})
AREA_KINDS = ("wijken", "gebieden", "cellen", "hotspots", "rest")
INDICATOR_COLUMNS = ["periode", "gebied", "omschrijving", "aantal", "waarde", "eenheid", "doel",
                     "doel_gehaald", "toelichting"]  # fmt: skip


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for ``st.dataframe`` as a Dutch reader expects it: every cell as text (``—`` for
    nothing, ✓/✗ for yes and no, numbers with a decimal comma, dates as dd-mm-jjjj) and headings
    as words ("doel_gehaald" → "Doel gehaald")."""
    from vis import display

    headings = {c: str(c).replace("_", " ").capitalize() for c in frame.columns}
    return display.dutch_table(frame, headings, resources().settings.schedule.timezone)


def export_bytes(report: PilotReport, fmt: str) -> bytes:
    """The report exported as ``fmt`` (csv, xlsx or pdf), via a temporary file."""
    from vis.reports.evaluation_export import export_report

    with tempfile.TemporaryDirectory(prefix="vis-export-") as folder:
        path = export_report(report, Path(folder) / f"pilot.{fmt}")
        return path.read_bytes()


def _config_text(res: Resources) -> str:
    path = res.settings.resolve(PILOTS_FILE)
    return path.read_text(encoding="utf-8") if path.exists() else ""


def load_config(res: Resources) -> PilotConfig:
    from vis.services.evaluation import pilot_config

    return pilot_config(res.settings)


def _report(
    res: Resources, config: PilotConfig, name: str, *, recompute: bool = False
) -> PilotReport:
    """The pilot's report: this session's copy while the configuration is unchanged (unless
    ``recompute``: the refresh button), else computed now and its output stored for
    `vis evaluate`."""
    from vis.services.evaluation_results import report_on

    digest = hashlib.sha256(dump_pilots(config).encode()).hexdigest()
    kept = st.session_state.get(REPORT_KEY)
    if not recompute and isinstance(kept, tuple) and kept[:2] == (name, digest):
        report: PilotReport = kept[2]
        return report
    with st.spinner(tr("ep.computing")):
        report = report_on(res.engine, res.settings, name, config)
    st.session_state[REPORT_KEY] = (name, digest, report)
    return report


def main() -> None:
    from vis.errors import VisError

    res = resources()
    saved = st.session_state.pop(SAVED_KEY, None)
    if isinstance(saved, str):
        st.success(tr("ep.saved", name=md(saved)))
    try:
        config = load_config(res)
    except PilotConfigError as exc:
        st.error(tr("ep.config_error", error=md(exc)))
        _editor(res, None)
        return
    if not config.pilots:
        st.info(tr("ep.none"))
        _editor(res, config)
        return
    labels = {p.name: p.label or p.name for p in config.pilots}
    name = st.selectbox(
        tr("ep.choose"), config.names(), format_func=lambda n: labels[n], key="ep_pilot"
    )
    # new data since, or a doubt: evaluate again
    refresh = st.button(tr("as.refresh"), icon=":material/refresh:", key="ep_refresh")
    try:
        report = _report(res, config, name, recompute=refresh)
    except (PilotConfigError, VisError) as exc:
        st.error(tr("ep.failed", error=md(exc)))
        _editor(res, config)
        return
    except SQLAlchemyError:
        st.error(tr("ep.db_error"))
        _editor(res, config)
        return
    _show(report)
    _exports(report)
    _editor(res, config)


def _show(report: PilotReport) -> None:
    p = report.pilot
    st.subheader(md(p.label or p.name))
    st.caption(
        tr("ep.periods", baseline=md(p.baseline.label()), pilot=md(p.pilot.label()))
        + (f" — {md(p.description)}" if p.description else "")
    )
    # The answer first: the primary question, its effects per series, the targets, the tests.
    answer(report)
    st.subheader(tr("ep.indicators"))
    cols = [c for c in INDICATOR_COLUMNS if c in report.indicators.columns]
    st.dataframe(
        dutch(report.indicators[cols], numbers={"waarde": 1}), hide_index=True, width="stretch"
    )
    st.subheader(tr("ep.outside"))
    st.dataframe(shown(report.outside), hide_index=True, width="stretch")
    _charts(report.timeseries)
    st.subheader(tr("ep.compstat"))
    st.dataframe(
        dutch(report.compstat, numbers={"verandering_pct": 0, "z": 1}, pvalues=("p",)),
        hide_index=True,
        width="stretch",
    )
    st.subheader(tr("ep.record"))
    st.markdown(md(report.record_summary.explanation))
    st.markdown(md(report.dosage_summary.explanation))
    with st.expander(tr("ep.record_table")):
        record = dutch(report.record, numbers={"trefkans_pct": 1, "oppervlakte_pct": 2, "pai": 1})
        st.dataframe(record, hide_index=True, width="stretch")
        st.dataframe(dutch(report.dosage, numbers={"minuten": 0}), hide_index=True, width="stretch")
    for note in report.notes:
        st.info(md(note))


def _charts(series: pd.DataFrame) -> None:
    st.subheader(tr("ep.charts"))
    if series.empty:
        st.info(tr("ep.no_series"))
        return
    names = list(dict.fromkeys(series["reeks"]))
    which = st.selectbox(tr("ep.series"), names, key="ep_series")
    measure = st.radio(
        tr("ep.measure"),
        ["per_1000_per_jaar", "aantal"],
        format_func=lambda m: tr(f"ep.measure.{m}"),
        horizontal=True,
        key="ep_measure",
    )
    frame = series.loc[series["reeks"] == which].copy()
    frame["week"] = pd.to_datetime(frame["week"])
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title=tr("ep.week")),
            y=alt.Y(f"{measure}:Q", title=tr(f"ep.measure.{measure}")),
            color=alt.Color("gebied:N", title=tr("ep.area")),
            strokeDash=alt.StrokeDash("periode:N", title=tr("ep.period")),
            tooltip=["week:T", "gebied:N", "periode:N", "aantal:Q", "per_1000_per_jaar:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _exports(report: PilotReport) -> None:
    st.subheader(tr("ep.export"))
    name = report.pilot.name
    mimes = {
        "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    columns = st.columns(len(mimes))
    for column, (fmt, mime) in zip(columns, mimes.items(), strict=True):
        download_button(
            tr(f"ep.export.{fmt}"),
            build=partial(export_bytes, report, fmt),  # built only when fetched
            file_name=f"evaluatie-{name}.{fmt}",
            mime=mime,
            target=f"pilot:{name}:{fmt}",
            roles=("evaluator", "admin"),
            icon=":material/download:",
            key=f"ep_export_{fmt}",
            where=column,
        )


# --- editing the pilot definitions -----------------------------------------------------------


def _codes(text: str) -> list[str]:
    return [c for c in (part.strip() for part in text.replace("\n", ",").split(",")) if c]


def _area(kind: str, codes: str, buffer_m: float) -> dict[str, Any]:
    table: dict[str, Any] = {"kind": kind, "codes": _codes(codes)}
    if buffer_m:
        table["buffer_m"] = float(buffer_m)
    return table


def save_pilot(res: Resources, config: PilotConfig | None, raw: dict[str, Any]) -> PilotConfig:
    """Replace (or add) the pilot ``raw["name"]``; validate everything; write pilots.toml."""
    from vis.areas import gebieden

    data: dict[str, Any] = tomllib.loads(dump_pilots(config)) if config is not None else {}
    pilots = [p for p in data.get("pilot", []) if p.get("name") != raw["name"]]
    data["pilot"] = [*pilots, raw]
    known = [c.key for c in res.settings.categories]
    new = parse_pilots(data, known_categories=known)
    from vis.store.evaluation_store import load_areas

    with res.engine.connect() as conn:
        wijken = load_areas(conn, res.municipality, dt.date.today().year)["code"]
    check_codes(new, wijken, set(gebieden(res.settings).values()))
    text = dump_pilots(new)
    try:  # what is written must read back as the same pilots, or nothing is written
        again = parse_pilots(tomllib.loads(text), known_categories=known)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"pilots.toml zou onleesbaar worden ({exc}); niets opgeslagen") from exc
    if again != new:
        raise ValueError("pilots.toml zou anders teruggelezen worden; niets opgeslagen")
    path = res.settings.resolve(PILOTS_FILE)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:  # atomic: a whole file or the old one
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return new


def _editor(res: Resources, config: PilotConfig | None) -> None:
    user = current_user()
    if user is None or user.role not in EDIT_ROLES:
        return
    with st.expander(tr("ep.edit"), icon=":material/edit:"):
        st.caption(tr("ep.edit_intro"))
        existing = {p.name: p for p in config.pilots} if config is not None else {}
        choice = st.selectbox(
            tr("ep.edit_which"),
            ["", *existing],
            format_func=lambda n: n or tr("ep.edit_new"),
            key="ep_edit_which",
        )
        p = existing.get(choice)
        today = dt.date.today()
        cats = [c.key for c in res.settings.categories]
        k = f"ep_f_{choice or 'new'}_"
        lo, hi = dt.date(2000, 1, 1), today + dt.timedelta(days=5 * 366)
        with st.form(f"ep_edit_{choice or 'new'}"):
            name = st.text_input(tr("ep.f.name"), value=p.name if p else "", key=f"{k}name")
            label = st.text_input(tr("ep.f.label"), value=p.label if p else "", key=f"{k}label")
            description = st.text_area(
                tr("ep.f.description"), value=p.description if p else "", key=f"{k}desc"
            )
            b1, b2, p1, p2 = st.columns(4)
            bs = b1.date_input(
                tr("ep.f.baseline_start"),
                p.baseline.start if p else today,
                key=f"{k}bs",
                min_value=lo,
                max_value=hi,
            )
            be = b2.date_input(
                tr("ep.f.baseline_end"),
                p.baseline.end if p else today,
                key=f"{k}be",
                min_value=lo,
                max_value=hi,
            )
            ps = p1.date_input(
                tr("ep.f.period_start"),
                p.pilot.start if p else today,
                key=f"{k}ps",
                min_value=lo,
                max_value=hi,
            )
            pe = p2.date_input(
                tr("ep.f.period_end"),
                p.pilot.end if p else today,
                key=f"{k}pe",
                min_value=lo,
                max_value=hi,
            )
            categories = st.multiselect(
                tr("ep.f.categories"),
                cats,
                default=[c for c in (p.categories if p else ()) if c in cats],
                key=f"{k}cats",
            )
            alpha = st.number_input(
                tr("ep.f.alpha"),
                0.001,
                0.499,
                p.alpha if p else 0.05,
                format="%.3f",
                key=f"{k}alpha",
            )
            areas: dict[str, dict[str, Any]] = {}
            for role in ("treatment", "control", "buffer"):
                area = getattr(p, role) if p else None
                c1, c2, c3 = st.columns([1, 3, 1])
                kinds = ("", *AREA_KINDS) if role == "buffer" else AREA_KINDS
                kind = c1.selectbox(
                    tr(f"ep.f.{role}"),
                    kinds,
                    index=kinds.index(area.kind) if area is not None else 0,
                    format_func=lambda v: v or tr("ep.f.no_buffer"),
                    key=f"{k}kind_{role}",
                )
                codes = c2.text_input(
                    tr("ep.f.codes"), value=", ".join(area.codes) if area is not None else "",
                    key=f"{k}codes_{role}",
                )  # fmt: skip
                buffer_m = c3.number_input(
                    tr("ep.f.buffer_m"), 0.0, 5000.0,
                    float(area.buffer_m) if area is not None else 0.0, key=f"{k}buf_{role}",
                )  # fmt: skip
                if kind:
                    areas[role] = _area(kind, codes, buffer_m)
            submitted = st.form_submit_button(
                tr("ep.f.save"), icon=":material/save:", key=f"{k}save"
            )
        if not submitted:
            return
        raw: dict[str, Any] = {
            "name": name.strip(), "label": label.strip(), "description": description.strip(),
            "baseline": [bs, be], "period": [ps, pe], "categories": categories,
            "alpha": float(alpha), **areas,
        }  # fmt: skip
        if p is not None:
            raw |= {"did_model": p.did_model, "rate_test": p.rate_test}
        try:
            save_pilot(res, config, raw)
        except (PilotConfigError, OSError, ValueError) as exc:
            st.error(tr("ep.invalid", error=md(" ".join(str(exc).split()))))
            return
        log(CONFIG_CHANGE, target=f"pilot:{raw['name']}"[:300],
            detail={"pilot": raw["name"], "new": p is None})  # fmt: skip
        st.session_state.pop(REPORT_KEY, None)
        st.session_state[SAVED_KEY] = raw["name"]
        st.rerun()  # the pilot list above must show the change

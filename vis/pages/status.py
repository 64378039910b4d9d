"""Status page (supervisor, admin): ingest ledger, freshness per source, quarantine, next run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from vis import display
from vis.ops.status import last_runs, source_freshness
from vis.pages.common import freshness_banner, require, resources, tr
from vis.pages.download import download_button
from vis.store.queries import freshness, quarantine_count, quarantine_rows

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def quarantine_csv(rows: list[Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["id", "run_id", "row_number", "incident_id", "reason", "received_at", "raw"])
    for r in rows:
        writer.writerow(
            [csv_cell(v) for v in (r.id, r.run_id, r.row_number, r.incident_id, r.reason)]
            + [csv_cell(r.received_at.isoformat()), csv_cell(r.raw)]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def next_ingest(now: dt.datetime) -> dt.datetime | None:
    from ingest.scheduler import daily_trigger

    when = daily_trigger(resources().settings.schedule).get_next_fire_time(None, now)
    return when


def _quarantine_csv(engine: Engine) -> bytes:
    with engine.connect() as conn:
        return quarantine_csv(quarantine_rows(conn, None, raw=True))


_SOURCE_COLUMNS = {
    "source": "st.c.source",
    "last_status": "st.c.last_status",
    "last_started_at": "st.c.last_started",
    "last_success_at": "st.c.last_success",
    "fetched_until": "st.c.fetched_until",
}
_RUN_COLUMNS = {
    "id": "st.c.run",
    "source": "st.c.source",
    "status": "st.c.status",
    "started_at": "st.c.started",
    "finished_at": "st.c.finished",
    "window_start": "st.c.from",
    "window_end": "st.c.to",
    "received": "st.c.received",
    "loaded": "st.c.loaded",
    "quarantined": "st.c.quarantined",
    "duration_s": "st.c.duration",
    "error": "st.c.error",
}
_MOMENTS = ("last_started_at", "last_success_at", "started_at", "finished_at")
_DAYS = ("fetched_until", "window_start", "window_end")
_OUTCOMES = {"success": "st.success", "failed": "st.failed", "running": "st.running"}


def readable(rows: list[dict[str, Any]], columns: dict[str, str], tz: str) -> pd.DataFrame:
    """Ledger rows (``vis status --json`` values) as a Dutch table: local moments, dates,
    outcomes in words, ``—`` for nothing."""
    shown = []
    for row in rows:
        r = dict(row)
        if "id" in r:
            r["id"] = str(r["id"])
        for key in _MOMENTS:
            if key in r:
                r[key] = display.moment(r[key], tz)
        for key in _DAYS:
            if key in r:
                r[key] = display.day(r[key])
        for key in ("status", "last_status"):
            if r.get(key) in _OUTCOMES:
                r[key] = tr(_OUTCOMES[r[key]])
        shown.append(r)
    headings = {key: tr(label) for key, label in columns.items()}
    frame = display.dutch_table(shown, headings, tz, decimals=1)
    if not rows:
        return pd.DataFrame(columns=list(headings.values()))
    return frame


def main() -> None:
    require("supervisor", "admin")
    res = resources()
    tz = res.settings.schedule.timezone
    now = dt.datetime.now(dt.UTC)
    with res.engine.connect() as conn:
        fresh = freshness(conn)
        sources = source_freshness(conn)
        runs = last_runs(conn, 50)
        n_quarantined = quarantine_count(conn)
        shown = quarantine_rows(conn, 500)
    st.title(tr("page.status"))
    freshness_banner(fresh, now)
    st.info(tr("st.next", when=display.moment_with_weekday(next_ingest(now), tz)))
    st.subheader(tr("st.sources"))
    st.dataframe(readable(sources, _SOURCE_COLUMNS, tz), hide_index=True, width="stretch")
    st.subheader(tr("st.ledger"))
    st.dataframe(readable(runs, _RUN_COLUMNS, tz), hide_index=True, width="stretch")
    st.subheader(tr("st.quarantine", n=display.number(n_quarantined)))
    frame = display.dutch_table(
        [
            {
                "run": str(r.run_id),
                "row": str(r.row_number),
                "incident": r.incident_id,
                "reason": r.reason,
                "at": r.received_at,
            }
            for r in shown
        ],
        {
            "run": tr("st.c.run"),
            "row": tr("st.c.row"),
            "incident": tr("st.c.incident"),
            "reason": tr("st.c.reason"),
            "at": tr("st.c.received_at"),
        },
        tz,
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if n_quarantined:
        download_button(
            tr("st.csv"),
            build=partial(_quarantine_csv, res.engine),  # read and built only when fetched
            file_name=f"quarantaine-{now:%Y%m%d}.csv",
            mime="text/csv",
            target="quarantine.csv",
            roles=("supervisor", "admin"),
            icon=":material/download:",
            key="st_quarantine_csv",
        )

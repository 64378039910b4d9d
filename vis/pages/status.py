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

from vis.pages.common import freshness_banner, local, require, resources, tr
from vis.pages.download import download_button
from vis.queries import freshness, quarantine_count, quarantine_rows
from vis.status import last_runs, source_freshness

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


def main() -> None:
    require("supervisor", "admin")
    res = resources()
    now = dt.datetime.now(dt.UTC)
    with res.engine.connect() as conn:
        fresh = freshness(conn)
        sources = source_freshness(conn)
        runs = last_runs(conn, 50)
        n_quarantined = quarantine_count(conn)
        shown = quarantine_rows(conn, 500)
    st.title(tr("page.status"))
    freshness_banner(fresh, now)
    st.info(tr("st.next", when=local(next_ingest(now), "%a %d-%m-%Y %H:%M %Z")))
    st.subheader(tr("st.sources"))
    st.dataframe(pd.DataFrame(sources), hide_index=True, width="stretch")
    st.subheader(tr("st.ledger"))
    cols = [
        "id",
        "source",
        "status",
        "started_at",
        "finished_at",
        "window_start",
        "window_end",
        "received",
        "loaded",
        "quarantined",
        "duration_s",
        "error",
    ]
    st.dataframe(pd.DataFrame(runs, columns=cols), hide_index=True, width="stretch")
    st.subheader(tr("st.quarantine", n=n_quarantined))
    frame = pd.DataFrame(
        [(r.run_id, r.row_number, r.incident_id, r.reason, local(r.received_at)) for r in shown],
        columns=["run", "rij/row", "incident", "reden/reason", "ontvangen/received"],
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

"""The demo police feed and CBS OData tables over loopback HTTP, exactly as the contract describes.

Routes (``vis demo-feed`` prints the base URL):

- ``/bvh/incidenten.csv?vanaf=jjjj-mm-dd&tot=jjjj-mm-dd`` — the day window as a Windows-1252 CSV
  with ``;``, as many police units deliver it;
- ``/bvh/incidenten.json?vanaf=…&tot=…[&pagina=N]`` — the same rows as paged JSON
  (``{"incidenten": [...], "volgende": URL-or-null}``);
- ``/cbs/<table>/TypedDataSet?…[&$skip=N]`` — OData v3 pages with ``odata.nextLink`` for the crime
  table (47022NED-shaped) and the population table (``AantalInwoners_5``).

The feed rows of a window are those the police knew in it: the Kennisname, or for a later version
of an incident the moment of its change. The feed lives on a clock: it serves no row of today or
later, so each new day appears when it has passed, as a police feed's would. With a token set,
the BVH routes require ``Authorization: Bearer <token>``; CBS open data is public.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ingest import columns as c
from vis.demo import (
    KIND,
    DemoParams,
    cbs_monthly,
    generate_bad_rows,
    generate_incidents,
    generate_updates,
    known_at,
)
from vis.geo import Area
from vis.settings import CategorySettings

log = logging.getLogger(__name__)
LOCAL_TZ = "Europe/Amsterdam"


@dataclass(frozen=True)
class FeedData:
    """Everything the demo feed serves, generated once."""

    rows: pd.DataFrame  # the 33 contract columns, in the order the police learned of them
    days: np.ndarray  # datetime64[D]: the local day on which each row is served
    crime_rows: tuple[dict[str, Any], ...]
    population_rows: tuple[dict[str, Any], ...]
    crime_table: str
    population_table: str

    def window(self, vanaf: dt.date, tot: dt.date, today: dt.date | None = None) -> pd.DataFrame:
        """The rows served for ``vanaf`` up to ``tot`` (exclusive); none of ``today`` or later."""
        lo, hi = np.datetime64(vanaf, "D"), np.datetime64(tot, "D")
        if today is not None:
            hi = min(hi, np.datetime64(today, "D"))
        return self.rows[(self.days >= lo) & (self.days < hi)]


def build_feed_data(
    params: DemoParams,
    areas: Sequence[Area],
    categories: Sequence[CategorySettings],
    *,
    municipality_code: str,
    crime_table: str = "47022NED",
    population_table: str = "86165NED",
    today: dt.date | None = None,
) -> FeedData:
    """Generate the feed of ``params``' period. With ``today``, the CBS table holds only the
    months before today's month (CBS publishes a month after it ends)."""
    incidents = generate_incidents(params, areas)
    updates = generate_updates(params, incidents)
    bad = generate_bad_rows(params, areas).drop(columns=[KIND])
    served = pd.concat([incidents, updates, bad], ignore_index=True)
    moment = known_at(served)
    # A row whose Kennisname is broken is still delivered: on the day its begin says, or the first.
    fallback = pd.to_datetime(served[c.BEGIN].str.slice(0, 10), format="%d-%m-%Y", errors="coerce")
    local_day = moment.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).dt.floor("D")
    local_day = local_day.fillna(fallback).fillna(pd.Timestamp(params.start))
    order = np.argsort(moment.fillna(local_day.dt.tz_localize("UTC")).to_numpy(), kind="stable")
    served = served.iloc[order].reset_index(drop=True)
    days = local_day.to_numpy()[order].astype("datetime64[D]")
    published = incidents
    if today is not None:
        month = pd.Timestamp(today.replace(day=1))
        begun = pd.to_datetime(
            incidents[c.BEGIN].str.slice(0, 10), format="%d-%m-%Y", errors="coerce"
        )
        published = incidents[(begun < month).to_numpy()]
    crime = cbs_monthly(published, areas, categories, municipality_code=municipality_code)
    population = [
        {"ID": i, "WijkenEnBuurten": f"{a.code:<10}", "AantalInwoners_5": a.inhabitants}
        for i, a in enumerate(areas, start=1)
    ]
    population.append(
        {
            "ID": 0,
            "WijkenEnBuurten": f"{municipality_code:<10}",
            "AantalInwoners_5": sum(a.inhabitants or 0 for a in areas),
        }
    )
    return FeedData(
        rows=served.loc[:, list(c.BVH_COLUMNS)],
        days=days,
        crime_rows=tuple(
            {str(k): v for k, v in r.items()} for r in crime.to_dict(orient="records")
        ),
        population_rows=tuple(population),
        crime_table=crime_table,
        population_table=population_table,
    )


def local_today() -> dt.date:
    """Today in the feed's time zone (Europe/Amsterdam)."""
    return dt.datetime.now(ZoneInfo(LOCAL_TZ)).date()


class _Handler(BaseHTTPRequestHandler):
    server: DemoFeedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo feed: " + format, *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, message.encode("utf-8"), "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path.rstrip("/")
        try:
            if path in ("/bvh/incidenten.csv", "/bvh/incidenten.json"):
                if not self._authorised():
                    self._error(401, "token ontbreekt of is onjuist")
                    return
                self._bvh(path.endswith(".json"), query)
            elif path.startswith("/cbs/") and path.endswith("/TypedDataSet"):
                self._odata(path.split("/")[2], query)
            else:
                self._error(404, "onbekend pad")
        except ValueError as exc:
            self._error(400, f"ongeldige vraag: {exc}")

    def _authorised(self) -> bool:
        token = self.server.token
        if not token:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def _bvh(self, as_json: bool, query: dict[str, str]) -> None:
        vanaf, tot = dt.date.fromisoformat(query["vanaf"]), dt.date.fromisoformat(query["tot"])
        rows = self.server.data.window(vanaf, tot, self.server.today())
        if not as_json:
            text = rows.to_csv(sep=";", index=False, lineterminator="\r\n")
            self._send(
                200, text.encode("cp1252", errors="replace"), "text/csv; charset=windows-1252"
            )
            return
        size = self.server.page_size
        page = int(query.get("pagina", "1"))
        chunk = rows.iloc[(page - 1) * size : page * size]
        more = page * size < len(rows)
        nxt = None
        if more:
            nxt = f"{self.server.base_url}/bvh/incidenten.json?" + urlencode(
                {"vanaf": vanaf.isoformat(), "tot": tot.isoformat(), "pagina": page + 1}
            )
        body = {"incidenten": chunk.to_dict(orient="records"), "volgende": nxt}
        self._send(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")

    def _odata(self, table: str, query: dict[str, str]) -> None:
        data = self.server.data
        if table == data.crime_table:
            rows: tuple[dict[str, Any], ...] = data.crime_rows
        elif table == data.population_table:
            rows = data.population_rows
        else:
            self._error(404, f"tabel {table} bestaat niet in de demo")
            return
        skip = int(query.get("$skip", "0"))
        size = self.server.odata_page_size
        body: dict[str, Any] = {"value": list(rows[skip : skip + size])}
        if skip + size < len(rows):
            rest = {k: v for k, v in query.items() if k != "$skip"}
            rest["$skip"] = str(skip + size)
            body["odata.nextLink"] = (
                f"{self.server.base_url}/cbs/{table}/TypedDataSet?{urlencode(rest)}"
            )
        self._send(200, json.dumps(body).encode("utf-8"), "application/json")


class DemoFeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        data: FeedData,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "",
        page_size: int = 1000,
        odata_page_size: int = 5000,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        super().__init__((host, port), _Handler)
        self.data, self.token = data, token
        #: The feed's clock: rows of this day and later are not served yet.
        self.today = today or local_today
        self.page_size, self.odata_page_size = page_size, odata_page_size

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="vis-demo-feed", daemon=True)
        thread.start()
        return thread

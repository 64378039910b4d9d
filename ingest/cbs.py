"""CBS open data over OData v3 (contract §2): registered crimes per wijk and month, and population.

:func:`iter_odata` walks the pages of a TypedDataSet through ``odata.nextLink``. The URL builders
ask only for the municipality and its wijken, and for the crime table only for the months that
need a (re-)fetch: CBS figures stay provisional for two years. The parse functions are pure: they
trim CBS's padded keys, keep a suppressed figure (``null``) as null, never as zero, and reject
malformed rows with a reason. :func:`load_cbs` loads both tables, each as one atomic ledger run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urldefrag, urljoin

import pandas as pd
import requests
from sqlalchemy import Connection, Engine, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ingest.feed import DEFAULT_MAX_PAGES, GENERIC_MIMES
from ingest.http import FetchError, get, redact_url
from ingest.ledger import IngestError, RunResult, RunSpec, atomic_run, utcnow
from vis.db.schema import cbs_crime_monthly, cbs_population, ingest_runs, quarantine
from vis.settings import CbsSettings, HttpSettings, Settings

log = logging.getLogger(__name__)

#: The largest count the INTEGER columns hold on every database.
MAX_COUNT = 2**31 - 1
CRIME_COLUMNS = ("SoortMisdrijf", "WijkenEnBuurten", "Perioden", "GeregistreerdeMisdrijven_1")
POPULATION_COLUMNS = ("WijkenEnBuurten", "AantalInwoners_5")
MONTH_PERIOD = re.compile(r"(\d{4})MM(\d{2})")
#: Longest list of months put into a $filter; a longer gap fetches the whole table (URL length).
MAX_PERIODS_IN_FILTER = 36
#: Rows per upsert statement.
CHUNK_ROWS = 2_000
#: Characters kept unescaped in OData query values (readable filters).
SAFE_IN_QUERY = "',()"
_LOCATION_MAX = getattr(ingest_runs.c.location.type, "length", None) or 1000


class Rejected(NamedTuple):
    """A row that was not loaded: the row as received, why, and its 1-based place in the answer."""

    row: Any
    reason: str
    row_number: int


class _RowError(ValueError):
    pass


# --- fetching --------------------------------------------------------------------------------


def iter_odata(
    session: requests.Session,
    url: str,
    *,
    http: HttpSettings,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Iterator[dict[str, Any]]:
    """The rows of ``value`` across the pages of an OData v3 answer (``odata.nextLink``)."""
    seen: set[str] = set()
    next_url: str | None = url
    number = 0
    while next_url is not None:
        number += 1
        shown = redact_url(next_url)
        if urldefrag(next_url).url in seen:
            raise FetchError(f"OData page {number} repeats {shown}: the paging loops")
        if number > max_pages:
            raise FetchError(f"more than {max_pages} OData pages at {redact_url(url)}: giving up")
        seen.add(urldefrag(next_url).url)
        response = get(session, next_url, http=http, token=None)
        content_type = response.headers.get("Content-Type") or ""
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime != "application/json" and mime not in GENERIC_MIMES:
            raise FetchError(f"GET {shown}: unexpected Content-Type {content_type}, not JSON")
        try:
            doc = response.json()
        except ValueError as exc:
            raise FetchError(f"GET {shown}: the answer is not valid JSON ({exc})") from None
        rows = doc.get("value") if isinstance(doc, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise FetchError(f"GET {shown}: not an OData answer ('value' is not a list of rows)")
        link = doc.get("odata.nextLink")
        if link is not None and (not isinstance(link, str) or not link.strip()):
            raise FetchError(f"GET {shown}: 'odata.nextLink' is not a URL")
        yield from rows
        next_url = urljoin(response.url or next_url, link.strip()) if link else None


def area_filter(municipality_code: str) -> str:
    """OData filter for a municipality and its wijken. Keys are padded, so startswith for both."""
    if not re.fullmatch(r"GM\d{4}", municipality_code):
        raise ValueError(f"not a municipality code (GMxxxx): {municipality_code!r}")
    wijk_prefix = "WK" + municipality_code[2:]
    return (
        f"startswith(WijkenEnBuurten,{_literal(wijk_prefix)})"
        f" or startswith(WijkenEnBuurten,{_literal(municipality_code)})"
    )


def month_periods(since: dt.date, until: dt.date) -> list[str]:
    """CBS month keys (``2017MM03``) from the month of ``since`` through the month of ``until``."""
    periods: list[str] = []
    month = since.replace(day=1)
    while month <= until:
        periods.append(f"{month.year:04d}MM{month.month:02d}")
        month = add_months(month, 1)
    return periods


def crime_url(
    cbs: CbsSettings,
    municipality_code: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> str:
    """TypedDataSet URL of the crime table for the municipality and its wijken.

    With ``since``, only the months from ``since`` through ``until`` (default: today) are asked
    for, as ``Perioden eq ... or ...`` (OData v3 has no ``in``); without it, or when that list
    would be longer than :data:`MAX_PERIODS_IN_FILTER`, the whole table.
    """
    flt = area_filter(municipality_code)
    if since is not None:
        periods = month_periods(since, until or dt.date.today())
        if 0 < len(periods) <= MAX_PERIODS_IN_FILTER:
            chain = " or ".join(f"Perioden eq {_literal(p)}" for p in periods)
            flt = f"({flt}) and ({chain})"
    return _odata_url(cbs.base_url, cbs.crime_table, flt, CRIME_COLUMNS)


def population_url(cbs: CbsSettings, municipality_code: str) -> str:
    """TypedDataSet URL of the Kerncijfers table: inhabitants of the municipality and its wijken."""
    flt = area_filter(municipality_code)
    return _odata_url(cbs.population_base_url, cbs.population_table, flt, POPULATION_COLUMNS)


def refetch_since(
    last_stored: dt.date | None, today: dt.date, refetch_months: int
) -> dt.date | None:
    """First month to fetch: ``refetch_months`` before today's month, or the last stored month if
    that is earlier (a gap). None (everything) when nothing is stored yet."""
    if last_stored is None:
        return None
    window_start = add_months(today.replace(day=1), -refetch_months)
    return min(window_start, last_stored.replace(day=1))


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after (or before) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _odata_url(base_url: str, table: str, flt: str, columns: Sequence[str]) -> str:
    query = "&".join(
        f"{key}={quote(value, safe=SAFE_IN_QUERY)}"
        for key, value in (("$filter", flt), ("$select", ",".join(columns)))
    )
    return f"{base_url.rstrip('/')}/{quote(table)}/TypedDataSet?{query}"


# --- parsing ---------------------------------------------------------------------------------


def parse_crime_rows(rows: Iterable[Any]) -> tuple[pd.DataFrame, list[Rejected]]:
    """Rows of the crime table as [crime_code, area_code, period, count], and the rejected rows.

    Keys are trimmed; ``period`` is the first day of the month (only monthly ``jjjjMMmm`` periods
    are accepted); ``count`` is a nullable Int64 where null is a figure CBS suppressed. A second
    row with the same key is rejected as a duplicate.
    """

    def extract(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], int | None]:
        key = (_code(row, "SoortMisdrijf"), _code(row, "WijkenEnBuurten"), _month(row))
        return key, _count(row, "GeregistreerdeMisdrijven_1")

    keys, values, rejected = _parse(rows, extract)
    return _frame(("crime_code", "area_code", "period"), keys, "count", values), rejected


def parse_population_rows(rows: Iterable[Any], *, year: int) -> tuple[pd.DataFrame, list[Rejected]]:
    """Rows of the Kerncijfers table as [area_code, year, inhabitants], and the rejected rows."""

    def extract(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], int | None]:
        return (_code(row, "WijkenEnBuurten"), year), _count(row, "AantalInwoners_5")

    keys, values, rejected = _parse(rows, extract)
    return _frame(("area_code", "year"), keys, "inhabitants", values), rejected


def _parse(
    rows: Iterable[Any], extract: Callable[[Mapping[str, Any]], tuple[tuple[Any, ...], int | None]]
) -> tuple[list[tuple[Any, ...]], list[int | None], list[Rejected]]:
    keys: list[tuple[Any, ...]] = []
    values: list[int | None] = []
    rejected: list[Rejected] = []
    first: dict[tuple[Any, ...], int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            if not isinstance(row, Mapping):
                raise _RowError("not an object")
            key, value = extract(row)
            if key in first:
                shown = " ".join(f"{k:%Y-%m}" if isinstance(k, dt.date) else str(k) for k in key)
                raise _RowError(f"duplicate of row {first[key]} ({shown})")
        except _RowError as exc:
            rejected.append(Rejected(row, str(exc), number))
            continue
        first[key] = number
        keys.append(key)
        values.append(value)
    return keys, values, rejected


def _frame(
    names: Sequence[str], keys: list[tuple[Any, ...]], value: str, values: list[int | None]
) -> pd.DataFrame:
    columns: dict[str, Any] = {
        name: pd.Series([k[i] for k in keys], dtype=object) for i, name in enumerate(names)
    }
    columns[value] = pd.array(values, dtype="Int64")
    return pd.DataFrame(columns)


def _code(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    if not isinstance(value, str):
        raise _RowError(f"{column} is missing or not text: {value!r}")
    code = value.strip()
    if not code or len(code) > 16:
        raise _RowError(f"{column} is empty or longer than 16 characters: {value[:40]!r}")
    return code


def _month(row: Mapping[str, Any]) -> dt.date:
    value = _code(row, "Perioden")
    match = MONTH_PERIOD.fullmatch(value)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise _RowError(f"Perioden {value!r} is not a month (jjjjMMmm)")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _count(row: Mapping[str, Any], column: str) -> int | None:
    if column not in row:
        raise _RowError(f"{column} is missing")
    value = row[column]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _RowError(f"{column} is not a number: {value!r}")
    if value < 0 or (isinstance(value, float) and not value.is_integer()):
        raise _RowError(f"{column} is not a whole number of at least 0: {value!r}")
    if value > MAX_COUNT:
        raise _RowError(f"{column} is larger than {MAX_COUNT}: {value!r}")
    return int(value)


# --- loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """Where a CBS table goes: table, table_id, the column scoping the comparison, the value."""

    table: Table
    table_id: str
    scope: str
    value: str


def load_cbs(
    engine: Engine, settings: Settings, session: requests.Session, *, today: dt.date | None = None
) -> list[RunResult]:
    """Load the crime table, then the population table, each as one atomic run.

    Both are attempted; if either failed, :class:`IngestError` is raised after both (the ledger
    rows say what happened).
    """
    results: list[RunResult] = []
    errors: list[IngestError] = []
    crime = partial(load_crime, engine, settings, session, today=today)
    for load in (crime, partial(load_population, engine, settings, session)):
        try:
            results.append(load())
        except IngestError as exc:
            errors.append(exc)
    if errors:
        raise IngestError("; ".join(str(e) for e in errors), errors[0].run_id)
    return results


def load_crime(
    engine: Engine, settings: Settings, session: requests.Session, *, today: dt.date | None = None
) -> RunResult:
    """Fetch the crime table (recent months, or all when nothing is stored) and upsert it."""
    cbs, today = settings.cbs, today or dt.date.today()
    target = _Target(cbs_crime_monthly, cbs.crime_table, "period", "count")
    with engine.connect() as conn:
        last = conn.execute(
            select(func.max(target.table.c.period)).where(
                target.table.c.table_id == target.table_id
            )
        ).scalar_one_or_none()
    since = refetch_since(last, today, cbs.refetch_months)
    url = crime_url(cbs, settings.municipality.code, since=since, until=today)
    end = add_months(today, 1) if since is not None else None
    spec = RunSpec(f"cbs-{cbs.crime_table}", "cbs", _location(url), since, end)
    return _run(engine, settings.http, session, spec, url, parse_crime_rows, target)


def load_population(engine: Engine, settings: Settings, session: requests.Session) -> RunResult:
    """Fetch the inhabitants of the municipality and of its wijken, and upsert them."""
    cbs = settings.cbs
    url = population_url(cbs, settings.municipality.code)
    spec = RunSpec(f"cbs-{cbs.population_table}", "cbs", _location(url))
    target = _Target(cbs_population, cbs.population_table, "year", "inhabitants")

    def parse(rows: Iterable[Any]) -> tuple[pd.DataFrame, list[Rejected]]:
        return parse_population_rows(rows, year=cbs.population_year)

    return _run(engine, settings.http, session, spec, url, parse, target)


def _run(
    engine: Engine,
    http: HttpSettings,
    session: requests.Session,
    spec: RunSpec,
    url: str,
    parse: Callable[[Iterable[Any]], tuple[pd.DataFrame, list[Rejected]]],
    target: _Target,
) -> RunResult:
    started = time.monotonic()
    with atomic_run(engine, spec) as run:
        rows = list(iter_odata(session, url, http=http))
        frame, rejected = parse(rows)
        run.counts.received = len(rows)
        run.counts.quarantined = len(rejected)
        _quarantine(run.conn, run.run_id, rejected)
        counts = _store(run.conn, target, frame, run.run_id)
        run.counts.inserted, run.counts.updated, run.counts.unchanged = counts
    log.info("%s: %s", spec.source, run.counts)
    return RunResult(run.run_id, spec, run.counts, round(time.monotonic() - started, 3))


def _store(
    conn: Connection, target: _Target, frame: pd.DataFrame, run_id: int
) -> tuple[int, int, int]:
    """Upsert ``frame``; (inserted, updated, unchanged) by comparing with what is stored."""
    table, value = target.table, target.value
    keys = [c.name for c in table.primary_key.columns if c.name != "table_id"]
    records = [
        {
            "table_id": target.table_id,
            **{k: _python(r[k]) for k in (*keys, value)},
            "run_id": run_id,
        }
        for r in frame.to_dict("records")
    ]
    stored: dict[tuple[Any, ...], Any] = {}
    scopes = sorted({r[target.scope] for r in records})
    for i in range(0, len(scopes), 500):
        query = select(*[table.c[k] for k in keys], table.c[value]).where(
            table.c.table_id == target.table_id, table.c[target.scope].in_(scopes[i : i + 500])
        )
        stored.update((tuple(row[:-1]), row[-1]) for row in conn.execute(query))
    changed: list[dict[str, Any]] = []
    inserted = updated = 0
    for rec in records:
        key = tuple(rec[k] for k in keys)
        if key not in stored:
            inserted += 1
        elif stored[key] != rec[value]:
            updated += 1
        else:
            continue
        changed.append(rec)
    statement = _upsert_statement(conn, table)
    for i in range(0, len(changed), CHUNK_ROWS):
        conn.execute(statement, changed[i : i + CHUNK_ROWS])
    return inserted, updated, len(records) - inserted - updated


def _upsert_statement(conn: Connection, table: Table) -> Any:
    """``insert … on conflict (primary key) do update`` in the dialect of ``conn``."""
    keys = [c.name for c in table.primary_key.columns]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        updates = {c.name: pg.excluded[c.name] for c in table.columns if c.name not in keys}
        return pg.on_conflict_do_update(index_elements=keys, set_=updates)
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        updates = {c.name: lite.excluded[c.name] for c in table.columns if c.name not in keys}
        return lite.on_conflict_do_update(index_elements=keys, set_=updates)
    raise IngestError(f"no upsert for database dialect {dialect!r}")


def _quarantine(conn: Connection, run_id: int, rejected: Sequence[Rejected]) -> None:
    now = utcnow()
    rows = [
        {
            "run_id": run_id,
            "row_number": r.row_number,
            "incident_id": None,
            "reason": r.reason,
            "raw": r.row,
            "received_at": now,
        }
        for r in rejected
    ]
    for i in range(0, len(rows), CHUNK_ROWS):
        conn.execute(insert(quarantine), rows[i : i + CHUNK_ROWS])


def _python(value: Any) -> Any:
    """A pandas cell as a plain Python value for the driver (NA → None, numpy ints → int)."""
    if value is None or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") and not isinstance(value, dt.date) else value


def _location(url: str) -> str:
    """The URL as the ledger shows it: readable, without secrets, within the column's length."""
    text = unquote(redact_url(url))
    return text if len(text) <= _LOCATION_MAX else text[: _LOCATION_MAX - 3] + "..."

"""Ingest runs: a delivery (file, URL window or feed page sequence) through normalise and load.

Each run is atomic (see :mod:`ingest.ledger`). ``ingest_due`` is what the daily job and a plain
``vis ingest`` do: for every enabled source, fetch every day that no successful run has covered,
from ``ingest.first_day`` (or the given range) up to yesterday, in windows of ``window_days``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select

from ingest.encode import prepare_rows
from ingest.formats import RawChunk, format_for_path, read_extract
from ingest.ledger import (
    ActiveRun,
    IngestError,
    RunResult,
    RunSpec,
    atomic_run,
    mark_abandoned,
    utcnow,
)
from ingest.load import (
    WriteContext,
    create_secondary_indexes,
    drop_secondary_indexes,
    serialise_runs,
    write_incidents,
    write_quarantine,
)
from ingest.normalise import NormaliseParams
from ingest.pipeline import Part, normalised
from vis.areas import load_areas, load_buurten
from vis.db.schema import ingest_runs
from vis.settings import Settings, SourceSettings

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class IngestContext:
    """What every run needs, built once per process by :func:`build_context`."""

    settings: Settings
    engine: Engine
    params: NormaliseParams


def build_context(settings: Settings, engine: Engine) -> IngestContext:
    params = NormaliseParams(
        categories=tuple(settings.categories),
        areas=load_areas(settings),
        crs=settings.geo.crs,
        keep_house_numbers=settings.ingest.keep_house_numbers,
        buurten=load_buurten(settings),
        timezone=settings.schedule.timezone,
    )
    return IngestContext(settings=settings, engine=engine, params=params)


def _load_chunk(run: ActiveRun, part: Part, write: WriteContext) -> None:
    chunk, norm, now = part.chunk, part.norm, write.now
    loaded = write_incidents(run.conn, part.rows, write)
    rejected = norm.quarantine
    if chunk.rejects:
        extra = pd.DataFrame(
            {
                "row_number": [r.row_number for r in chunk.rejects],
                "incident_id": [None] * len(chunk.rejects),
                "reason": [r.reason for r in chunk.rejects],
                "raw": [r.raw for r in chunk.rejects],
            }
        )
        rejected = extra if rejected.empty else pd.concat([rejected, extra], ignore_index=True)
    quarantined = write_quarantine(run.conn, rejected, run.run_id, now)
    run.counts.received += chunk.received
    run.counts.inserted += loaded.inserted
    run.counts.updated += loaded.updated
    run.counts.unchanged += loaded.unchanged
    run.counts.quarantined += quarantined
    for key, n in norm.unmapped.items():
        run.counts.unmapped[key] = run.counts.unmapped.get(key, 0) + n


def run_chunks(
    ctx: IngestContext,
    spec: RunSpec,
    chunks: Callable[[], Iterable[RawChunk]],
    progress: Progress | None = None,
) -> RunResult:
    """Load every chunk that ``chunks()`` yields as one atomic run.

    ``chunks`` is called inside the run, so that fetch and parse errors fail the run too.
    """
    mark_abandoned(ctx.engine, dt.timedelta(minutes=ctx.settings.ingest.stale_run_minutes))
    started = utcnow()
    bulk_rows = ctx.settings.ingest.bulk_index_rows
    with atomic_run(ctx.engine, spec) as run:
        bulk = False
        write = WriteContext(spec.source, run.run_id, utcnow())
        dialect = ctx.engine.dialect.name
        parts = normalised(chunks(), ctx.params, lambda rows: prepare_rows(rows, write, dialect))
        for i, part in enumerate(parts):
            if i == 0:
                serialise_runs(run.conn)
            if not bulk and bulk_rows and part.delivered >= bulk_rows:
                drop_secondary_indexes(run.conn)
                bulk = True
            _load_chunk(run, part, write)
            if progress is not None:
                progress(part.chunk.received)
        if bulk:
            create_secondary_indexes(run.conn)
    duration = (utcnow() - started).total_seconds()
    log.info("run %s %s: %s", run.run_id, spec.source, run.counts)
    return RunResult(run_id=run.run_id, spec=spec, counts=run.counts, duration_s=duration)


def ingest_file(
    ctx: IngestContext,
    path: Path,
    fmt: str | None = None,
    *,
    source: str = "bestand",
    column_map: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Load one extract file by hand (``vis ingest-file``)."""
    chosen = fmt or format_for_path(path)
    spec = RunSpec(source=source, kind="bvh-file", location=str(path))
    return run_chunks(
        ctx,
        spec,
        lambda: read_extract(
            path, chosen, column_map=column_map or {}, chunk_rows=ctx.settings.ingest.chunk_rows
        ),
        progress,
    )


# --- feeds over HTTP -------------------------------------------------------------------------


def _page_chunks(
    ctx: IngestContext, url: str, fmt: str, column_map: dict[str, str], token_env: str
) -> Iterator[RawChunk]:
    from ingest.feed import fetch_pages
    from ingest.formats import iter_json_page
    from ingest.http import build_session, token_from_env

    http = ctx.settings.http
    token = token_from_env(token_env)
    chunk_rows = ctx.settings.ingest.chunk_rows
    with build_session(http) as session:
        seen = 0
        for page in fetch_pages(session, url, http=http, token=token, fmt=fmt):
            if page.fmt == "bvh-json":
                chunks: Iterable[RawChunk] = iter_json_page(
                    page.body, column_map, chunk_rows, first_row=seen
                )
            else:
                chunks = read_extract(
                    page.body, page.fmt, column_map=column_map, chunk_rows=chunk_rows
                )
            for chunk in chunks:
                seen += chunk.received
                yield chunk


def ingest_window(
    ctx: IngestContext, source: SourceSettings, vanaf: dt.date, tot: dt.date
) -> RunResult:
    """Fetch and load one window [vanaf, tot) of a configured source."""
    from ingest.feed import window_url
    from ingest.http import redact_url

    url = window_url(source.url, vanaf, tot)
    spec = RunSpec(
        source=source.name,
        kind="bvh",
        location=redact_url(url)[:1000],
        window_start=vanaf,
        window_end=tot,
    )
    return run_chunks(
        ctx,
        spec,
        lambda: _page_chunks(ctx, url, source.format, dict(source.column_map), source.token_env),
    )


def covered_days(ctx: IngestContext, source: str) -> set[dt.date]:
    """Days that successful runs of ``source`` have fetched."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(ingest_runs.c.window_start, ingest_runs.c.window_end).where(
                ingest_runs.c.source == source,
                ingest_runs.c.status == "success",
                ingest_runs.c.window_start.is_not(None),
            )
        ).all()
    days: set[dt.date] = set()
    for start, end in rows:
        days.update(start + dt.timedelta(days=i) for i in range((end - start).days))
    return days


def due_windows(
    days: Iterable[dt.date], covered: set[dt.date], window_days: int
) -> list[tuple[dt.date, dt.date]]:
    """Group the uncovered days into consecutive windows [vanaf, tot) of at most window_days."""
    windows: list[tuple[dt.date, dt.date]] = []
    for day in sorted(d for d in days if d not in covered):
        if windows and windows[-1][1] == day and (day - windows[-1][0]).days < window_days:
            windows[-1] = (windows[-1][0], day + dt.timedelta(days=1))
        else:
            windows.append((day, day + dt.timedelta(days=1)))
    return windows


def yesterday(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date() - dt.timedelta(days=1)


def plan_windows(
    ctx: IngestContext,
    source: SourceSettings,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[tuple[dt.date, dt.date]]:
    """The windows a run should fetch: the given range in full, else every uncovered day."""
    last = until or yesterday(ctx.settings.schedule.timezone)
    if since is not None:
        days = [since + dt.timedelta(days=i) for i in range((last - since).days + 1)]
        return due_windows(days, set(), source.window_days)
    first = ctx.settings.ingest.first_day
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return due_windows(days, covered_days(ctx, source.name), source.window_days)


def ingest_due(
    settings: Settings,
    engine: Engine,
    *,
    sources: list[SourceSettings] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """Fetch every due window of every enabled source; stop a source at its first failed window.

    Raises :class:`IngestError` after trying all sources if any window failed.
    """
    ctx = build_context(settings, engine)
    chosen = sources if sources is not None else [s for s in settings.sources if s.enabled]
    plans = [(s, plan_windows(ctx, s, since, until)) for s in chosen]
    total = sum(len(w) for _, w in plans)
    results: list[RunResult] = []
    failures: list[str] = []
    done = 0
    for source, windows in plans:
        for vanaf, tot in windows:
            try:
                results.append(ingest_window(ctx, source, vanaf, tot))
            except IngestError as exc:
                failures.append(f"{source.name} {vanaf}..{tot}: {exc}")
                break
            finally:
                done += 1
                if progress is not None:
                    progress(done, total)
    if failures:
        raise IngestError("; ".join(failures))
    return results


def ingest_all(
    settings: Settings, engine: Engine, *, progress: Callable[[int, int], None] | None = None
) -> list[RunResult]:
    """The daily ingest: every due window of every enabled feed, then the CBS tables if enabled.

    A failing feed does not keep CBS from being fetched; all failures are raised together at the
    end.
    """
    results: list[RunResult] = []
    failures: list[str] = []
    try:
        results.extend(ingest_due(settings, engine, progress=progress))
    except IngestError as exc:
        failures.append(str(exc))
    if settings.cbs.enabled:
        from ingest.cbs import load_cbs
        from ingest.http import build_session

        try:
            with build_session(settings.http) as session:
                results.extend(load_cbs(engine, settings, session))
        except IngestError as exc:
            failures.append(f"cbs: {exc}")
    if failures:
        raise IngestError("; ".join(failures))
    return results

"""Property tests through the whole ingest run, on real SQLite and PostgreSQL.

For generated extracts (arbitrary text in any column, CSV or JSON): every received row is counted
once (received = inserted + updated + unchanged + quarantined, and the database holds exactly that),
and loading the same file again changes nothing. The budget is small and fixed (derandomized).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from ingest import columns as c
from ingest.ledger import IngestError
from ingest.runner import IngestContext, build_context, ingest_file
from vis.db.schema import incident_changes, incidents, ingest_runs, quarantine
from vis.settings import load_settings

BUDGET = settings(
    derandomize=True,
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one database per test; examples use fresh ids
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
DATE_COLUMNS = (c.BEGIN, c.END, c.KNOWN)
COUNT_COLUMNS = (c.SUSPECTS, c.ARRESTS)
SPECIAL = list(';,"\n\r\t\x00\x1a \u00a0éë€')
_EXAMPLE = itertools.count()


@pytest.fixture
def ctx(engine: Engine) -> IngestContext:
    return build_context(load_settings(), engine)


# --- strategies ----------------------------------------------------------------------------------


@functools.cache
def _chars(encoding: str) -> st.SearchStrategy[str]:
    # A codec keeps out surrogates (no text file holds them); every SPECIAL is in cp1252.
    chars = st.characters(codec="cp1252" if encoding == "cp1252" else "utf-8")
    return st.one_of(st.sampled_from(SPECIAL), chars)


@functools.cache
def _free(encoding: str) -> st.SearchStrategy[str]:
    alphabet = _chars(encoding)
    short = st.text(alphabet, max_size=10)
    long = st.builds(
        lambda s, n: s * n, st.text(alphabet, min_size=1, max_size=3), st.integers(30, 400)
    )
    return st.one_of(short, short, short, long)


_DAYS = st.datetimes(min_value=dt.datetime(2016, 1, 1), max_value=dt.datetime(2018, 12, 31))


@functools.cache
def _value(column: str, encoding: str) -> st.SearchStrategy[str]:
    free = _free(encoding)
    if column in DATE_COLUMNS:
        dutch = _DAYS.map(lambda d: d.strftime("%d-%m-%Y %H:%M"))
        iso = st.builds(
            lambda d, off: d.isoformat(timespec="seconds") + off,
            _DAYS,
            st.sampled_from(["", "Z", "+02:00", "+01", "-5"]),
        )
        odd = st.sampled_from(
            ["", "31-02-2017 10:00", "26-03-2017 02:30", "2017", "0001-01-01", "1850-01-01"]
        )
        return st.one_of(dutch, dutch, iso, odd, free)
    if column in (c.REPORT, c.ATTEMPT, c.SOLVED):
        return st.one_of(st.sampled_from(["J", "N", "", "X"]), free)
    if column in COUNT_COLUMNS:
        return st.one_of(
            st.integers(-1, 5).map(str),
            st.sampled_from(["", "1,5", "2147483647", "3000000000", "99999999999999999999"]),
            free,
        )
    if column in (c.X, c.Y):
        base = 155_000 if column == c.X else 463_000
        number = st.floats(base - 5000, base + 5000, allow_nan=False)
        return st.one_of(
            number.map(lambda v: f"{v:.1f}".replace(".", ",")),
            st.sampled_from(["", "0", "abc"]),
            free,
        )
    if column == c.MK_CODE:
        return st.one_of(st.sampled_from(["A20", "A72", "Z99", ""]), free)
    if column == c.MK_LABEL:
        return st.one_of(st.sampled_from(["Diefstal Fiets", "Overlast jeugd", "Iets", ""]), free)
    if column == c.ID:
        return st.one_of(st.sampled_from(["PL", "", " ", "x" * 70]), free)
    return st.one_of(st.just(""), free)


_KINDS = [
    ("A20", "Woninginbraak"),
    ("A72", "Diefstal Fiets"),
    ("", "Overlast jeugd"),
    ("Z99", "Iets"),
]


@st.composite
def _row(draw: st.DrawFn, encoding: str) -> dict[str, str]:
    """A loadable row, the same with a few columns spoiled, or anything at all in every column."""
    mode = draw(st.sampled_from(["valid", "valid", "spoiled", "anything"]))
    if mode == "anything":
        return {col: draw(_value(col, encoding)) for col in c.BVH_COLUMNS}
    row = {col: draw(st.text(_chars(encoding), max_size=8)) for col in c.BVH_COLUMNS}
    begin = draw(_DAYS)
    end = begin + dt.timedelta(minutes=draw(st.integers(0, 600)))
    known = end + dt.timedelta(minutes=draw(st.integers(0, 2000)))
    row[c.ID] = draw(st.from_regex(r"PL[0-9]{1,7}", fullmatch=True))
    row[c.MK_CODE], row[c.MK_LABEL] = draw(st.sampled_from(_KINDS))
    row[c.BEGIN] = begin.strftime("%d-%m-%Y %H:%M")
    row[c.END] = draw(st.sampled_from(["", end.isoformat(timespec="minutes")]))
    row[c.KNOWN] = known.strftime("%d-%m-%Y %H:%M:%S")
    for col in (c.REPORT, c.ATTEMPT, c.SOLVED):
        row[col] = draw(st.sampled_from(["J", "N", ""]))
    for col in COUNT_COLUMNS:
        row[col] = draw(st.sampled_from(["0", "2", ""]))
    row[c.POSTCODE] = draw(st.sampled_from(["3811CJ", ""]))
    if draw(st.booleans()):
        row[c.X] = f"{draw(st.floats(150_000, 160_000)):.1f}".replace(".", ",")
        row[c.Y] = f"{draw(st.floats(458_000, 468_000)):.1f}"
    else:
        row[c.X] = row[c.Y] = ""
    if mode == "spoiled":
        for col in draw(st.sets(st.sampled_from(c.BVH_COLUMNS), min_size=1, max_size=3)):
            row[col] = draw(_value(col, encoding))
    return row


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, str, str, list[dict[str, str]]]:
    """(format, encoding, separator, rows) with fresh incident ids, unique within the file."""
    fmt = draw(st.sampled_from(["csv", "csv", "json"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])) if fmt == "csv" else "utf-8"
    sep = draw(st.sampled_from([";", ","]))
    token = f"T{next(_EXAMPLE)}x"
    rows = []
    for i in range(draw(st.integers(0, 8))):
        row = draw(_row(encoding))
        ident = row[c.ID]
        # Blank stays blank (quarantined); anything else gets a fresh, unique prefix.
        row[c.ID] = ident if not ident.strip() else f"{token}{i}:{ident}"
        rows.append(row)
    return fmt, encoding, sep, rows


def _field(value: str, sep: str) -> str:
    if any(ch in value for ch in (sep, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _write(path: Path, fmt: str, encoding: str, sep: str, rows: list[dict[str, str]]) -> Path:
    if fmt == "json":
        path = path.with_suffix(".json")
        path.write_text(json.dumps({"incidenten": rows, "volgende": None}), "utf-8")
        return path
    path = path.with_suffix(".csv")
    lines = [sep.join(c.BVH_COLUMNS)]
    lines += [sep.join(_field(r[col], sep) for col in c.BVH_COLUMNS) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _count(engine: Engine, query: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# --- properties ----------------------------------------------------------------------------------


@pytest.mark.slow
@BUDGET
@given(deliveries())
def test_every_row_is_counted_once_and_a_second_load_changes_nothing(
    ctx: IngestContext, tmp_path: Path, delivery: tuple[str, str, str, list[dict[str, str]]]
) -> None:
    fmt, encoding, sep, rows = delivery
    path = _write(tmp_path / f"levering{next(_EXAMPLE)}", fmt, encoding, sep, rows)
    first = ingest_file(ctx, path)
    k = first.counts
    event(f"loads rows: {k.inserted > 0}")
    event(f"quarantines rows: {k.quarantined > 0}")
    assert k.received == len(rows)
    assert k.received == k.inserted + k.updated + k.unchanged + k.quarantined
    assert k.updated == 0 and k.unchanged == 0  # every id is new
    # The database holds exactly what the ledger says.
    stored = _count(
        ctx.engine,
        select(func.count()).select_from(incidents).where(incidents.c.first_run_id == first.run_id),
    )
    held = _count(
        ctx.engine,
        select(func.count()).select_from(quarantine).where(quarantine.c.run_id == first.run_id),
    )
    assert (stored, held) == (k.inserted, k.quarantined)
    with ctx.engine.connect() as conn:
        numbers = (
            conn.execute(select(quarantine.c.row_number).where(quarantine.c.run_id == first.run_id))
            .scalars()
            .all()
        )
        ledger = conn.execute(select(ingest_runs).where(ingest_runs.c.id == first.run_id)).one()
    assert len(set(numbers)) == len(numbers) and all(1 <= n <= len(rows) for n in numbers)
    assert (ledger.status, ledger.received, ledger.inserted, ledger.quarantined) == (
        "success",
        k.received,
        k.inserted,
        k.quarantined,
    )

    second = ingest_file(ctx, path)
    again = second.counts
    assert again.received == k.received
    assert (again.inserted, again.updated) == (0, 0)
    assert again.unchanged == k.inserted
    assert again.quarantined == k.quarantined
    changes = _count(ctx.engine, select(func.count()).select_from(incident_changes))
    assert changes == 0


# --- bugs found by the properties, pinned -----------------------------------------------------


@pytest.fixture
def example_lines(test_data: Path) -> list[str]:
    return (test_data / "bvh-extract-example.csv").read_text("utf-8").splitlines()


def _file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.mark.slow
def test_a_second_load_of_a_file_with_an_incident_twice_changes_nothing(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    header, first = example_lines[0], example_lines[1]
    update = first.replace(";J;N;0;0;N;Woning;", ";J;N;1;1;J;Woning;")
    assert update != first
    path = _file(tmp_path, [header, first, update])
    one = ingest_file(ctx, path).counts
    assert (one.received, one.inserted, one.updated) == (2, 1, 1)
    with ctx.engine.connect() as conn:
        kept = conn.execute(
            select(incidents.c.arrests).where(incidents.c.id == "PL0900_BVH_7100001")
        )
        assert kept.scalar_one() == 1  # the last version wins
    two = ingest_file(ctx, path).counts
    assert two.received == two.inserted + two.updated + two.unchanged + two.quarantined
    assert (two.updated, two.unchanged) == (0, 2)
    assert _count(ctx.engine, select(func.count()).select_from(incident_changes)) == 1


@pytest.mark.slow
def test_an_incident_without_coordinates_has_no_wgs84_in_the_database(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    ingest_file(ctx, _file(tmp_path, example_lines))
    with ctx.engine.connect() as conn:
        row = conn.execute(
            select(incidents.c.x, incidents.c.lon, incidents.c.lat).where(
                incidents.c.id == "PL0900_BVH_7100009"
            )
        ).one()
    assert row.x is None
    assert (row.lon, row.lat) == (None, None)


@pytest.mark.slow
def test_a_nul_character_in_a_text_field_does_not_fail_the_run(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    lines = [example_lines[0], example_lines[1].replace("Stationsplein", "Stations\x00plein")]
    counts = ingest_file(ctx, _file(tmp_path, lines)).counts
    assert counts.received == 1
    assert counts.inserted + counts.quarantined == 1


def test_control_characters_in_text_fields_are_stored_clean(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    line = example_lines[1].replace("Stationsplein", "Stations\x00plein\x1a")
    line = line.replace(";Woning;", ";Woning\tachter;")
    counts = ingest_file(ctx, _file(tmp_path, [example_lines[0], line])).counts
    assert (counts.received, counts.inserted) == (1, 1)
    with ctx.engine.connect() as conn:
        row = conn.execute(select(incidents.c.street, incidents.c.object_kind)).one()
    assert (row.street, row.object_kind) == ("Stationsplein", "Woning achter")


def test_bidi_and_zero_width_characters_are_cleaned_from_stored_text(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    line = example_lines[1].replace("Stationsplein", "Stations\u202eplein\u200b\u2066")
    line = line.replace(";Woning;", ";Wo\ufeffning\u200d;")
    counts = ingest_file(ctx, _file(tmp_path, [example_lines[0], line])).counts
    assert (counts.received, counts.inserted) == (1, 1)
    with ctx.engine.connect() as conn:
        row = conn.execute(select(incidents.c.street, incidents.c.object_kind)).one()
    assert (row.street, row.object_kind) == ("Stationsplein", "Woning")


def test_an_incident_id_with_a_nul_is_quarantined_with_its_raw_row(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    line = example_lines[1].replace("PL0900_BVH_7100001", "PL0900_BVH\x00_7100001", 1)
    counts = ingest_file(ctx, _file(tmp_path, [example_lines[0], line])).counts
    assert (counts.received, counts.quarantined) == (1, 1)
    with ctx.engine.connect() as conn:
        held = conn.execute(
            select(quarantine.c.incident_id, quarantine.c.reason, quarantine.c.raw)
        ).one()
    assert held.reason == "Incident Identificatie bevat een stuurteken"
    assert held.incident_id == "PL0900_BVH_7100001"
    assert held.raw[c.ID] == "PL0900_BVH\x00_7100001"


@pytest.mark.slow
def test_a_count_beyond_the_integer_column_is_quarantined_not_fatal(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    header, first = example_lines[0], example_lines[1]
    lines = [header, first.replace(";J;N;0;0;N;Woning;", ";J;N;3000000000;0;N;Woning;")]
    counts = ingest_file(ctx, _file(tmp_path, lines)).counts
    assert counts.received == 1
    assert counts.inserted + counts.quarantined == 1


def test_an_over_long_incident_id_is_quarantined_not_fatal(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    header, first, second = example_lines[0], example_lines[1], example_lines[2]
    long_id = "PL0900_BVH_" + "9" * 60
    path = _file(tmp_path, [header, first.replace("PL0900_BVH_7100001", long_id, 1), second])
    counts = ingest_file(ctx, path).counts
    assert (counts.received, counts.inserted, counts.quarantined) == (2, 1, 1)
    with ctx.engine.connect() as conn:
        held = conn.execute(
            select(quarantine.c.reason, quarantine.c.incident_id, quarantine.c.raw)
        ).one()
    assert held.reason == "veld id is langer dan 64 tekens"
    assert held.incident_id == long_id[:63] + "…"
    assert held.raw[c.ID] == long_id


def test_an_iso_moment_in_year_one_is_quarantined(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    header, first = example_lines[0], example_lines[1]
    path = _file(tmp_path, [header, first.replace("13-03-2017 08:15", "0001-01-01", 1)])
    try:
        counts = ingest_file(ctx, path).counts
    except IngestError as exc:
        pytest.fail(f"the run failed: {exc}")
    assert counts.quarantined == 1


@pytest.mark.slow
def test_a_json_file_of_only_non_objects_quarantines_every_element(
    ctx: IngestContext, tmp_path: Path
) -> None:
    path = tmp_path / "extract.json"
    path.write_text(json.dumps({"incidenten": [1, "x", None], "volgende": None}), "utf-8")
    result = ingest_file(ctx, path)
    assert (result.counts.received, result.counts.quarantined) == (3, 3)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(quarantine.c.row_number, quarantine.c.reason)).all()
    assert sorted(rows) == [(n, "element is geen object") for n in (1, 2, 3)]


def test_a_file_that_is_no_xlsx_fails_its_run_with_a_clear_error(
    ctx: IngestContext, tmp_path: Path
) -> None:
    path = tmp_path / "extract.xlsx"
    path.write_bytes(b"<html>503 Service Unavailable</html>")
    with pytest.raises(IngestError, match="dit is geen XLSX-bestand"):
        ingest_file(ctx, path)
    with ctx.engine.connect() as conn:
        run = conn.execute(select(ingest_runs.c.status, ingest_runs.c.error)).one()
    assert run.status == "failed" and "XLSX onleesbaar" in run.error


def test_a_format_error_quoting_a_nul_still_leaves_a_failed_ledger_row(
    ctx: IngestContext, tmp_path: Path, example_lines: list[str]
) -> None:
    header = example_lines[0] + ";Eigen\x00kolom;Eigen\x00kolom"
    path = _file(tmp_path, [header, example_lines[1] + ";a;b"])
    with pytest.raises(IngestError, match="dubbele kolom"):
        ingest_file(ctx, path)
    with ctx.engine.connect() as conn:
        run = conn.execute(select(ingest_runs.c.status, ingest_runs.c.error)).one()
    assert run.status == "failed" and "\x00" not in run.error

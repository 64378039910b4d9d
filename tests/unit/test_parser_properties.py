"""Property tests on the parser: whatever a delivery holds, every row is loaded or quarantined.

Deterministic (``derandomize=True``) with a fixed budget, so CI time stays bounded.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from ingest import columns as c
from ingest.columns import ColumnError
from ingest.formats import FormatError, RawChunk, iter_json_page, read_extract
from ingest.normalise import NormaliseParams, normalise
from vis.areas import load_areas
from vis.settings import load_settings
from vis.timefmt import utc_text

PROPERTY = settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DATE_COLUMNS = (c.BEGIN, c.END, c.KNOWN)
FLAG_COLUMNS = (c.REPORT, c.ATTEMPT, c.SOLVED)
COUNT_COLUMNS = (c.SUSPECTS, c.ARRESTS)
SPECIAL = list(";,\"'\n\r\t\x00\x1a\x7f \u00a0éë€")
#: Text columns of the stored incidents.
TEXT_OUTPUT = (
    "id",
    "street",
    "place",
    "postcode",
    "object_kind",
    "projects",
    "mk_code",
    "mk_label",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@functools.cache
def _params() -> NormaliseParams:
    # Not a fixture: hypothesis would print its (long) repr with every failing example.
    s = load_settings()
    return NormaliseParams(categories=tuple(s.categories), areas=load_areas(s))


# --- strategies ----------------------------------------------------------------------------------


@functools.cache
def _alphabet(encoding: str) -> st.SearchStrategy[str]:
    # A codec keeps out surrogates, which no real text file can hold.
    chars = st.characters(codec="cp1252" if encoding == "cp1252" else "utf-8")
    specials = [ch for ch in SPECIAL if encoding != "cp1252" or _encodable(ch)]
    return st.one_of(st.sampled_from(specials), chars)


def _encodable(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _free_text(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    short = st.text(alphabet, max_size=12)
    long = st.builds(
        lambda s, n: s * n, st.text(alphabet, min_size=1, max_size=4), st.integers(50, 700)
    )
    return st.one_of(short, short, short, long)


_MOMENTS = st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2035, 12, 31))


@functools.cache
def _moment() -> st.SearchStrategy[str]:
    dutch = st.builds(
        lambda d, f: d.strftime(f),
        _MOMENTS,
        st.sampled_from(["%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y", "%-d-%-m-%Y %-H:%M"]),
    )
    iso = st.builds(
        lambda d, off: d.isoformat(timespec="seconds") + off,
        _MOMENTS,
        st.sampled_from(["", "", "Z", "+01:00", "+0200", "-05:00", "+01", "+2", "-0300"]),
    )
    odd = st.sampled_from(
        [
            "",
            "31-02-2017 10:00",
            "13-03-2017 25:00",
            "26-03-2017 02:30",
            "29-10-2017 02:30",
            "2017-02-30",
            "01-01-1850",
            "0001-01-01",
            "9999-12-31T23:59:59",
            "13/03/2017",
            "onbekend",
        ]
    )
    return st.one_of(dutch, iso, odd)


@functools.cache
def _column_value(column: str, encoding: str) -> st.SearchStrategy[str]:
    free = _free_text(_alphabet(encoding))
    if column == c.ID:
        return st.one_of(st.sampled_from(["PL1", "PL2", "PL3", "", " PL1 "]), free)
    if column in DATE_COLUMNS:
        return st.one_of(_moment(), _moment(), _moment(), free)
    if column in FLAG_COLUMNS:
        return st.one_of(st.sampled_from(["J", "N", "j", "nee", "", "onbekend", "X"]), free)
    if column in COUNT_COLUMNS:
        return st.one_of(
            st.integers(-3, 3_000_000_000).map(str),
            st.sampled_from(["", "1,5", "2.0", "1e3", "-0", "inf"]),
            free,
        )
    if column in (c.X, c.Y):
        base = 155_000 if column == c.X else 463_000
        number = st.floats(base - 200_000, base + 200_000, allow_nan=False)
        return st.one_of(
            number.map(lambda v: f"{v:.2f}".replace(".", ",")),
            number.map(repr),
            st.sampled_from(["", "", "0", "nan", "1.234,5"]),
            free,
        )
    if column == c.MK_CODE:
        return st.one_of(st.sampled_from(["A20", "a72", "F550", "Z99", "", "B70"]), free)
    if column == c.MK_LABEL:
        return st.one_of(
            st.sampled_from(["Diefstal Fiets", "Overlast jeugd", "Iets anders", "", "ß" * 20]),
            free,
        )
    return free


_WINDOWS = st.datetimes(min_value=dt.datetime(2016, 1, 1), max_value=dt.datetime(2018, 12, 31))
_KINDS = [
    ("A20", "Gekwal. diefstal in/uit woning"),
    ("a72", "Diefstal Fiets"),
    ("", "Overlast jeugd"),
    ("Z99", "Iets onbekends"),
    ("F550", ""),
]


@st.composite
def valid_rows(draw: st.DrawFn, encoding: str) -> list[str]:
    """A row that normalise should load: valid moments, flags, counts and coordinates."""
    free = st.text(_alphabet(encoding), max_size=12)
    row = {col: draw(free) for col in c.BVH_COLUMNS}
    begin = draw(_WINDOWS)
    end = begin + dt.timedelta(minutes=draw(st.integers(0, 900)))
    known = end + dt.timedelta(minutes=draw(st.integers(0, 3000)))
    dutch = draw(st.booleans())

    def moment(d: dt.datetime) -> str:
        return d.strftime("%d-%m-%Y %H:%M") if dutch else d.isoformat(timespec="seconds")

    row[c.ID] = draw(
        st.one_of(st.sampled_from(["PL1", "PL2"]), st.from_regex(r"PL[0-9]{1,9}", fullmatch=True))
    )
    row[c.MK_CODE], row[c.MK_LABEL] = draw(st.sampled_from(_KINDS))
    row[c.BEGIN] = moment(begin)
    row[c.END] = draw(st.sampled_from(["", moment(end)]))
    row[c.KNOWN] = moment(known)
    for col in FLAG_COLUMNS:
        row[col] = draw(st.sampled_from(["J", "N", ""]))
    for col in COUNT_COLUMNS:
        row[col] = draw(st.sampled_from(["0", "1", "3", ""]))
    row[c.POSTCODE] = draw(st.sampled_from(["3811CJ", "3818 le", ""]))
    if draw(st.booleans()):
        x = draw(st.floats(150_000, 160_000))
        y = draw(st.floats(458_000, 468_000))
        row[c.X], row[c.Y] = f"{x:.1f}".replace(".", ","), f"{y:.2f}"
    else:
        row[c.X] = row[c.Y] = ""
    return [row[col] for col in c.BVH_COLUMNS]


@st.composite
def any_rows(draw: st.DrawFn, encoding: str) -> list[str]:
    """Valid rows, valid rows with a few columns spoiled, and rows of anything at all."""
    mode = draw(st.sampled_from(["valid", "spoiled", "anything"]))
    if mode == "anything":
        return [draw(_column_value(col, encoding)) for col in c.BVH_COLUMNS]
    row = draw(valid_rows(encoding))
    if mode == "spoiled":
        for i in draw(st.sets(st.integers(0, len(c.BVH_COLUMNS) - 1), min_size=1, max_size=3)):
            row[i] = draw(_column_value(c.BVH_COLUMNS[i], encoding))
    return row


@st.composite
def extracts(draw: st.DrawFn, max_rows: int = 12) -> tuple[str, str, str, list[list[str]]]:
    """(encoding, separator, line end, rows) of a BVH extract with all 33 columns."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    sep = draw(st.sampled_from([";", ","]))
    line_end = draw(st.sampled_from(["\n", "\r\n"]))
    n = draw(st.integers(0, max_rows))
    rows = [draw(any_rows(encoding)) for _ in range(n)]
    return encoding, sep, line_end, rows


def _csv_field(value: str, sep: str, quote_all: bool) -> str:
    if quote_all or any(ch in value for ch in (sep, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _write_csv(
    encoding: str, sep: str, line_end: str, rows: list[list[str]], quote_all: bool = False
) -> bytes:
    lines = [
        sep.join(_csv_field(v, sep, quote_all) for v in r) for r in [list(c.BVH_COLUMNS), *rows]
    ]
    return (line_end.join(lines) + line_end).encode(encoding)


# --- helpers -------------------------------------------------------------------------------------


def _has_control(value: object) -> bool:
    return isinstance(value, str) and bool(_CONTROL.search(value))


def _account(
    chunks: Iterable[RawChunk], params: NormaliseParams
) -> tuple[int, list[int], list[int], list[int]]:
    """received, and the row numbers loaded, quarantined by normalise and rejected by the reader."""
    received = 0
    loaded: list[int] = []
    held: list[int] = []
    rejected: list[int] = []
    for chunk in chunks:
        result = normalise(chunk.rows, params)
        received += chunk.received
        assert len(result.rows) + len(result.quarantine) + len(chunk.rejects) == chunk.received
        assert result.rows["id"].map(lambda v: isinstance(v, str) and v != "").all()
        assert result.rows["begin_at"].notna().all() and result.rows["known_at"].notna().all()
        assert result.quarantine["reason"].map(lambda r: isinstance(r, str) and r != "").all()
        json.dumps(result.quarantine["raw"].tolist())  # raw rows stay storable as JSON
        # What the databases store holds no control character (PostgreSQL refuses NUL), and a
        # quarantined id fits its column.
        for name in TEXT_OUTPUT:
            assert not result.rows[name].map(_has_control).any(), name
        assert not result.quarantine["reason"].map(_has_control).any()
        assert not result.quarantine["incident_id"].map(_has_control).any()
        assert result.quarantine["incident_id"].map(lambda v: v is None or len(v) <= 64).all()
        assert (result.rows[["suspects", "arrests"]].fillna(0) <= 2**31 - 1).all().all()
        assert result.rows["begin_at"].dt.year.between(1899, 9999).all()
        event(f"chunk loads rows: {len(result.rows) > 0}")
        event(f"chunk quarantines rows: {len(result.quarantine) > 0}")
        loaded.extend(int(v) for v in result.rows[c.ROW])
        held.extend(int(v) for v in result.quarantine["row_number"])
        rejected.extend(r.row_number for r in chunk.rejects)
    return received, loaded, held, rejected


# --- CSV -----------------------------------------------------------------------------------------


@pytest.mark.slow
@PROPERTY
@given(extracts(), st.booleans(), st.sampled_from([5, 100_000]))
def test_every_csv_row_is_loaded_or_quarantined_exactly_once(
    extract: tuple[str, str, str, list[list[str]]],
    quote_all: bool,
    chunk_rows: int,
) -> None:
    encoding, sep, line_end, rows = extract
    data = _write_csv(encoding, sep, line_end, rows, quote_all)
    chunks = read_extract(data, "bvh-csv", column_map={}, chunk_rows=chunk_rows)
    received, loaded, held, rejected = _account(chunks, _params())
    # A well-formed file: nothing for the reader to reject, every row once in rows or quarantine.
    assert rejected == []
    assert received == len(rows)
    assert sorted(loaded + held) == list(range(1, len(rows) + 1))


@pytest.mark.slow
@PROPERTY
@given(extracts(max_rows=6), st.booleans())
def test_csv_values_come_back_exactly_as_written(
    extract: tuple[str, str, str, list[list[str]]], quote_all: bool
) -> None:
    encoding, sep, line_end, rows = extract
    data = _write_csv(encoding, sep, line_end, rows, quote_all)
    if encoding == "cp1252":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            assume(False)  # cp1252 bytes that are also valid UTF-8 are read as UTF-8
    frames = [ch.rows for ch in read_extract(data, "bvh-csv", column_map={})]
    if not rows:
        assert sum(len(f) for f in frames) == 0
        return
    got = pd.concat(frames, ignore_index=True)
    assert list(got.columns) == [c.ROW, *c.BVH_COLUMNS]
    assert [list(r) for r in got.drop(columns=[c.ROW]).itertuples(index=False)] == rows


@pytest.mark.slow
@PROPERTY
@given(extracts(max_rows=6), st.data())
def test_damaged_csv_is_read_or_refused_with_a_format_error(
    extract: tuple[str, str, str, list[list[str]]], data: st.DataObject
) -> None:
    encoding, sep, line_end, rows = extract
    body = _write_csv(encoding, sep, line_end, rows)
    # Cut the body short, splice in bytes, or both.
    cut = data.draw(st.integers(0, len(body)), label="cut")
    junk = data.draw(st.binary(max_size=8), label="junk")
    at = data.draw(st.integers(0, cut), label="at")
    damaged = body[:at] + junk + body[at:cut]
    try:
        chunks = list(read_extract(damaged, "bvh-csv", column_map={}, chunk_rows=4))
    except (FormatError, ColumnError):
        return
    received, loaded, held, rejected = _account(chunks, _params())
    assert len(loaded) + len(held) + len(rejected) == received
    assert len(set(loaded + held)) == len(loaded) + len(held)


# --- JSON ----------------------------------------------------------------------------------------

_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def json_records(draw: st.DrawFn) -> list[Any]:
    """Elements of a JSON page: mostly objects (valid, spoiled, keys left out), some not objects."""
    records: list[Any] = []
    for _ in range(draw(st.integers(0, 10))):
        if draw(st.integers(0, 9)) == 0:
            records.append(
                draw(
                    st.one_of(
                        _JSON_SCALARS, st.text(max_size=5), st.lists(st.integers(), max_size=2)
                    )
                )
            )
            continue
        record: dict[str, Any] = dict(zip(c.BVH_COLUMNS, draw(any_rows("utf-8")), strict=True))
        for col in draw(st.sets(st.sampled_from(c.BVH_COLUMNS), max_size=3)):
            if draw(st.booleans()):
                del record[col]  # key left out
            else:
                record[col] = draw(
                    st.one_of(
                        _JSON_SCALARS,
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                    )
                )
        records.append(record)
    return records


def _pages(records: list[Any], sizes: list[int]) -> list[bytes]:
    pages, start = [], 0
    for i, size in enumerate(sizes):
        part = records[start : start + size] if i < len(sizes) - 1 else records[start:]
        start += size
        nxt = None if i == len(sizes) - 1 else f"https://feed.example/p{i + 2}"
        pages.append(json.dumps({"incidenten": part, "volgende": nxt}).encode())
    return pages


@pytest.mark.slow
@PROPERTY
@given(
    json_records(), st.lists(st.integers(0, 6), min_size=1, max_size=3), st.sampled_from([5, 1000])
)
def test_every_json_element_is_loaded_quarantined_or_rejected_exactly_once(
    records: list[Any], sizes: list[int], chunk_rows: int
) -> None:
    received, seen = 0, 0
    loaded: list[int] = []
    held: list[int] = []
    rejected: list[int] = []
    for body in _pages(records, sizes):
        try:
            chunks = list(iter_json_page(body, {}, chunk_rows, first_row=seen))
        except ColumnError:
            # Allowed only when this page's objects lack a required column altogether; the
            # delivery is then refused as a whole (the run fails), like a CSV without it.
            keys = {k for r in json.loads(body)["incidenten"] if isinstance(r, dict) for k in r}
            assert not {c.ID, c.BEGIN, c.KNOWN} <= keys or not keys & {c.MK_CODE, c.MK_LABEL}
            return
        r, lo, he, rj = _account(chunks, _params())
        seen += r
        received += r
        loaded += lo
        held += he
        rejected += rj
    assert received == len(records)
    assert sorted(loaded + held + rejected) == list(range(1, len(records) + 1))


@pytest.mark.slow
@PROPERTY
@given(json_records())
def test_json_strings_come_back_exactly_as_sent(records: list[Any]) -> None:
    body = json.dumps({"incidenten": records, "volgende": None}).encode()
    try:
        chunks = list(iter_json_page(body, {}, 1000))
    except ColumnError:
        return
    rows = pd.concat([ch.rows for ch in chunks], ignore_index=True) if chunks else pd.DataFrame()
    objects = [r for r in records if isinstance(r, dict)]
    assert len(rows) == len(objects)
    for got, sent in zip(rows.to_dict("records"), objects, strict=True):
        for key, value in sent.items():
            if isinstance(value, str):
                assert got[key] == value
        for key in set(got) - set(sent) - {c.ROW}:
            assert got[key] == ""


# --- normalise on its own ------------------------------------------------------------------------


@pytest.mark.slow
@settings(PROPERTY, max_examples=20)
@given(extracts(max_rows=10), st.integers(1, 9))
def test_normalise_gives_the_same_rows_and_hashes_however_the_rows_are_chunked(
    extract: tuple[str, str, str, list[list[str]]], split: int
) -> None:
    _, _, _, rows = extract
    raw = pd.DataFrame(rows, columns=list(c.BVH_COLUMNS), dtype=str)
    raw.insert(0, c.ROW, range(1, len(rows) + 1))
    whole = normalise(raw, _params())
    parts = [normalise(raw.iloc[:split], _params()), normalise(raw.iloc[split:], _params())]
    joined = pd.concat([p.rows for p in parts], ignore_index=True)
    assert joined["row_hash"].tolist() == whole.rows["row_hash"].tolist()
    assert joined[c.ROW].tolist() == whole.rows[c.ROW].tolist()
    held = pd.concat([p.quarantine for p in parts], ignore_index=True)
    assert held["reason"].tolist() == whole.quarantine["reason"].tolist()


# --- timefmt -------------------------------------------------------------------------------------


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(
                min_value=dt.datetime(1, 1, 1),
                max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
            ),
        ),
        max_size=40,
    ),
    st.sampled_from(["", "+00", "Z"]),
)
def test_utc_text_matches_pythons_own_formatting(
    values: list[dt.datetime | None], suffix: str
) -> None:
    stamps = np.array(
        [np.datetime64("NaT", "us") if v is None else np.datetime64(v, "us") for v in values],
        dtype="datetime64[us]",
    )
    assume(len(stamps) > 0)  # see test_utc_text_of_no_values
    expected = [
        None if v is None else v.isoformat(sep=" ", timespec="microseconds") + suffix
        for v in values
    ]
    assert utc_text(stamps, suffix=suffix).to_pylist() == expected


def test_utc_text_of_a_known_moment_and_nat() -> None:
    stamps = np.array(
        ["2017-03-13T07:15:00.000001", "NaT", "1969-12-31T23:59:59"], "datetime64[us]"
    )
    assert utc_text(stamps, suffix="+00").to_pylist() == [
        "2017-03-13 07:15:00.000001+00",
        None,
        "1969-12-31 23:59:59.000000+00",
    ]


def test_utc_text_accepts_other_units() -> None:
    stamps = np.array(["2017-03-13T07:15:00.123456789"], "datetime64[ns]")
    assert utc_text(stamps).to_pylist() == ["2017-03-13 07:15:00.123456"]


def test_utc_text_of_no_values() -> None:
    assert utc_text(np.array([], "datetime64[us]")).to_pylist() == []

"""Readers for BVH extracts: CSV, XLSX and JSON, from a file or from bytes, in chunks.

Every reader yields :class:`RawChunk` objects: a DataFrame of strings (empty cell = ``""``) whose
columns carry the contract's names, plus the rows that could not even be split into columns
(``rejects``), which the caller quarantines. Nothing is interpreted here; see ``normalise``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.columns import ROW, canonical_names, check_required

FORMATS = ("bvh-csv", "bvh-xlsx", "bvh-json")
XLSX_SHEET = "Incidenten"
_SNIFF_BYTES = 64 * 1024
#: CSV parse block: at least the longest row; small blocks parse faster (they stay in cache).
_BLOCK_BYTES = 2 << 20


class FormatError(ValueError):
    """A delivery that can't be read at all (wrong format, broken file, no header)."""


@dataclass(frozen=True)
class Reject:
    """A received row that could not be split into columns."""

    row_number: int
    raw: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class RawChunk:
    rows: pd.DataFrame
    rejects: tuple[Reject, ...] = field(default=())

    @property
    def received(self) -> int:
        return len(self.rows) + len(self.rejects)


def format_for_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "bvh-csv"
    if suffix in (".xlsx", ".xlsm"):
        return "bvh-xlsx"
    if suffix == ".json":
        return "bvh-json"
    raise FormatError(
        f"onbekend bestandstype {suffix!r}: geef --format bvh-csv, bvh-xlsx of bvh-json"
    )


def read_extract(
    source: Path | bytes,
    fmt: str,
    *,
    column_map: Mapping[str, str],
    chunk_rows: int = 100_000,
) -> Iterator[RawChunk]:
    """Read a whole delivery (a file or a body) in chunks of at most ``chunk_rows`` rows."""
    if fmt == "bvh-csv":
        return _read_csv(source, column_map, chunk_rows)
    if fmt == "bvh-xlsx":
        return _read_xlsx(source, column_map, chunk_rows)
    if fmt == "bvh-json":
        data = source.read_bytes() if isinstance(source, Path) else source
        return iter_json_page(data, column_map, chunk_rows)
    raise FormatError(f"onbekend formaat {fmt!r}; kies uit {', '.join(FORMATS)}")


# --- CSV -------------------------------------------------------------------------------------


def _open(source: Path | bytes) -> BinaryIO:
    if isinstance(source, Path):
        try:
            return source.open("rb")
        except OSError as exc:
            raise FormatError(f"kan {source} niet openen: {exc.strerror or exc}") from exc
    return io.BytesIO(source)


def scan(stream: BinaryIO) -> tuple[str, bool]:
    """One pass over the stream: its encoding, and whether it holds a double quote at all.

    The encoding is 'utf-8' when the whole stream decodes as UTF-8 (BOM or not), else 'cp1252'.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, quoted = True, False
    try:
        while block := stream.read(1 << 20):
            quoted = quoted or b'"' in block
            # An ASCII block is valid UTF-8 unless a character split at the last block ends here.
            if utf8 and not (block.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    finally:
        stream.seek(0)
    return ("utf-8" if utf8 else "cp1252"), quoted


def header_names(head: bytes, sep: str, encoding: str) -> list[str]:
    """The raw column names of the header line (the reader's own names, before mapping)."""
    import csv

    line = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    return next(csv.reader([line], delimiter=sep), [])


def detect_separator(head: bytes) -> str:
    first_line = head.split(b"\n", 1)[0]
    counts = {sep: first_line.count(sep.encode()) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        raise FormatError("geen scheidingsteken (; , of tab) gevonden in de kopregel van de CSV")
    return sep


def _read_csv(
    source: Path | bytes, column_map: Mapping[str, str], chunk_rows: int
) -> Iterator[RawChunk]:
    stream = _open(source)
    try:
        head = stream.read(_SNIFF_BYTES)
        stream.seek(0)
        if not head.strip():
            raise FormatError("leeg bestand: geen kopregel")
        if head.startswith(b"PK\x03\x04") or head.lstrip()[:1] in (b"{", b"["):
            raise FormatError("dit is geen CSV (het lijkt XLSX of JSON)")
        encoding, quoted = scan(stream)
        if head.startswith(codecs.BOM_UTF8):
            stream.seek(len(codecs.BOM_UTF8))
        body = head.removeprefix(codecs.BOM_UTF8)
        sep = detect_separator(body)
        headers = header_names(body, sep, encoding)
        rejects: list[Reject] = []

        def on_invalid(row: Any) -> str:
            rejects.append(
                Reject(
                    row_number=int(row.number) - 1 if row.number else -1,
                    raw={"_text": row.text},
                    reason=f"rij heeft {row.actual_columns} velden, "
                    f"verwacht {row.expected_columns}",
                )
            )
            return "skip"

        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    encoding=encoding, block_size=_BLOCK_BYTES, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep,
                    # Without a quote character no value can hold a newline, and the reader
                    # can split blocks across threads.
                    newlines_in_values=quoted,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    # Every column is text: no type inference (it would turn "007" into 7).
                    column_types={h: pa.string() for h in headers},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            names = canonical_names(reader.schema.names, column_map)
            check_required(names)
            schema = pa.schema([(n, pa.string()) for n in names])
            seen = 0
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in reader:
                batch = _as_strings(batch, schema)
                pending.append(batch)
                pending_rows += batch.num_rows
                while pending_rows >= chunk_rows:
                    table = pa.Table.from_batches(pending, schema=schema)
                    head_t, rest = table.slice(0, chunk_rows), table.slice(chunk_rows)
                    yield _chunk(head_t, seen, rejects)
                    seen += head_t.num_rows
                    rejects = []
                    pending, pending_rows = rest.to_batches(), rest.num_rows
            if pending_rows or rejects:
                table = pa.Table.from_batches(pending, schema=schema)
                yield _chunk(table, seen, rejects)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise FormatError(f"CSV onleesbaar: {' '.join(str(exc).split())[:300]}") from exc
    finally:
        stream.close()


def _as_strings(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    # Columns are read as text; a column of only empty cells may come back as null type.
    arrays = [
        col if col.type == pa.string() else col.cast(pa.string()).fill_null("")
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _chunk(table: pa.Table, seen: int, rejects: list[Reject]) -> RawChunk:
    frame = table.to_pandas()
    frame.insert(0, ROW, range(seen + 1, seen + 1 + len(frame)))
    return RawChunk(rows=frame, rejects=tuple(rejects))


# --- XLSX ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "J" if value else "N"
    return str(value)


def _read_xlsx(
    source: Path | bytes, column_map: Mapping[str, str], chunk_rows: int
) -> Iterator[RawChunk]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    stream = _open(source)
    try:
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise FormatError(f"XLSX onleesbaar: {exc}") from exc
        try:
            sheet = (
                workbook[XLSX_SHEET]
                if XLSX_SHEET in workbook.sheetnames
                else workbook.worksheets[0]
            )
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise FormatError("XLSX-blad is leeg: geen kopregel")
            width = len(header)
            while width and header[width - 1] is None:
                width -= 1
            names = canonical_names([_cell_text(h) for h in header[:width]], column_map)
            check_required(names)
            yield from _frames(
                (
                    [_cell_text(v) for v in row[:width]]
                    for row in rows
                    if any(v is not None for v in row)
                ),
                names,
                chunk_rows,
            )
        except (KeyError, ValueError, OSError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"XLSX onleesbaar: {exc}") from exc
        finally:
            workbook.close()
    finally:
        stream.close()


def _frames(rows: Iterable[list[str]], names: list[str], chunk_rows: int) -> Iterator[RawChunk]:
    seen = 0
    batch: list[list[str]] = []
    for row in rows:
        row = row + [""] * (len(names) - len(row))
        batch.append(row)
        if len(batch) >= chunk_rows:
            yield _frame_chunk(batch, names, seen)
            seen += len(batch)
            batch = []
    if batch:
        yield _frame_chunk(batch, names, seen)


def _frame_chunk(batch: list[list[str]], names: list[str], seen: int) -> RawChunk:
    frame = pd.DataFrame(batch, columns=names, dtype=str)
    frame.insert(0, ROW, range(seen + 1, seen + 1 + len(frame)))
    return RawChunk(rows=frame)


# --- JSON ------------------------------------------------------------------------------------


def parse_json_page(body: bytes) -> tuple[list[Any], str | None]:
    """The ``incidenten`` list and the ``volgende`` URL of one JSON page."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"JSON onleesbaar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("incidenten"), list):
        raise FormatError('JSON heeft niet de vorm {"incidenten": [...], "volgende": ...}')
    nxt = data.get("volgende")
    if nxt is not None and not isinstance(nxt, str):
        raise FormatError('"volgende" is geen URL of null')
    return data["incidenten"], nxt


def iter_json_page(
    body: bytes, column_map: Mapping[str, str], chunk_rows: int, *, first_row: int = 0
) -> Iterator[RawChunk]:
    records, _ = parse_json_page(body)
    keys: list[str] = []
    for record in records:
        if isinstance(record, dict):
            keys.extend(k for k in record if k not in keys)
    names = canonical_names(keys, column_map)
    if records:
        check_required(names)
    rename = dict(zip(keys, names, strict=True))
    seen = first_row
    for start in range(0, len(records), chunk_rows):
        good: list[list[str]] = []
        numbers: list[int] = []
        rejects = []
        for offset, record in enumerate(records[start : start + chunk_rows]):
            number = seen + offset + 1
            if not isinstance(record, dict):
                rejects.append(Reject(number, {"_value": record}, "element is geen object"))
                continue
            good.append([_json_text(record.get(k)) for k in keys])
            numbers.append(number)
        frame = pd.DataFrame(good, columns=[rename[k] for k in keys], dtype=str)
        frame.insert(0, ROW, numbers)
        yield RawChunk(rows=frame, rejects=tuple(rejects))
        seen += min(chunk_rows, len(records) - start)


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "J" if value else "N"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)

"""Readers for BVH extracts: CSV, XLSX and JSON, from a file or from bytes, in chunks.

Every reader yields :class:`RawChunk` objects: a DataFrame of strings (empty cell = ``""``) whose
columns carry the contract's names, plus the rows that could not even be split into columns
(``rejects``), which the caller quarantines. Nothing is interpreted here; see ``normalise``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ingest.columns import ROW, canonical_names, check_required
from ingest.jsonpage import iter_json_page, parse_json_page
from ingest.rawchunk import FormatError, RawChunk, Reject

__all__ = [
    "FORMATS",
    "FormatError",
    "RawChunk",
    "Reject",
    "format_for_path",
    "iter_json_page",
    "parse_json_page",
    "read_extract",
]

FORMATS = ("bvh-csv", "bvh-xlsx", "bvh-json")
XLSX_SHEET = "Incidenten"
_SNIFF_BYTES = 64 * 1024
#: CSV parse block: at least the longest row; small blocks parse faster (they stay in cache).
_BLOCK_BYTES = 2 << 20


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


class _RowNumbers:
    """The delivery's row number of every row the CSV reader keeps, around the rows it rejects.

    Arrow reports a rejected row's number (the header is row 0 here) when it parses serially;
    the kept rows are numbered in the gaps, so that ``_row`` and quarantine both point at the
    row in the delivery.
    """

    def __init__(self) -> None:
        self.rejects: list[Reject] = []
        # Per reject in order: how many kept rows come before it.
        self._kept_before: list[int] = []

    def reject(self, number: int, raw: dict[str, Any], reason: str) -> None:
        self._kept_before.append(number - 1 - len(self._kept_before))
        self.rejects.append(Reject(row_number=number, raw=raw, reason=reason))

    def numbers(self, first: int, n: int) -> np.ndarray:
        """Row numbers of the kept rows ``first`` to ``first + n - 1`` (0-based)."""
        kept = np.arange(first, first + n, dtype=np.int64)
        before = np.searchsorted(np.asarray(self._kept_before, np.int64), kept, side="right")
        return kept + 1 + before

    def total(self, kept: int) -> int:
        return kept + len(self._kept_before)


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
        if len(head) < _SNIFF_BYTES and not any(end in head for end in (b"\n", b"\r")):
            # Only a header, without a line end: Arrow wants one to see a header at all.
            stream.close()
            stream = io.BytesIO(head + b"\n")
        encoding, quoted = scan(stream)
        start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        stream.seek(start)
        body = head[start:]
        sep = detect_separator(body)
        headers = header_names(body, sep, encoding)
        rows = _RowNumbers()

        def on_invalid(row: Any) -> str:
            rows.reject(
                int(row.number) - 1,
                {"_text": row.text},
                f"rij heeft {row.actual_columns} velden, verwacht {row.expected_columns}",
            )
            return "skip"

        try:
            reader = pacsv.open_csv(
                stream,
                # Serially: only then does Arrow know the number of a row it rejects.
                read_options=pacsv.ReadOptions(
                    encoding=encoding, block_size=_BLOCK_BYTES, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep,
                    # Without a quote character no value can hold a newline.
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
            seen, handed = 0, 0  # kept rows yielded; rejects yielded
            pending: list[pa.RecordBatch] = []
            pending_rows = 0
            for batch in reader:
                batch = _as_strings(batch, schema)
                pending.append(batch)
                pending_rows += batch.num_rows
                # At least one row stays behind: the last row is checked below.
                while pending_rows > chunk_rows:
                    table = pa.Table.from_batches(pending, schema=schema)
                    head_t, rest = table.slice(0, chunk_rows), table.slice(chunk_rows)
                    yield _chunk(head_t, rows.numbers(seen, chunk_rows), rows.rejects[handed:])
                    seen += head_t.num_rows
                    handed = len(rows.rejects)
                    pending, pending_rows = rest.to_batches(), rest.num_rows
            table = pa.Table.from_batches(pending, schema=schema)
            numbers = rows.numbers(seen, table.num_rows)
            last = numbers[-1] if len(numbers) else 0
            if quoted and table.num_rows and last == rows.total(seen + table.num_rows):
                if _ends_in_open_quote(stream, table, encoding, sep):
                    cut = table.slice(table.num_rows - 1).to_pylist()[0]
                    table, numbers = table.slice(0, table.num_rows - 1), numbers[:-1]
                    rows.reject(int(last), cut, _OPEN_QUOTE)
            if table.num_rows or len(rows.rejects) > handed:
                yield _chunk(table, numbers, rows.rejects[handed:])
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise FormatError(f"CSV onleesbaar: {' '.join(str(exc).split())[:300]}") from exc
    finally:
        stream.close()


_OPEN_QUOTE = (
    "rij is afgebroken: een aanhalingsteken wordt niet gesloten voor het einde van het bestand"
)


def _ends_in_open_quote(stream: BinaryIO, table: pa.Table, encoding: str, sep: str) -> bool:
    """Whether the file ends inside a quoted value that was opened in the last row's last field.

    Arrow then reads the row as complete, with everything after the quote as the last value;
    the file ends in that quote and the value (quotes doubled), not in a closing quote.
    """
    value = table.column(table.num_columns - 1)[-1].as_py() or ""
    try:
        tail = ('"' + value.replace('"', '""')).encode(encoding)
    except UnicodeEncodeError:
        return False
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size < len(tail):
        return False
    stream.seek(max(size - len(tail) - 1, 0))
    end = stream.read()
    # The quote opens a field: it follows a separator or a line end (or starts the file).
    return end.endswith(tail) and (len(end) == len(tail) or end[:1] in (sep.encode(), b"\n", b"\r"))


def _as_strings(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    # Columns are read as text; a column of only empty cells may come back as null type.
    arrays = [
        col if col.type == pa.string() else col.cast(pa.string()).fill_null("")
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _chunk(table: pa.Table, numbers: np.ndarray, rejects: list[Reject]) -> RawChunk:
    frame = table.to_pandas()
    frame.insert(0, ROW, numbers)
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


#: What a damaged workbook raises while it is read: a broken archive, deflate stream or XML.
_BROKEN_XLSX = (zipfile.BadZipFile, zlib.error, EOFError, ParseError)


def _read_xlsx(
    source: Path | bytes, column_map: Mapping[str, str], chunk_rows: int
) -> Iterator[RawChunk]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    stream = _open(source)
    try:
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except zipfile.BadZipFile as exc:
            raise FormatError(f"XLSX onleesbaar: dit is geen XLSX-bestand ({exc})") from exc
        except (InvalidFileException, OSError, KeyError, ValueError, *_BROKEN_XLSX) as exc:
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
        except (KeyError, ValueError, OSError, *_BROKEN_XLSX) as exc:
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

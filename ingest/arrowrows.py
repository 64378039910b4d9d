"""Arrow helpers for normalise and load: text columns, masks, the row hash, the row schema.

Normalised incidents travel as an Arrow table with :data:`SCHEMA`; :func:`to_frame` gives the
pandas view of it. :func:`row_hash` gives the same 16 hex digits as pandas'
``hash_pandas_object(frame, index=False)`` over the data columns of the pandas view (as the
loader has always stored), but hashes each distinct text once instead of once per row; columns
added later (:data:`LATER_HASH_COLUMNS`) are mixed in only where a row has a value in them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.columns import ROW
from vis.db.schema import INCIDENT_DATA_COLUMNS

OUTPUT_COLUMNS = ("id", *INCIDENT_DATA_COLUMNS, "row_hash", ROW)
#: Data columns added after the first release. They enter a row's hash only where the row has a
#: value in one of them, so that the stored hashes of rows without them stay valid.
LATER_HASH_COLUMNS = ("police_neighbourhood", "buurt_code")
#: The data columns that make up the row hash (all data columns but the derived lon/lat).
HASH_COLUMNS = tuple(
    k for k in INCIDENT_DATA_COLUMNS if k not in ("lon", "lat", *LATER_HASH_COLUMNS)
)
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_TYPES = {
    **dict.fromkeys(("begin_at", "end_at", "known_at"), _TIMESTAMP),
    **dict.fromkeys(("report_made", "attempt", "solved"), pa.bool_()),
    **dict.fromkeys(("suspects", "arrests", ROW), pa.int64()),
    **dict.fromkeys(("x", "y", "lon", "lat"), pa.float64()),
}
SCHEMA = pa.schema([(k, _TYPES.get(k, pa.string())) for k in OUTPUT_COLUMNS])
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def from_frame(raw: pd.DataFrame) -> pa.Table:
    """The raw chunk as an Arrow table (zero-copy for Arrow-backed string columns)."""
    return pa.Table.from_pandas(raw, preserve_index=False)


def text(table: pa.Table, column: str) -> pa.Array:
    """The column as trimmed text; a missing column is all empty."""
    if column not in table.column_names:
        return pa.array([""] * table.num_rows, pa.string())
    values = table[column]
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    elif not pa.types.is_string(values.type):
        values = pa.chunked_array([pa.array(values.to_pandas().astype("str"), pa.string())])
    values = values.combine_chunks()
    if values.null_count:
        values = values.fill_null("")
    return pc.utf8_trim_whitespace(values) if _may_need_trim(values) else values


#: Bytes that can begin or end white space as utf8_trim_whitespace sees it: ASCII white space,
#: the separators 0x1c-0x1f, and any byte of a multi-byte character.
_EDGE = np.zeros(256, bool)
_EDGE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE[128:] = True


def _may_need_trim(values: pa.Array) -> bool:
    """False when no value starts or ends with a byte that could be white space."""
    starts, lengths, data = string_layout(values)
    if not len(data):
        return False
    # An empty value reads a neighbour's byte, which is checked anyway.
    first = np.take(data, starts, mode="clip")
    last = np.take(data, starts + lengths - 1, mode="clip")
    return bool(_EDGE[first].any() or _EDGE[last].any())


def mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy; null counts as False."""
    return np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), bool)


def null_where_empty(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def nulls(n: int) -> pa.Array:
    return pa.nulls(n, pa.string())


def strings(values: pd.Series) -> pa.Array:
    """Text with None or NaN for missing as an Arrow string array."""
    return pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True)


def timestamps(values: np.ndarray) -> pa.Array:
    """Naive-UTC datetime64[us] as Arrow UTC timestamps; NaT is null."""
    return pa.array(values.astype("datetime64[us]"), from_pandas=True).cast(_TIMESTAMP)


def naive_utc(values: pa.Array) -> np.ndarray:
    """UTC timestamps as naive datetime64[us]; null is NaT."""
    ints = values.cast(_TIMESTAMP).cast(pa.int64()).fill_null(np.iinfo(np.int64).min)
    return np.asarray(ints.to_numpy(zero_copy_only=False)).view("datetime64[us]")


def string_layout(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, byte length, bytes) of a string array, for reading fixed positions with numpy."""
    offsets = np.frombuffer(values.buffers()[1], np.int32, len(values) + 1, values.offset * 4)
    data = values.buffers()[2]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    starts = offsets[:-1].astype(np.int64)
    return starts, offsets[1:] - offsets[:-1], raw


def contains_byte(values: pa.Array, char: str) -> bool:
    """Whether any string holds the ASCII character ``char``."""
    data = values.buffers()[2]
    return data is not None and bool((np.frombuffer(data, np.uint8) == ord(char)).any())


def longest(values: pa.Array) -> int:
    """The longest string, in bytes (0 when empty)."""
    return int(pc.max(pc.binary_length(values)).as_py() or 0)


def fixed_window(data: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes from each start, rows by columns (zero past the end of the data)."""
    padded = np.concatenate([data, np.zeros(width, np.uint8)])
    return np.lib.stride_tricks.sliding_window_view(padded, width)[starts]


def combinations(a: pa.Array, b: pa.Array) -> tuple[np.ndarray, tuple[pa.Array, pa.Array]]:
    """For each row the index of its distinct (a, b) pair, and the distinct pairs."""
    da, db = pc.dictionary_encode(a), pc.dictionary_encode(b)
    width = max(len(db.dictionary), 1)
    pair = np.asarray(da.indices, np.int64) * width + np.asarray(db.indices, np.int64)
    distinct, index = np.unique(pair, return_inverse=True)
    return index.reshape(-1), (
        da.dictionary.take(pa.array(distinct // width)),
        db.dictionary.take(pa.array(distinct % width)),
    )


def count_in_order(items: np.ndarray, keys: list[str]) -> dict[str, int]:
    """How often each key occurs (``items`` index into ``keys``), in order of first occurrence."""
    distinct, first, counts = np.unique(items, return_index=True, return_counts=True)
    out: dict[str, int] = {}
    for i in np.argsort(first, kind="stable").tolist():
        key = keys[int(distinct[i])]
        out[key] = out.get(key, 0) + int(counts[i])
    return out


# --- the row hash ------------------------------------------------------------------------------


def _hash_text(values: pa.Array) -> np.ndarray:
    """pandas' hash of an object column (missing = 2**64 - 1).

    A column with many repeats hashes each distinct text once; a mostly unique one (judged on
    its first 1,000 values) is hashed directly. Both give the same numbers.
    """
    if pc.count_distinct(values.slice(0, 1000)).as_py() > 500:
        texts = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
        missing = mask(pc.is_null(values))
        texts[missing] = ""
        hashed = pd.util.hash_array(texts, categorize=False)
        hashed[missing] = np.uint64(2**64 - 1)
        return hashed
    encoded = pc.dictionary_encode(values)
    distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    hashed = np.append(pd.util.hash_array(distinct, categorize=False), np.uint64(2**64 - 1))
    codes = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
    return hashed.take(np.asarray(codes, np.int64))


def _hash_column(values: pa.Array) -> np.ndarray:
    kind = values.type
    if pa.types.is_string(kind):
        return _hash_text(values)
    if pa.types.is_timestamp(kind):
        # datetime64 hashes as its int64 value; NaT is the smallest int64.
        ints = values.cast(pa.int64()).fill_null(np.iinfo(np.int64).min)
        return pd.util.hash_array(ints.to_numpy(zero_copy_only=False))
    if pa.types.is_floating(kind):
        return pd.util.hash_array(values.to_numpy(zero_copy_only=False))
    # boolean and Int64: masked arrays hash their data, and hash(pd.NA) where missing.
    filler = False if pa.types.is_boolean(kind) else 0
    out = pd.util.hash_array(values.fill_null(filler).to_numpy(zero_copy_only=False))
    out[mask(pc.is_null(values))] = np.uint64(hash(pd.NA))
    return out


def row_hash(data: Mapping[str, pa.Array]) -> pa.Array:
    """16 lowercase hex digits per row over :data:`HASH_COLUMNS` (see the module docstring)."""
    n = len(data[HASH_COLUMNS[0]])
    # pandas' combine_hash_arrays (CPython's tuple hash), in the order of the columns.
    out = np.full(n, 0x345678, np.uint64)
    mult = np.uint64(1000003)
    with np.errstate(over="ignore"):
        for i, name in enumerate(HASH_COLUMNS):
            out ^= _hash_column(data[name])
            out *= mult
            mult += np.uint64(82520 + 2 * (len(HASH_COLUMNS) - i))
        out += np.uint64(97531)
        later = [name for name in LATER_HASH_COLUMNS if name in data]
        if later:
            present = np.zeros(n, bool)
            mixed = out.copy()
            for name in later:
                present |= mask(pc.is_valid(data[name]))
                mixed = (mixed ^ _hash_column(data[name])) * np.uint64(1000003)
            out = np.where(present, mixed, out)
    pairs = out.astype(">u8").view(np.uint8).reshape(-1, 8)
    hexed = np.empty((n, 16), np.uint8)
    hexed[:, 0::2], hexed[:, 1::2] = _HEX[pairs >> 4], _HEX[pairs & 15]
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(hexed.tobytes()))


# --- the pandas view ---------------------------------------------------------------------------


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The normalised rows as pandas: nullable booleans and counts, UTC timestamps, and text."""
    data = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_boolean(col.type):
            data[name] = col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif name in ("suspects", "arrests"):
            data[name] = col.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        elif pa.types.is_timestamp(col.type):
            data[name] = col.to_pandas().astype("datetime64[us, UTC]")
        else:
            data[name] = col.to_pandas()
    return pd.DataFrame(data, columns=list(table.column_names))


def from_rows(frame: pd.DataFrame) -> pa.Table:
    """Normalised rows as pandas (see :func:`to_frame`) back to Arrow with :data:`SCHEMA`.

    Missing floats (NaN) become null here.
    """
    table = pa.Table.from_pandas(frame, columns=list(OUTPUT_COLUMNS), preserve_index=False)
    return table.cast(SCHEMA)

"""Normalisation: a raw chunk of strings in, typed incidents and quarantined rows out. Pure.

What it does, vectorised over the chunk:
- parses the three moments (Dutch ``dd-mm-jjjj uu:mm[:ss]``, date only, or ISO 8601; local time
  Europe/Amsterdam unless an offset is given) to UTC;
- maps the MK code, else the label text, to a VIS category and CBS soort misdrijf;
- reads J/N flags, counts and RD coordinates (decimal comma allowed), converts to WGS84 and finds
  the area by point in polygon;
- minimises: house numbers only when configured; no weather, no day names, no free text.
A row that fails any check goes to quarantine with its raw values and a reason; nothing is dropped.

The chunk is worked on as Arrow arrays (see :mod:`ingest.arrowrows`). The usual shapes of moments,
counts and coordinates take a fast path; a column holding anything else goes through the general
pandas parsers below, so both give the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String

from ingest import arrowrows as ar
from ingest import columns as c
from ingest.arrowrows import OUTPUT_COLUMNS
from vis.db.schema import incidents
from vis.geo import AreaIndex, to_wgs84
from vis.settings import CategorySettings

__all__ = ["OUTPUT_COLUMNS", "NormaliseParams", "Normalised", "normalise"]

LOCAL_TZ = "Europe/Amsterdam"
#: RD New's area of use (EPSG:28992), in metres; a point outside it is an error, not elsewhere.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
_TRUE = {"j", "ja", "y", "yes", "1", "true", "waar"}
_FALSE = {"n", "nee", "no", "0", "false", "onwaar"}
_NONE = {"", "onbekend", "-"}
#: Shapes that the fast paths read; any other non-empty value sends its column the general way.
_FAST_DUTCH = r"^\d\d-\d\d-\d{4}(?: \d\d:\d\d(?::\d\d)?)?$"
_FAST_COUNT = r"^\d{1,15}$"
_FAST_COORDINATE = r"^\d{1,9}(?:\.\d{1,6})?$"


def _text_limit(name: str) -> int:
    kind = incidents.c[name].type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


_TEXT_LIMITS = {
    name: _text_limit(name)
    for name in (
        *("id", "source_registration", "mk_code", "mk_label", "street", "house_number"),
        *("postcode", "place", "police_area", "object_kind", "projects"),
    )
}


@dataclass(frozen=True)
class NormaliseParams:
    categories: tuple[CategorySettings, ...]
    areas: AreaIndex
    crs: str = "EPSG:28992"
    keep_house_numbers: bool = False


@dataclass(frozen=True)
class Normalised:
    table: pa.Table  # OUTPUT_COLUMNS as Arrow arrays (ingest.arrowrows.SCHEMA)
    quarantine: pd.DataFrame  # row_number, incident_id, reason, raw
    unmapped: dict[str, int]

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The incidents as a DataFrame (OUTPUT_COLUMNS); the loader itself uses :attr:`table`."""
        return ar.to_frame(self.table)


class _Rejects:
    """Collects the first reason per row; later checks skip rows already rejected."""

    def __init__(self, n: int) -> None:
        self.mask = np.zeros(n, bool)
        self._found: list[tuple[np.ndarray, str, pa.Array | None, int]] = []

    def add(
        self, mask: np.ndarray, reason: str, quote: pa.Array | None = None, width: int = 0
    ) -> None:
        """Reject the rows of ``mask``: ``reason``, plus their ``quote`` value cut to ``width``."""
        new = mask & ~self.mask
        if new.any():
            self._found.append((np.flatnonzero(new), reason, quote, width))
            self.mask |= new

    def reasons(self) -> np.ndarray:
        out = np.empty(len(self.mask), object)
        for rows, reason, quote, width in self._found:
            if quote is None:
                out[rows] = reason
            else:
                out[rows] = [reason + v[:width] for v in quote.take(rows).to_pylist()]
        return out[self.mask]


# --- general parsers (pandas Series in and out) ------------------------------------------------

_DUTCH = (
    r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


@cache
def _month_days() -> np.ndarray:
    """Day number (days since 1970) of the first of every month from 0001-01 up to 10000-01."""
    months = np.arange(_FIRST_MONTH, (10000 - 1970) * 12 + 1).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


_FIRST_MONTH = (1 - 1970) * 12


def _local_stamps(matched: np.ndarray, fields: Callable[[str], np.ndarray]) -> np.ndarray:
    """Naive local datetime64[us] from day, month, year, hour, minute and second; NaT if invalid.

    Checked field by field so that an impossible date (31-02-2017) is an error, not a roll-over.
    """
    d, m, y, hh, mm, ss = (fields(n) for n in ("d", "m", "y", "H", "M", "S"))
    month = (np.clip(y, 1, 9999) - 1970) * 12 + np.clip(m, 1, 12) - 1 - _FIRST_MONTH
    first_day = _month_days()[month]
    days_in_month = _month_days()[month + 1] - first_day
    ok = (
        matched
        & (m >= 1)
        & (m <= 12)
        & (d >= 1)
        & (d <= days_in_month)
        & (hh < 24)
        & (mm < 60)
        & (ss < 60)
        & (y >= 1900)
    )
    seconds = (first_day + d - 1) * 86_400 + hh * 3600 + mm * 60 + ss
    return np.where(ok, seconds * 1_000_000, np.iinfo(np.int64).min).view("datetime64[us]")


def _dutch_local(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Naive local datetime64[us] for ``dd-mm-jjjj[ uu:mm[:ss]]`` strings, and which matched."""
    parts = pc.extract_regex(pa.array(values.to_numpy(dtype=object), pa.string()), _DUTCH)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), bool)
    if not matched.any():
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]"), matched

    def field(name: str) -> np.ndarray:
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), "0", text)
        return np.asarray(pc.cast(text, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))

    return _local_stamps(matched, field), matched


def _to_utc(local: np.ndarray) -> np.ndarray:
    """Naive UTC datetime64[us] for naive Europe/Amsterdam ones (NaT stays NaT)."""
    out = np.full(len(local), np.datetime64("NaT"), dtype="datetime64[us]")
    has = ~np.isnat(local)
    if has.any():
        # Autumn's repeated hour is read as summer time (the first pass); spring's missing hour
        # is moved forward. Both are rare and documented in the README.
        stamps = pd.DatetimeIndex(local[has]).tz_localize(
            LOCAL_TZ, ambiguous=np.ones(int(has.sum()), bool), nonexistent="shift_forward"
        )
        out[has] = stamps.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[us]")
    return out


def parse_moments(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """UTC timestamps for Dutch or ISO date(-time) strings; and which non-empty ones failed."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    filled = (values != "").to_numpy()
    dutch_values, dutch = _dutch_local(values)
    local = pd.Series(dutch_values, index=values.index)
    iso = filled & ~dutch
    if iso.any():
        iso_values = values[iso]
        with_offset = iso_values.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True, na=False)
        if with_offset.any():
            out[with_offset[with_offset].index] = pd.to_datetime(
                iso_values[with_offset], format="ISO8601", utc=True, errors="coerce"
            )
        naive = iso_values[~with_offset]
        if len(naive):
            local[naive.index] = pd.to_datetime(naive, format="ISO8601", errors="coerce")
    has_local = local.notna()
    if has_local.any():
        # Autumn's repeated hour is read as summer time (the first pass); spring's missing hour
        # is moved forward. Both are rare and documented in the README.
        localized = local[has_local].dt.tz_localize(
            LOCAL_TZ, ambiguous=np.ones(int(has_local.sum()), bool), nonexistent="shift_forward"
        )
        out[has_local] = localized.dt.tz_convert("UTC")
    return out, pd.Series(filled, index=values.index) & out.isna()


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """True/False/None for J/N-style flags, and a mask of values that are none of those."""
    low = values.str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    bad = ~low.isin(_TRUE | _FALSE | _NONE)
    return out, bad


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    numbers = pd.to_numeric(values.where(values != ""), errors="coerce")
    bad = (values != "") & (numbers.isna() | (numbers < 0) | (numbers % 1 != 0))
    return numbers.where(~bad).astype("Int64"), bad


def parse_coordinates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    cleaned = values.str.replace(" ", "", regex=False).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").astype("float64")
    return numbers, (values != "") & numbers.isna()


def categorise(
    codes: pd.Series, labels: pd.Series, categories: tuple[CategorySettings, ...]
) -> tuple[pd.Series, pd.Series]:
    """(category key, CBS code) per row: by MK code first, by label text second; NA if unmapped."""
    by_code = {code.upper(): cat for cat in categories for code in cat.mk_codes}
    upper = codes.str.upper()
    key = upper.map({k: v.key for k, v in by_code.items()}).astype("object")
    lower = labels.str.lower()
    for cat in categories:
        todo = key.isna() & (lower != "")
        if not todo.any():
            break
        for pattern in cat.label_patterns:
            hit = todo & lower.str.contains(pattern.lower(), regex=False)
            key[hit] = cat.key
            todo &= ~hit
    cbs = key.map({cat.key: cat.cbs_code or None for cat in categories})
    return key.where(key.notna(), None), cbs.where(cbs.notna(), None)


# --- the same on Arrow arrays, with fast paths ---------------------------------------------------


def _moments(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(naive UTC datetime64, failed) for a column of moments."""
    starts, lengths, data = ar.string_layout(text)
    filled = lengths > 0
    fast = ar.mask(pc.match_substring_regex(text, _FAST_DUTCH))
    if not np.array_equal(fast, filled):
        values, bad = parse_moments(text.to_pandas())
        return values.dt.tz_localize(None).to_numpy(), bad.to_numpy(bool)
    local = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    rows = np.flatnonzero(fast)
    if rows.size:
        # dd-mm-yyyy at 0, hh:mm at 11 (16 bytes), :ss at 17 (19 bytes); absent parts are 0.
        at, size = ar.fixed_window(data, starts[rows], 19), lengths[rows]

        def number(*positions: int) -> np.ndarray:
            value = np.zeros(len(at), np.int64)
            for p in positions:
                value = value * 10 + (at[:, p].astype(np.int64) - 48)
            return value

        fields = {
            "d": number(0, 1),
            "m": number(3, 4),
            "y": number(6, 7, 8, 9),
            "H": np.where(size >= 16, number(11, 12), 0),
            "M": np.where(size >= 16, number(14, 15), 0),
            "S": np.where(size == 19, number(17, 18), 0),
        }
        local[rows] = _local_stamps(np.ones(rows.size, bool), fields.__getitem__)
    utc = _to_utc(local)
    return utc, filled & np.isnat(utc)


def _flags(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    low = pc.utf8_lower(text)
    true = pc.is_in(low, value_set=pa.array(sorted(_TRUE)))
    false = pc.is_in(low, value_set=pa.array(sorted(_FALSE)))
    value = pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))
    known = pc.is_in(low, value_set=pa.array(sorted(_TRUE | _FALSE | _NONE)))
    return value, ~ar.mask(known)


def _counts(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    filled = pc.not_equal(text, "")
    if np.array_equal(ar.mask(pc.match_substring_regex(text, _FAST_COUNT)), ar.mask(filled)):
        return pc.cast(ar.null_where_empty(text), pa.int64()), np.zeros(len(text), bool)
    numbers, bad = parse_counts(text.to_pandas())
    return pa.array(numbers, pa.int64()), bad.to_numpy(bool)


def _coordinates(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    cleaned = text
    for old, new in ((" ", ""), (",", ".")):
        if ar.contains_byte(cleaned, old):
            cleaned = pc.replace_substring(cleaned, old, new)
    fast = ar.mask(pc.match_substring_regex(cleaned, _FAST_COORDINATE))
    if np.array_equal(fast, ar.mask(pc.not_equal(cleaned, ""))):
        numbers = pc.cast(ar.null_where_empty(cleaned), pa.float64())
        return numbers.to_numpy(zero_copy_only=False), np.zeros(len(text), bool)
    values, bad = parse_coordinates(text.to_pandas())
    return values.to_numpy(np.float64), bad.to_numpy(bool)


def _categories(
    code: pa.Array, label: pa.Array, categories: tuple[CategorySettings, ...]
) -> tuple[pa.Array, pa.Array, np.ndarray, list[str]]:
    """(category, CBS code, combination per row, unmapped key per combination).

    :func:`categorise` runs once per distinct (code, label) combination, not once per row.
    """
    pairs, (codes, labels) = ar.combinations(code, label)
    key, cbs = categorise(codes.to_pandas(), labels.to_pandas(), categories)
    unmapped = [
        f"{k or '-'} | {v}"
        for k, v in zip(pc.utf8_upper(codes).to_pylist(), labels.to_pylist(), strict=True)
    ]
    return (
        ar.strings(key).take(pairs),
        ar.strings(cbs).take(pairs),
        pairs,
        unmapped,
    )


def normalise(raw: pd.DataFrame, params: NormaliseParams) -> Normalised:
    """Turn one raw chunk into typed incident rows and quarantined rows."""
    table = ar.from_frame(raw)
    n = table.num_rows
    rejects = _Rejects(n)
    ident = ar.text(table, c.ID)
    rejects.add(ar.mask(pc.equal(ident, "")), "Incident Identificatie ontbreekt")

    moments = {}
    for column, name in ((c.BEGIN, "begin_at"), (c.END, "end_at"), (c.KNOWN, "known_at")):
        text = ar.text(table, column)
        moments[name], bad = _moments(text)
        rejects.add(bad, "ongeldige datum/tijd in " + column + ": ", text, 40)
    rejects.add(np.isnat(moments["begin_at"]), f"{c.BEGIN} ontbreekt")
    rejects.add(np.isnat(moments["known_at"]), f"{c.KNOWN} ontbreekt")
    rejects.add(
        moments["end_at"] < moments["begin_at"], "einde van het pleegvenster ligt voor het begin"
    )

    flags = {}
    for column, name in ((c.REPORT, "report_made"), (c.ATTEMPT, "attempt"), (c.SOLVED, "solved")):
        text = ar.text(table, column)
        flags[name], bad = _flags(text)
        rejects.add(bad, f"ongeldige waarde in {column} (verwacht J of N): ", text, 20)
    counts = {}
    for column, name in ((c.SUSPECTS, "suspects"), (c.ARRESTS, "arrests")):
        text = ar.text(table, column)
        counts[name], bad = _counts(text)
        rejects.add(bad, f"ongeldig aantal in {column}: ", text, 20)

    x, bad_x = _coordinates(ar.text(table, c.X))
    y, bad_y = _coordinates(ar.text(table, c.Y))
    rejects.add(bad_x | bad_y, "ongeldige coördinaat X/Y")
    rejects.add(np.isnan(x) ^ np.isnan(y), "alleen X of alleen Y ingevuld")
    xmin, ymin, xmax, ymax = RD_BOUNDS
    with np.errstate(invalid="ignore"):
        inside = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    rejects.add(
        ~np.isnan(x) & ~np.isnan(y) & ~inside, "coördinaten buiten het RD-gebied (Nederland)"
    )

    code, label = ar.text(table, c.MK_CODE), ar.text(table, c.MK_LABEL)
    rejects.add(
        ar.mask(pc.and_(pc.equal(code, ""), pc.equal(label, ""))),
        "incidentsoort (code en omschrijving) ontbreekt",
    )
    category, cbs_code, pairs, unmapped_keys = _categories(code, label, params.categories)

    text_columns = {
        "id": ident,
        "source_registration": ar.text(table, c.SOURCE_REGISTRATION),
        "mk_code": pc.utf8_upper(code),
        "mk_label": label,
        "street": ar.text(table, c.STREET),
        "house_number": ar.text(table, c.HOUSE_NUMBER) if params.keep_house_numbers else None,
        "postcode": pc.utf8_upper(pc.replace_substring(ar.text(table, c.POSTCODE), " ", "")),
        "place": ar.text(table, c.PLACE),
        "police_area": ar.text(table, c.POLICE_AREA),
        "object_kind": ar.text(table, c.OBJECT),
        "projects": ar.text(table, c.PROJECTS),
    }
    for name, values in text_columns.items():
        if values is not None:
            limit = _TEXT_LIMITS[name]
            if ar.longest(values) > limit:  # bytes; a text is never longer in characters
                too_long = ar.mask(pc.greater(pc.utf8_length(values), limit))
                rejects.add(too_long, f"veld {name} is langer dan {limit} tekens")

    keep = np.flatnonzero(~rejects.mask)
    kept_x, kept_y = x[keep], y[keep]
    lon, lat = to_wgs84(kept_x, kept_y, params.crs)
    where = params.areas.locate(kept_x, kept_y)
    areas = params.areas.areas
    area_code = pa.array([a.code for a in areas] + [None], pa.string())
    municipality = pa.array([a.municipality_code for a in areas] + [None], pa.string())
    where = np.where(where < 0, len(areas), where)
    take = pa.array(keep)
    data: dict[str, Any] = {
        name: (ar.nulls(len(keep)) if v is None else ar.null_where_empty(v.take(take)))
        for name, v in text_columns.items()
    }
    data["id"] = ident.take(take)
    data.update(category=category.take(take), cbs_code=cbs_code.take(take))
    for name, stamps in moments.items():
        data[name] = ar.timestamps(stamps[keep])
    data.update({k: v.take(take) for k, v in (flags | counts).items()})
    data.update(x=pa.array(kept_x), y=pa.array(kept_y), lon=pa.array(lon), lat=pa.array(lat))
    data.update(area_code=area_code.take(where), municipality_code=municipality.take(where))
    data["row_hash"] = ar.row_hash(data)
    data[c.ROW] = pa.array(raw[c.ROW].to_numpy(np.int64)[keep])
    out = pa.table({k: data[k] for k in OUTPUT_COLUMNS}, schema=ar.SCHEMA)

    unmapped_rows = pairs[keep][ar.mask(pc.is_null(data["category"]))]
    return Normalised(
        table=out,
        quarantine=_quarantine_frame(raw, ident, rejects),
        unmapped=ar.count_in_order(unmapped_rows, unmapped_keys),
    )


def _quarantine_frame(raw: pd.DataFrame, ident: pa.Array, rejects: _Rejects) -> pd.DataFrame:
    bad = rejects.mask
    if not bad.any():
        return pd.DataFrame(columns=["row_number", "incident_id", "reason", "raw"])
    body = raw.iloc[np.flatnonzero(bad)]
    records: list[dict[str, Any]] = json.loads(
        body.drop(columns=[c.ROW]).to_json(orient="records", force_ascii=False)
    )
    ids = ident.filter(pa.array(bad)).to_pandas()
    return pd.DataFrame(
        {
            "row_number": body[c.ROW].to_numpy(),
            "incident_id": ids.where(ids != "", None).to_numpy(),
            "reason": rejects.reasons(),
            "raw": records,
        }
    )

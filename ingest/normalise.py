"""Normalisation: a raw chunk of strings in, typed incidents and quarantined rows out. Pure.

What it does, vectorised over the chunk:
- parses the three moments (Dutch ``dd-mm-jjjj uu:mm[:ss]``, date only, or ISO 8601; local time
  Europe/Amsterdam unless an offset is given) to UTC (see :mod:`ingest.moments`);
- maps the MK code, else the label text, to a VIS category and CBS soort misdrijf;
- reads J/N flags, counts (whole, 0 up to what an INTEGER column holds) and RD coordinates
  (decimal comma allowed), converts to WGS84 and finds the area by point in polygon;
- minimises: house numbers only when configured; no weather, no day names, no free text;
- cleans the stored text fields of control characters (see :mod:`ingest.textclean`); an incident
  id holding one is refused rather than changed.
A row that fails any check goes to quarantine with its raw values and a reason; nothing is dropped.

The chunk is worked on as Arrow arrays (see :mod:`ingest.arrowrows`). The usual shapes of moments,
counts and coordinates take a fast path; a column holding anything else goes through the general
pandas parsers (below, and in :mod:`ingest.moments`), so both give the same answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String, Table

from ingest import arrowrows as ar
from ingest import columns as c
from ingest.arrowrows import OUTPUT_COLUMNS
from ingest.moments import moments_of, parse_moments
from ingest.textclean import clean, clean_text, has_controls
from vis.db.schema import incidents, quarantine
from vis.geo import AreaIndex, to_wgs84
from vis.settings import CategorySettings, ScheduleSettings

__all__ = ["OUTPUT_COLUMNS", "NormaliseParams", "Normalised", "normalise", "parse_moments"]

#: RD New's area of use (EPSG:28992), in metres; a point outside it is an error, not elsewhere.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
_TRUE = {"j", "ja", "y", "yes", "1", "true", "waar"}
_FALSE = {"n", "nee", "no", "0", "false", "onwaar"}
_NONE = {"", "onbekend", "-"}
#: Shapes that the fast paths read; any other non-empty value sends its column the general way.
_FAST_COUNT = r"^\d{1,15}$"
#: The largest count the database's INTEGER columns hold.
COUNT_MAX = 2**31 - 1
_FAST_COORDINATE = r"^\d{1,9}(?:\.\d{1,6})?$"


def _text_limit(name: str, table: Table = incidents) -> int:
    kind = table.c[name].type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


_TEXT_LIMITS = {
    name: _text_limit(name)
    for name in (
        *("id", "source_registration", "mk_code", "mk_label", "street", "house_number"),
        *("postcode", "place", "police_area", "police_neighbourhood", "object_kind", "projects"),
    )
}
_QUARANTINE_ID_LIMIT = _text_limit("incident_id", quarantine)


@dataclass(frozen=True)
class NormaliseParams:
    categories: tuple[CategorySettings, ...]
    areas: AreaIndex
    crs: str = "EPSG:28992"
    keep_house_numbers: bool = False
    buurten: AreaIndex | None = None  # buurt polygons, where the municipality configures them
    #: Local time of the extract's moments: the settings' ``schedule.timezone``.
    timezone: str = field(default_factory=lambda: ScheduleSettings().timezone)


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
                quoted = quote.take(rows).to_pylist()
                out[rows] = [reason + clean_text(v)[:width] for v in quoted]
        return out[self.mask]


# --- general parsers (pandas Series in and out) ------------------------------------------------


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
    bad = (values != "") & (
        numbers.isna() | (numbers < 0) | (numbers % 1 != 0) | (numbers > COUNT_MAX)
    )
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
        numbers = pc.cast(ar.null_where_empty(text), pa.int64())
        too_big = ar.mask(pc.greater(numbers, COUNT_MAX))
        if too_big.any():
            numbers = pc.if_else(pa.array(too_big), pa.scalar(None, pa.int64()), numbers)
        return numbers, too_big
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


def _stored_text(table: pa.Table, column: str) -> pa.Array:
    """A text column that is stored as it is: trimmed, without control characters."""
    return clean(ar.text(table, column))


def normalise(raw: pd.DataFrame, params: NormaliseParams) -> Normalised:
    """Turn one raw chunk into typed incident rows and quarantined rows."""
    table = ar.from_frame(raw)
    n = table.num_rows
    rejects = _Rejects(n)
    ident = ar.text(table, c.ID)
    rejects.add(ar.mask(pc.equal(ident, "")), "Incident Identificatie ontbreekt")
    rejects.add(has_controls(ident), "Incident Identificatie bevat een stuurteken")

    moments = {}
    for column, name in ((c.BEGIN, "begin_at"), (c.END, "end_at"), (c.KNOWN, "known_at")):
        text = ar.text(table, column)
        moments[name], bad = moments_of(text, params.timezone)
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

    code, label = _stored_text(table, c.MK_CODE), _stored_text(table, c.MK_LABEL)
    rejects.add(
        ar.mask(pc.and_(pc.equal(code, ""), pc.equal(label, ""))),
        "incidentsoort (code en omschrijving) ontbreekt",
    )
    category, cbs_code, pairs, unmapped_keys = _categories(code, label, params.categories)

    text_columns = {
        "id": ident,
        "source_registration": _stored_text(table, c.SOURCE_REGISTRATION),
        "mk_code": pc.utf8_upper(code),
        "mk_label": label,
        "street": _stored_text(table, c.STREET),
        "house_number": _stored_text(table, c.HOUSE_NUMBER) if params.keep_house_numbers else None,
        "postcode": pc.utf8_upper(pc.replace_substring(_stored_text(table, c.POSTCODE), " ", "")),
        "place": _stored_text(table, c.PLACE),
        "police_area": _stored_text(table, c.POLICE_AREA),
        "police_neighbourhood": _stored_text(table, c.POLICE_NEIGHBOURHOOD),
        "object_kind": _stored_text(table, c.OBJECT),
        "projects": _stored_text(table, c.PROJECTS),
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
    data["buurt_code"] = _buurt_codes(params.buurten, kept_x, kept_y)
    data["row_hash"] = ar.row_hash(data)
    data[c.ROW] = pa.array(raw[c.ROW].to_numpy(np.int64)[keep])
    out = pa.table({k: data[k] for k in OUTPUT_COLUMNS}, schema=ar.SCHEMA)

    unmapped_rows = pairs[keep][ar.mask(pc.is_null(data["category"]))]
    return Normalised(
        table=out,
        quarantine=_quarantine_frame(raw, ident, rejects),
        unmapped=ar.count_in_order(unmapped_rows, unmapped_keys),
    )


def _buurt_codes(buurten: AreaIndex | None, x: np.ndarray, y: np.ndarray) -> pa.Array:
    """The buurt of each point by point in polygon; null without buurten or outside them all."""
    if buurten is None:
        return ar.nulls(len(x))
    codes = pa.array([b.code for b in buurten.areas] + [None], pa.string())
    where = buurten.locate(x, y)
    return codes.take(pa.array(np.where(where < 0, len(buurten.areas), where)))


def _quarantine_frame(raw: pd.DataFrame, ident: pa.Array, rejects: _Rejects) -> pd.DataFrame:
    bad = rejects.mask
    if not bad.any():
        return pd.DataFrame(columns=["row_number", "incident_id", "reason", "raw"])
    body = raw.iloc[np.flatnonzero(bad)]
    records: list[dict[str, Any]] = json.loads(
        body.drop(columns=[c.ROW]).to_json(orient="records", force_ascii=False)
    )
    ids = clean(ident.filter(pa.array(bad))).to_pylist()
    return pd.DataFrame(
        {
            "row_number": body[c.ROW].to_numpy(),
            # object: missing stays None (a text column would make it NaN)
            "incident_id": pd.Series([_quarantine_id(v) for v in ids], dtype=object),
            "reason": rejects.reasons(),
            "raw": records,
        }
    )


def _quarantine_id(ident: str) -> str | None:
    """The id as a quarantine row holds it: None when empty, cut short (marked …) when too long.

    The raw row keeps the id in full.
    """
    if not ident:
        return None
    return ident if len(ident) <= _QUARANTINE_ID_LIMIT else ident[: _QUARANTINE_ID_LIMIT - 1] + "…"

"""Normalisation: a raw chunk of strings in, typed incidents and quarantined rows out. Pure.

What it does, vectorised over the chunk:
- parses the three moments (Dutch ``dd-mm-jjjj uu:mm[:ss]``, date only, or ISO 8601; local time
  Europe/Amsterdam unless an offset is given) to UTC;
- maps the MK code, else the label text, to a VIS category and CBS soort misdrijf;
- reads J/N flags, counts and RD coordinates (decimal comma allowed), converts to WGS84 and finds
  the area by point in polygon;
- minimises: house numbers only when configured; no weather, no day names, no free text.
A row that fails any check goes to quarantine with its raw values and a reason; nothing is dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest import columns as c
from vis.db.schema import INCIDENT_DATA_COLUMNS, incidents
from vis.geo import AreaIndex, to_wgs84
from vis.settings import CategorySettings

LOCAL_TZ = "Europe/Amsterdam"
#: RD New's area of use (EPSG:28992), in metres; a point outside it is an error, not elsewhere.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
_TRUE = {"j", "ja", "y", "yes", "1", "true", "waar"}
_FALSE = {"n", "nee", "no", "0", "false", "onwaar"}
_NONE = {"", "onbekend", "-"}
OUTPUT_COLUMNS = ("id", *INCIDENT_DATA_COLUMNS, "row_hash", c.ROW)


@dataclass(frozen=True)
class NormaliseParams:
    categories: tuple[CategorySettings, ...]
    areas: AreaIndex
    crs: str = "EPSG:28992"
    keep_house_numbers: bool = False


@dataclass(frozen=True)
class Normalised:
    rows: pd.DataFrame  # OUTPUT_COLUMNS
    quarantine: pd.DataFrame  # row_number, incident_id, reason, raw
    unmapped: dict[str, int]


class _Rejects:
    """Collects the first reason per row; later checks skip rows already rejected."""

    def __init__(self, index: pd.Index) -> None:
        self.reason = pd.Series(pd.NA, index=index, dtype="object")

    def add(self, mask: pd.Series | np.ndarray, reason: pd.Series | str) -> None:
        mask = pd.Series(np.asarray(mask, bool), index=self.reason.index) & self.reason.isna()
        if mask.any():
            self.reason[mask] = reason[mask] if isinstance(reason, pd.Series) else reason

    @property
    def mask(self) -> pd.Series:
        return self.reason.notna()


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    if column not in raw.columns:
        return pd.Series("", index=raw.index, dtype="str")
    return raw[column].astype("str").str.strip()


_DUTCH = (
    r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


def _dutch_local(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Naive local datetime64[us] for ``dd-mm-jjjj[ uu:mm[:ss]]`` strings, and which matched.

    Parsed field by field so that an impossible date (31-02-2017) is an error, not a roll-over.
    """
    parts = pc.extract_regex(pa.array(values.to_numpy(dtype=object), pa.string()), _DUTCH)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), bool)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    if not matched.any():
        return out, matched

    def field(name: str) -> np.ndarray:
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), "0", text)
        return np.asarray(pc.cast(text, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))

    d, m, y, hh, mm, ss = (field(n) for n in ("d", "m", "y", "H", "M", "S"))
    month_ok = (m >= 1) & (m <= 12)
    first = (np.clip(y, 1, 9999) - 1970) * 12 + np.clip(m, 1, 12) - 1
    month_start = first.astype("datetime64[M]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]"))
    ok = (
        matched
        & month_ok
        & (d >= 1)
        & (d <= days_in_month.astype(np.int64))
        & (hh < 24)
        & (mm < 60)
        & (ss < 60)
        & (y >= 1900)
    )
    stamp = (
        month_start.astype("datetime64[us]")
        + ((d - 1) * 86_400 + hh * 3600 + mm * 60 + ss).astype("timedelta64[s]")
    )
    out[ok] = stamp[ok]
    return out, matched


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
    """(category key, CBS code) per row: by MK code first, by label text second; NA when unmapped."""
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


def normalise(raw: pd.DataFrame, params: NormaliseParams) -> Normalised:
    """Turn one raw chunk into typed incident rows and quarantined rows."""
    rejects = _Rejects(raw.index)
    ident = _text(raw, c.ID)
    rejects.add(ident == "", "Incident Identificatie ontbreekt")

    moments = {}
    for column, name in ((c.BEGIN, "begin_at"), (c.END, "end_at"), (c.KNOWN, "known_at")):
        text = _text(raw, column)
        value, bad = parse_moments(text)
        rejects.add(bad, "ongeldige datum/tijd in " + column + ": " + text.str.slice(0, 40))
        moments[name] = value
    rejects.add(moments["begin_at"].isna(), f"{c.BEGIN} ontbreekt")
    rejects.add(moments["known_at"].isna(), f"{c.KNOWN} ontbreekt")
    rejects.add(
        moments["end_at"].notna() & (moments["end_at"] < moments["begin_at"]),
        "einde van het pleegvenster ligt voor het begin",
    )

    flags = {}
    for column, name in (
        (c.REPORT, "report_made"),
        (c.ATTEMPT, "attempt"),
        (c.SOLVED, "solved"),
    ):
        text = _text(raw, column)
        flags[name], bad = parse_flags(text)
        rejects.add(
            bad, f"ongeldige waarde in {column} (verwacht J of N): " + text.str.slice(0, 20)
        )
    counts = {}
    for column, name in ((c.SUSPECTS, "suspects"), (c.ARRESTS, "arrests")):
        text = _text(raw, column)
        counts[name], bad = parse_counts(text)
        rejects.add(bad, f"ongeldig aantal in {column}: " + text.str.slice(0, 20))

    x, bad_x = parse_coordinates(_text(raw, c.X))
    y, bad_y = parse_coordinates(_text(raw, c.Y))
    rejects.add(bad_x | bad_y, "ongeldige coördinaat X/Y")
    rejects.add(x.isna() ^ y.isna(), "alleen X of alleen Y ingevuld")
    xmin, ymin, xmax, ymax = RD_BOUNDS
    outside = x.notna() & y.notna() & ~(x.between(xmin, xmax) & y.between(ymin, ymax))
    rejects.add(outside, "coördinaten buiten het RD-gebied (Nederland)")

    code, label = _text(raw, c.MK_CODE), _text(raw, c.MK_LABEL)
    rejects.add((code == "") & (label == ""), "incidentsoort (code en omschrijving) ontbreekt")
    category, cbs_code = categorise(code, label, params.categories)

    out = pd.DataFrame(
        {
            "id": ident,
            "source_registration": _text(raw, c.SOURCE_REGISTRATION),
            "mk_code": code.str.upper(),
            "mk_label": label,
            "category": category,
            "cbs_code": cbs_code,
            "street": _text(raw, c.STREET),
            "house_number": _text(raw, c.HOUSE_NUMBER) if params.keep_house_numbers else None,
            "postcode": _text(raw, c.POSTCODE).str.replace(" ", "", regex=False).str.upper(),
            "place": _text(raw, c.PLACE),
            "police_area": _text(raw, c.POLICE_AREA),
            **moments,
            **flags,
            **counts,
            "object_kind": _text(raw, c.OBJECT),
            "projects": _text(raw, c.PROJECTS),
            "x": x,
            "y": y,
        },
        index=raw.index,
    )
    _reject_too_long(out, rejects)

    keep = ~rejects.mask
    good = out[keep].copy()
    _empty_to_null(good)
    lon, lat = to_wgs84(good["x"].to_numpy(), good["y"].to_numpy(), params.crs)
    good["lon"], good["lat"] = lon, lat
    where = params.areas.locate(good["x"].to_numpy(), good["y"].to_numpy())
    area_codes = np.array([a.code for a in params.areas.areas] + [None], dtype=object)
    municipalities = np.array(
        [a.municipality_code for a in params.areas.areas] + [None], dtype=object
    )
    good["area_code"] = area_codes[where]
    good["municipality_code"] = municipalities[where]
    good["row_hash"] = row_hash(good)
    good[c.ROW] = raw.loc[keep, c.ROW].to_numpy()

    unmapped = Counter(
        f"{k or '-'} | {lbl}"
        for k, lbl in zip(
            good.loc[good["category"].isna(), "mk_code"].fillna(""),
            good.loc[good["category"].isna(), "mk_label"].fillna(""),
            strict=True,
        )
    )
    return Normalised(
        rows=good.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True),
        quarantine=_quarantine_frame(raw, ident, rejects),
        unmapped=dict(unmapped),
    )


def _reject_too_long(out: pd.DataFrame, rejects: _Rejects) -> None:
    for name in (
        "id",
        "source_registration",
        "mk_code",
        "mk_label",
        "street",
        "house_number",
        "postcode",
        "place",
        "police_area",
        "object_kind",
        "projects",
    ):
        limit = incidents.c[name].type.length
        values = out[name]
        if values is None or limit is None or values.isna().all():
            continue
        too_long = values.fillna("").str.len() > limit
        rejects.add(too_long, f"veld {name} is langer dan {limit} tekens")


def _empty_to_null(frame: pd.DataFrame) -> None:
    for name in (
        "source_registration",
        "mk_code",
        "mk_label",
        "street",
        "postcode",
        "place",
        "police_area",
        "object_kind",
        "projects",
        "house_number",
    ):
        col = frame[name]
        if col.dtype != object and not pd.api.types.is_string_dtype(col):
            continue
        frame[name] = col.where(col.notna() & (col != ""), None).astype(object)


def row_hash(frame: pd.DataFrame) -> pd.Series:
    """A stable 16-hex-digit hash of the data columns of each row."""
    data = frame.loc[
        :, [k for k in OUTPUT_COLUMNS if k not in ("id", "row_hash", c.ROW, "lon", "lat")]
    ]
    hashed = pd.util.hash_pandas_object(data, index=False)
    return hashed.map("{:016x}".format).astype(object)


def _quarantine_frame(raw: pd.DataFrame, ident: pd.Series, rejects: _Rejects) -> pd.DataFrame:
    bad = rejects.mask
    if not bad.any():
        return pd.DataFrame(columns=["row_number", "incident_id", "reason", "raw"])
    body = raw.loc[bad]
    records: list[dict[str, Any]] = json.loads(
        body.drop(columns=[c.ROW]).to_json(orient="records", force_ascii=False)
    )
    return pd.DataFrame(
        {
            "row_number": body[c.ROW].to_numpy(),
            "incident_id": ident[bad].where(ident[bad] != "", None).to_numpy(),
            "reason": rejects.reason[bad].to_numpy(),
            "raw": records,
        }
    )

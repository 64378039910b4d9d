"""A CBS 47022NED-shaped monthly table, consistent with the demo incidents.

Rows look like a TypedDataSet page of "Geregistreerde misdrijven; soort misdrijf, wijk, buurt,
maandcijfers": ``SoortMisdrijf`` padded to 6 characters (``"0.0.0 "`` is the total),
``WijkenEnBuurten`` padded to 10 (``"GM0307    "``, ``"WK030701  "``), ``Perioden`` like
``2017MM03`` and ``GeregistreerdeMisdrijven_1``. Incidents count in the month of their begin
date, in the wijk that holds their X/Y (else the wijk named in Pleegwijk), under the soort of
their category (the same code-then-label matching as the ingest). Only misdrijven count: nuisance
registrations are not in this table. Every combination is present (zero where none); small numbers
are not suppressed, so the table adds up exactly to the incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from ingest import columns as c
from vis.demo.profiles import profile_of_code
from vis.demo.spatial import City
from vis.geo import Area

TOTAL = "0.0.0"
COLUMNS = ("ID", "SoortMisdrijf", "WijkenEnBuurten", "Perioden", "GeregistreerdeMisdrijven_1")


class Category(Protocol):
    """What this module reads of a category (``vis.settings.CategorySettings`` has it)."""

    @property
    def key(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def cbs_code(self) -> str: ...
    @property
    def mk_codes(self) -> Sequence[str]: ...
    @property
    def label_patterns(self) -> Sequence[str]: ...


def cbs_monthly(
    incidents: pd.DataFrame,
    areas: Sequence[Area],
    categories: Sequence[Category],
    municipality_code: str = "GM0307",
) -> pd.DataFrame:
    """Monthly counts per soort misdrijf for the municipality and each of its wijken."""
    lookup = profile_of_code()
    pairs = zip(incidents[c.MK_CODE], incidents[c.MK_LABEL], strict=True)
    misdrijf = np.array([(p := lookup.get(k)) is not None and p.is_misdrijf for k in pairs], bool)
    rows = incidents.loc[misdrijf]
    soort = soort_misdrijf(rows[c.MK_CODE], rows[c.MK_LABEL], categories)

    city = City.from_areas(areas)
    x, y = rd_metres(rows[c.X]), rd_metres(rows[c.Y])
    has_xy = np.isfinite(x) & np.isfinite(y)
    where = np.full(len(rows), -1, dtype=np.int64)
    where[has_xy] = city.locate(x[has_xy], y[has_xy])
    by_name = {a.name: i for i, a in enumerate(city.areas)}
    named = rows[c.POLICE_AREA].map(by_name).fillna(-1).astype(np.int64).to_numpy()
    where = np.where(where >= 0, where, named)
    area_codes = np.array([a.code for a in city.areas] + [""], dtype=object)[where]

    begin = rows[c.BEGIN].astype(str)
    period = (begin.str.slice(6, 10) + "MM" + begin.str.slice(3, 5)).to_numpy(object)
    facts = pd.DataFrame({"soort": soort, "area": area_codes, "period": period})
    with_soort = facts[facts["soort"].notna()]
    counted = pd.concat(
        [
            facts.assign(soort=TOTAL),
            with_soort,
            facts.assign(soort=TOTAL, area=municipality_code),
            with_soort.assign(area=municipality_code),
        ]
    )
    counted = counted[counted["area"] != ""]
    counts = counted.groupby(["period", "soort", "area"]).size()

    soorts = [
        TOTAL,
        *sorted({k.cbs_code for k in categories if k.group == "misdrijf" and k.cbs_code}),
    ]
    wijken = [municipality_code, *sorted(a.code for a in city.areas)]
    periods = _months(sorted(set(period)))
    grid = pd.MultiIndex.from_product([periods, soorts, wijken], names=["period", "soort", "area"])
    full = counts.reindex(grid, fill_value=0).reset_index(name="n")
    return pd.DataFrame(
        {
            "ID": np.arange(len(full), dtype=np.int64),
            "SoortMisdrijf": full["soort"].map(lambda s: f"{s:<6}"),
            "WijkenEnBuurten": full["area"].map(lambda s: f"{s:<10}"),
            "Perioden": full["period"],
            "GeregistreerdeMisdrijven_1": full["n"].astype(np.int64),
        },
        columns=list(COLUMNS),
    )


def soort_misdrijf(
    codes: pd.Series, labels: pd.Series, categories: Sequence[Category]
) -> np.ndarray:
    """The CBS soort of each row's category (None if none): by MK code first, label second.

    The same matching as the ingest's: exact code (case-insensitive), else the first category in
    file order whose label pattern is a case-insensitive substring of the label.
    """
    by_code = {code.upper(): cat for cat in categories for code in cat.mk_codes}
    lower_labels = labels.astype(str).str.lower().tolist()
    out = []
    for code, label in zip(codes.astype(str).str.upper().tolist(), lower_labels, strict=True):
        cat = by_code.get(code)
        if cat is None and label:
            cat = next(
                (k for k in categories for p in k.label_patterns if p.lower() in label), None
            )
        out.append(cat.cbs_code or None if cat is not None else None)
    return np.array(out, dtype=object)


def rd_metres(values: pd.Series) -> np.ndarray:
    """RD coordinates from extract text (decimal comma allowed); NaN where empty."""
    cleaned = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").to_numpy(dtype=float)


def _months(present: list[str]) -> list[str]:
    """Every month from the first to the last present one, as ``jjjjMMmm``."""
    if not present:
        return []
    first = np.datetime64(f"{present[0][:4]}-{present[0][6:]}", "M")
    last = np.datetime64(f"{present[-1][:4]}-{present[-1][6:]}", "M")
    months = np.arange(first, last + 1)
    return [f"{str(m)[:4]}MM{str(m)[5:7]}" for m in months]

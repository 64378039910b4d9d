"""Writing values the way a BVH extract writes them: Dutch dates, day names, dagdelen, RD X/Y."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from vis.demo.timing import DAY, NONE

IntArray = npt.NDArray[np.int64]
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
#: nacht 00-06, ochtend 06-12, middag 12-18, avond 18-24 (as in the contract's examples).
DAYPARTS = ("nacht", "ochtend", "middag", "avond")


def moment_columns(m: IntArray) -> tuple[list[str], list[str], list[str]]:
    """(weekday, dagdeel, ``dd-mm-jjjj uu:mm``) for local minutes; empty strings for NONE."""
    valid = m != NONE
    mm = np.where(valid, m, 0)
    days = (mm // DAY).astype("datetime64[D]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    minute_of_day = mm % DAY
    hour, minute = minute_of_day // 60, minute_of_day % 60
    weekday = (mm // DAY + 3) % 7
    texts = [
        f"{d:02d}-{mo:02d}-{y} {h:02d}:{mi:02d}" if ok else ""
        for d, mo, y, h, mi, ok in zip(
            day.tolist(),
            month.tolist(),
            year.tolist(),
            hour.tolist(),
            minute.tolist(),
            valid.tolist(),
            strict=True,
        )
    ]
    names = np.array((*WEEKDAYS, ""), dtype=object)[np.where(valid, weekday, 7)].tolist()
    parts = np.array((*DAYPARTS, ""), dtype=object)[np.where(valid, hour // 6, 4)].tolist()
    return names, parts, texts


def coordinate_texts(values: npt.NDArray[np.float64], decimals: IntArray) -> list[str]:
    """RD metres as an extract writes them: ``155432`` or with a decimal comma ``155432,25``."""
    out = []
    for v, k in zip(values.tolist(), decimals.tolist(), strict=True):
        if not np.isfinite(v):
            out.append("")
        elif k == 0:
            out.append(str(round(v)))
        else:
            out.append(f"{v:.{k}f}".rstrip("0").rstrip(".").replace(".", ","))
    return out


def parse_local_minutes(texts: pd.Series) -> IntArray:
    """Local minutes for ``dd-mm-jjjj uu:mm`` strings written by :func:`moment_columns`."""
    s = texts.astype(str)
    ok = s.str.len() == 16
    safe = s.where(ok, "01-01-1970 00:00")
    days = pd.to_datetime(
        safe.str.slice(6, 10) + "-" + safe.str.slice(3, 5) + "-" + safe.str.slice(0, 2),
        format="%Y-%m-%d",
    ).to_numpy(dtype="datetime64[D]")
    minutes = (
        days.astype(np.int64) * DAY
        + safe.str.slice(11, 13).astype(np.int64).to_numpy() * 60
        + safe.str.slice(14, 16).astype(np.int64).to_numpy()
    )
    return np.where(ok.to_numpy(), minutes, NONE).astype(np.int64)

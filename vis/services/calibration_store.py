"""The stored calibrations of the hotspot rules (table ``calibrations``, migration 0008).

Every run of `vis calibrate` stores a new version per municipality, whatever its outcome; none is
ever changed. The *active* calibration of a rules file is the newest version made with exactly
that file (its SHA-256): editing ``rules.toml`` sets the calibration aside until the next run,
so an edit by hand always takes effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from briefing.calibrate import Calibration
from briefing.calibration_params import Candidate, calibration_tag
from vis.db.schema import calibrations


@dataclass(frozen=True)
class StoredCalibration:
    """One stored calibration: what briefings use with it (``params``) and how it came about."""

    municipality: str
    version: int
    until: dt.date
    outcome: str
    reason: str
    params: Candidate
    rules_sha256: str
    code_version: str
    created_at: dt.datetime
    created_by: str
    report: dict[str, Any]

    @property
    def tag(self) -> str:
        """What the briefings' ``rules_version`` hashes of it."""
        return calibration_tag(self.municipality, self.version, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "version": self.version,
            "until": self.until.isoformat(),
            "outcome": self.outcome,
            "reason": self.reason,
            "params": self.params.as_dict(),
            "rules_sha256": self.rules_sha256,
            "code_version": self.code_version,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "report": self.report,
        }


def rules_sha256(rules_text: bytes) -> str:
    return hashlib.sha256(rules_text).hexdigest()


def store_calibration(
    engine: Engine,
    municipality: str,
    result: Calibration,
    *,
    rules_text: bytes,
    code_version: str,
    created_by: str,
    attempts: int = 5,
) -> StoredCalibration:
    """Insert ``result`` as the municipality's next version; the stored row."""
    now = dt.datetime.now(dt.UTC)
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                latest = conn.execute(
                    select(func.max(calibrations.c.version)).where(
                        calibrations.c.municipality_code == municipality
                    )
                ).scalar()
                stored = StoredCalibration(
                    municipality=municipality,
                    version=int(latest or 0) + 1,
                    until=result.plan.until,
                    outcome=result.outcome,
                    reason=result.reason,
                    params=result.chosen,
                    rules_sha256=rules_sha256(rules_text),
                    code_version=code_version,
                    created_at=now,
                    created_by=created_by,
                    report=result.as_dict(),
                )
                conn.execute(
                    insert(calibrations).values(
                        municipality_code=municipality,
                        version=stored.version,
                        until=stored.until,
                        outcome=stored.outcome,
                        reason=stored.reason,
                        params=stored.params.as_dict(),
                        rules_sha256=stored.rules_sha256,
                        code_version=code_version,
                        report=stored.report,
                        created_at=now,
                        created_by=created_by,
                    )
                )
                return stored
        except IntegrityError:  # another run took the same version number: take the next
            if attempt == attempts - 1:
                raise
    raise RuntimeError("unreachable")


def _stored(row: Any) -> StoredCalibration:
    return StoredCalibration(
        municipality=row.municipality_code,
        version=int(row.version),
        until=row.until,
        outcome=row.outcome,
        reason=row.reason,
        params=Candidate.from_dict(row.params),
        rules_sha256=row.rules_sha256,
        code_version=row.code_version,
        created_at=row.created_at,
        created_by=row.created_by,
        report=dict(row.report),
    )


def latest_calibration(
    conn: Connection, municipality: str, rules_text: bytes | None = None
) -> StoredCalibration | None:
    """The newest calibration of ``municipality``; with ``rules_text``, the newest made with
    exactly that rules file (the active one). None when there is none."""
    query = select(calibrations).where(calibrations.c.municipality_code == municipality)
    if rules_text is not None:
        query = query.where(calibrations.c.rules_sha256 == rules_sha256(rules_text))
    row = conn.execute(query.order_by(calibrations.c.version.desc()).limit(1)).first()
    return _stored(row) if row is not None else None

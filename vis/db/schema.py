"""The database schema (SQLAlchemy Core). Alembic migrations in ``vis/db/migrations`` create it.

Times are stored in UTC. On SQLite they are text in SQLAlchemy's DATETIME format; on PostgreSQL
they are ``timestamptz``. :class:`UtcDateTime` hands out aware UTC datetimes on both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: The text format SQLAlchemy's SQLite dialect uses for DATETIME; bulk loaders write the same.
SQLITE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# The columns of an incident that come from the extract (after normalisation), in load order.
INCIDENT_DATA_COLUMNS: tuple[str, ...] = (
    "source_registration",
    "mk_code",
    "mk_label",
    "category",
    "cbs_code",
    "street",
    "house_number",
    "postcode",
    "place",
    "police_area",
    "begin_at",
    "end_at",
    "known_at",
    "report_made",
    "attempt",
    "suspects",
    "arrests",
    "solved",
    "object_kind",
    "projects",
    "x",
    "y",
    "lon",
    "lat",
    "area_code",
    "municipality_code",
    "police_neighbourhood",
    "buurt_code",
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True, comment="Incident Identificatie"),
    Column("source", String(64), nullable=False, comment="Name of the source that delivered it"),
    Column("source_registration", String(64)),
    Column("mk_code", String(16)),
    Column("mk_label", String(200)),
    Column("category", String(64), comment="VIS category key; NULL when unmapped"),
    Column("cbs_code", String(16)),
    Column("street", String(200)),
    Column("house_number", String(32), comment="Only when ingest.keep_house_numbers"),
    Column("postcode", String(8)),
    Column("place", String(100)),
    Column("police_area", String(200), comment="Pleegwijk as the police know it"),
    Column("police_neighbourhood", String(200), comment="Pleegbuurt as the police know it"),
    Column("begin_at", UtcDateTime(), nullable=False),
    Column("end_at", UtcDateTime(), comment="NULL: a point in time"),
    Column("known_at", UtcDateTime(), nullable=False, comment="Kennisname"),
    Column("report_made", Boolean),
    Column("attempt", Boolean, comment="Poging: J attempt, N completed"),
    Column("suspects", Integer),
    Column("arrests", Integer),
    Column("solved", Boolean),
    Column("object_kind", String(200)),
    Column("projects", String(400)),
    Column("x", Float, comment="RD New X (m)"),
    Column("y", Float, comment="RD New Y (m)"),
    Column("lon", Float),
    Column("lat", Float),
    Column("area_code", String(16), comment="Configured area (wijk) by point in polygon"),
    Column("municipality_code", String(8), comment="Municipality of that area"),
    Column(
        "buurt_code",
        String(16),
        comment="Configured buurt by point in polygon (geo.buurten_file); NULL without",
    ),
    Column("row_hash", String(32), nullable=False, comment="Hash of the data columns"),
    Column("first_run_id", Integer, nullable=False),
    Column("last_run_id", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, comment="First processing (Wpg)"),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_incidents_known_at", incidents.c.known_at)
Index("ix_incidents_begin_at", incidents.c.begin_at)
Index("ix_incidents_area_category", incidents.c.area_code, incidents.c.category)

incident_changes = Table(
    "incident_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("run_id", Integer, nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changes", JSON, nullable=False, comment='{"column": [old, new], ...}'),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="bvh, bvh-file, cbs"),
    Column("location", String(1000), comment="URL or file (no token)"),
    Column("window_start", Date),
    Column("window_end", Date, comment="Exclusive"),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(16), nullable=False, comment="running, success, failed"),
    Column("holder", String(200), comment="host:pid of the running process"),
    Column("received", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("unmapped", JSON, comment='{"code|label": count} of rows without a category'),
    Column("error", Text),
    Column("duration_s", Float),
)
Index("ix_ingest_runs_source_status", ingest_runs.c.source, ingest_runs.c.status)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False, comment="1-based data row in the delivery"),
    Column("incident_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("raw", JSON, nullable=False, comment="The received row, as received"),
    Column("received_at", UtcDateTime(), nullable=False),
)

cbs_crime_monthly = Table(
    "cbs_crime_monthly",
    metadata,
    Column("table_id", String(16), primary_key=True),
    Column("crime_code", String(16), primary_key=True, comment="SoortMisdrijf, trimmed"),
    Column("area_code", String(16), primary_key=True, comment="WijkenEnBuurten, trimmed"),
    Column("period", Date, primary_key=True, comment="First day of the month"),
    Column("count", Integer, comment="NULL: suppressed by CBS, not zero"),
    Column("run_id", Integer, nullable=False),
)

cbs_population = Table(
    "cbs_population",
    metadata,
    Column("table_id", String(16), primary_key=True),
    Column("area_code", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("inhabitants", Integer),
    Column("run_id", Integer, nullable=False),
)

areas = Table(
    "areas",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(8), nullable=False),
    Column("municipality_code", String(8), nullable=False),
    Column("inhabitants", Integer),
    Column("gebied", String(100), comment="Grouping used by the area scans"),
)

job_locks = Table(
    "job_locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

job_executions = Table(
    "job_executions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("job", String(100), nullable=False),
    Column("scheduled_for", UtcDateTime(), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    UniqueConstraint("job", "scheduled_for", name="uq_job_executions_job_scheduled_for"),
)

# --- briefings, patrol visits, users and audit (migration 0002) --------------------------------

briefings = Table(
    "briefings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("municipality_code", String(8), nullable=False),
    Column("date", Date, nullable=False),
    Column("shift", String(32), nullable=False),
    Column("version", Integer, nullable=False, comment="1, 2, … per date and shift; never reused"),
    Column("rules_version", String(64), nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("data_until", UtcDateTime(), comment="Latest Kennisname among the input"),
    Column("cutoff", UtcDateTime(), nullable=False, comment="Only incidents known before this"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("content", JSON, nullable=False, comment="The briefing as `vis briefing --format json`"),
    UniqueConstraint(
        "municipality_code", "date", "shift", "version", name="uq_briefings_municipality_code"
    ),
)
Index("ix_briefings_date_shift", briefings.c.date, briefings.c.shift)

patrol_visits = Table(
    "patrol_visits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("briefing_id", Integer, ForeignKey("briefings.id"), nullable=False, index=True),
    Column("hotspot_id", String(64), nullable=False),
    Column("username", String(100), nullable=False),
    Column("visited_at", UtcDateTime(), nullable=False),
    Column("duration_min", Integer),
    Column("note", String(500), comment="The handhaver's own short note; no police data"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column(
        "demo",
        Boolean,
        nullable=False,
        default=False,
        server_default=false(),
        comment="Simulated by `vis demo`; never a real visit",
    ),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(32), nullable=False, comment="supervisor, handhaver, evaluator, admin"),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("password_changed_at", UtcDateTime(), nullable=False),
    Column(
        "session_epoch",
        Integer,
        nullable=False,
        default=0,
        server_default="0",
        comment="Raised when the user's open sessions must end (migration 0007)",
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("username", String(100), comment="NULL before login (failed logins)"),
    Column("action", String(64), nullable=False, comment="login, login_failed, view, …"),
    Column("target", String(300), comment="Page, briefing, incident or file concerned"),
    Column("detail", JSON),
    Column("client", String(100), comment="Client address or session id"),
    Column("prev_hash", String(64), comment="Hash of the entry before (chain)"),
    Column("hash", String(64), comment="Hash of this entry including prev_hash"),
)

# --- retention (migration 0003) ----------------------------------------------------------------

incident_stats = Table(
    "incident_stats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("category", String(64), comment="VIS category key; NULL when unmapped"),
    Column("cbs_code", String(16)),
    Column("area_code", String(16)),
    Column("municipality_code", String(8)),
    Column("cell_id", String(64), comment="Grid cell (vis.geo.Grid); NULL without coordinates"),
    Column("month", Date, nullable=False, comment="First day of the local month of begin_at"),
    Column("count", Integer, nullable=False),
    Column("attempts", Integer, nullable=False, comment="Incidents with Poging J"),
    Column("attempts_known", Integer, nullable=False, comment="Incidents with Poging J or N"),
    Column("arrests", Integer, nullable=False, comment="Sum of Aanhoudingen"),
    Column("reduced_at", UtcDateTime(), nullable=False, comment="When the purge reduced them"),
)
Index("ix_incident_stats_month", incident_stats.c.month)

audit_anchor = Table(
    "audit_anchor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("last_id", Integer, nullable=False, comment="Id of the last audit entry purged"),
    Column("last_hash", String(64), nullable=False, comment="Its hash: the next prev_hash"),
    Column("purged", Integer, nullable=False, comment="Entries purged with this anchor"),
    Column("at", UtcDateTime(), nullable=False),
    Column("mac", String(64), comment="HMAC of the anchor with the audit key (migration 0007)"),
)

# --- login throttling per client (migration 0004) -----------------------------------------------

login_clients = Table(
    "login_clients",
    metadata,
    Column("client", String(64), primary_key=True, comment="Client address (IPv6: its /64)"),
    Column("failures", Integer, nullable=False, comment="Failed logins since the last pause"),
    Column("pending", Integer, nullable=False, comment="Attempts being checked now"),
    Column("last_attempt_at", UtcDateTime(), nullable=False),
    Column("last_failure_at", UtcDateTime()),
    Column("locked_until", UtcDateTime(), comment="No login from this client before this time"),
)

# --- calibrations of the hotspot rules (migration 0008) -----------------------------------------

calibrations = Table(
    "calibrations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("municipality_code", String(8), nullable=False),
    Column("version", Integer, nullable=False, comment="1, 2, … per municipality; never reused"),
    Column("until", Date, nullable=False, comment="Last day of history it used"),
    Column("outcome", String(16), nullable=False, comment="calibrated, defaults"),
    Column("reason", String(32), nullable=False),
    Column("params", JSON, nullable=False, comment="The parameters briefings use with it"),
    Column(
        "rules_sha256",
        String(64),
        nullable=False,
        comment="SHA-256 of the rules file it calibrated; applies only to that file",
    ),
    Column("code_version", String(64), nullable=False),
    Column("report", JSON, nullable=False, comment="Windows and every candidate's figures"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("municipality_code", "version", name="uq_calibrations_municipality_code"),
)

# --- stored pilot evaluations (migration 0009) ---------------------------------------------------

evaluation_results = Table(
    "evaluation_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("municipality_code", String(8), nullable=False),
    Column("pilot", String(100), nullable=False),
    Column(
        "key_sha256",
        String(64),
        nullable=False,
        comment="SHA-256 of the code version, the configuration and the data marks it was "
        "computed on",
    ),
    Column("code_version", String(64), nullable=False),
    Column("text", Text, nullable=False, comment="`vis evaluate --pilot` output"),
    Column("json", Text, nullable=False, comment="`vis evaluate --pilot --json` output"),
    Column("computed_at", UtcDateTime(), nullable=False),
    Column("seconds", Float, nullable=False, comment="How long the computation took"),
    UniqueConstraint("municipality_code", "pilot", name="uq_evaluation_results_municipality_code"),
)

"""The one typed settings object of VIS, built by :func:`load_settings`.

Every key has a default and a help text (the pydantic ``description``);
``tests/unit/test_settings.py`` fails when a key is undocumented, and ``docs/configuration.md`` is
generated from these models (``python -m vis.settings_doc``). Nothing here runs at import time:
callers build the object with the factory and pass it on.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The names of the configuration files: the one place they are written. All but ``vis.toml``
#: are found beside it (:meth:`Settings.resolve`; categories.toml: ``ingest.categories_file``).
CONFIG_FILE = "vis.toml"
CATEGORIES_FILE = "categories.toml"
RULES_FILE = "rules.toml"
PILOTS_FILE = "pilots.toml"
GEBIEDEN_FILE = "gebieden.toml"
APP_FILE = "app.toml"
DEFAULT_CONFIG = Path("config") / CONFIG_FILE


class SettingsError(ValueError):
    """The configuration could not be read or is invalid; the message says where."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MunicipalitySettings(_Frozen):
    code: str = Field("GM0307", description="CBS municipality code (GMxxxx) that VIS serves.")
    name: str = Field("Amersfoort", description="Municipality name, as shown in the app.")

    @field_validator("code")
    @classmethod
    def _gm_code(cls, v: str) -> str:
        if not re.fullmatch(r"GM\d{4}", v):
            raise ValueError("municipality code must look like GM0307")
        return v


class GeoSettings(_Frozen):
    crs: str = Field("EPSG:28992", description="Metric CRS of the police X/Y and of the grid.")
    areas_file: str = Field(
        "areas/cbs-wijken-2019-amersfoort-region.geojson",
        description="GeoJSON of the areas (CBS wijken), relative to the config file; in `crs`.",
    )
    area_level: Literal["wijk", "buurt"] = Field(
        "wijk", description="Level of the polygons in `areas_file`."
    )
    area_code_property: str = Field("wijkcode", description="Property holding the area code.")
    area_name_property: str = Field("wijknaam", description="Property holding the area name.")
    area_municipality_property: str = Field(
        "gemeenteco", description="Property holding the area's municipality code."
    )
    area_population_property: str = Field(
        "aantal_inw", description="Property holding the number of inhabitants."
    )
    area_source: str = Field(
        "CBS Wijk- en buurtkaart 2019 (CC BY 4.0)",
        description="Credit for the area polygons, shown beside every map (Bron: CBS).",
    )
    buurten_file: str = Field(
        "",
        description="Optional GeoJSON of the buurten (CBS buurten), relative to the config file; "
        "in `crs`. Where set, every incident gets its buurt by point in polygon (`buurt_code`); "
        "empty: no buurt (the police's own Pleegbuurt is kept either way).",
    )
    buurt_code_property: str = Field(
        "buurtcode", description="Property holding the buurt code in `buurten_file`."
    )
    buurt_name_property: str = Field(
        "buurtnaam", description="Property holding the buurt name in `buurten_file`."
    )
    cell_size_m: float = Field(125.0, gt=0, description="Edge of a square grid cell in metres.")
    grid_origin_x: float = Field(
        0.0, description="Grid origin X in `crs`; fixed so that cell ids are stable."
    )
    grid_origin_y: float = Field(
        300000.0, description="Grid origin Y in `crs`; fixed so that cell ids are stable."
    )


class DatabaseSettings(_Frozen):
    url: str = Field(
        "",
        description="SQLAlchemy URL. VIS_DATABASE_URL overrides it; empty means sqlite:///var/vis.db.",
    )
    sqlite_busy_timeout_ms: int = Field(
        30000, ge=0, description="SQLite busy timeout: how long a writer waits for a lock."
    )


class HttpSettings(_Frozen):
    connect_timeout_s: float = Field(10.0, gt=0, description="HTTP connect timeout in seconds.")
    read_timeout_s: float = Field(120.0, gt=0, description="HTTP read timeout in seconds.")
    retries: int = Field(5, ge=0, description="Retries on connection errors, 429 and 5xx answers.")
    backoff_factor: float = Field(
        1.0, ge=0, description="Exponential backoff factor between retries, in seconds."
    )
    max_retry_after_s: float = Field(
        300.0, ge=0, description="Longest Retry-After that VIS honours before it gives up."
    )
    user_agent: str = Field("VIS/0.1 (+gemeente)", description="User-Agent sent to every source.")


class SourceSettings(_Frozen):
    name: str = Field(description="Unique name of the source, used by `vis ingest --source`.")
    kind: Literal["bvh"] = Field("bvh", description="What the source delivers (BVH extract).")
    url: str = Field(description="URL template with {vanaf} and {tot} (yyyy-mm-dd, tot exclusive).")
    format: Literal["auto", "bvh-csv", "bvh-xlsx", "bvh-json"] = Field(
        "auto", description="Answer format; auto decides by the Content-Type."
    )
    token_env: str = Field(
        "", description="Environment variable holding a bearer token; empty: no token."
    )
    window_days: int = Field(
        1, ge=1, le=366, description="Days asked per request when catching up or backfilling."
    )
    column_map: dict[str, str] = Field(
        default_factory=dict,
        description="Renames this source's column names onto the contract's BVH names.",
    )
    enabled: bool = Field(True, description="Whether the daily job pulls this source.")

    @field_validator("url")
    @classmethod
    def _template(cls, v: str) -> str:
        if "{vanaf}" not in v or "{tot}" not in v:
            raise ValueError("url must contain {vanaf} and {tot}")
        return v


class IngestSettings(_Frozen):
    chunk_rows: int = Field(100_000, ge=1, description="Rows parsed and written per chunk.")
    bulk_index_rows: int = Field(
        50_000,
        ge=0,
        description="A delivery whose first chunk has at least this many rows is loaded in bulk "
        "mode: secondary indexes are dropped and rebuilt in the run (0: never).",
    )
    keep_house_numbers: bool = Field(
        False, description="Store house numbers (Wpg: only where the municipality needs them)."
    )
    first_day: dt.date = Field(
        dt.date(2017, 1, 1),
        description="First day that catch-up fetches when a source has no successful run yet.",
    )
    categories_file: str = Field(
        CATEGORIES_FILE, description="Category map (MK code and label to category), relative."
    )
    stale_run_minutes: int = Field(
        360,
        ge=1,
        description="A ledger row still 'running' after this long is marked failed (abandoned).",
    )


class CbsSettings(_Frozen):
    enabled: bool = Field(True, description="Whether the daily job fetches CBS open data.")
    base_url: str = Field(
        "https://dataderden.cbs.nl/ODataFeed/odata",
        description="OData v3 root of the catalogue that holds the police tables.",
    )
    population_base_url: str = Field(
        "https://opendata.cbs.nl/ODataFeed/odata",
        description="OData v3 root of the catalogue that holds Kerncijfers wijken en buurten.",
    )
    crime_table: str = Field("47022NED", description="Registered crimes per wijk/buurt/month.")
    population_table: str = Field(
        "86165NED", description="Kerncijfers wijken en buurten table with AantalInwoners_5."
    )
    population_year: int = Field(2025, description="Reference year of `population_table`.")
    refetch_months: int = Field(
        24, ge=0, description="Months re-fetched each run (CBS figures stay provisional)."
    )


class ScheduleSettings(_Frozen):
    timezone: str = Field("Europe/Amsterdam", description="Time zone of the schedule.")
    daily_ingest: str = Field(
        "05:30", description="Local time (HH:MM) of the daily ingest; not between 02:00 and 03:00."
    )
    misfire_grace_s: int = Field(
        3600, ge=1, description="How late a missed run may still start (APScheduler grace)."
    )
    lock_lease_s: int = Field(
        7200, ge=60, description="How long a SQLite lock row holds before others may take it."
    )
    calibrate_monthly: bool = Field(
        True,
        description="Re-run `vis calibrate` (up to yesterday) once a month, on `calibrate_day` "
        "at `calibrate_at`; false: only by hand.",
    )
    calibrate_day: int = Field(
        1, ge=1, le=28, description="Day of the month of the monthly calibration (1-28)."
    )
    calibrate_at: str = Field(
        "06:30",
        description="Local time (HH:MM) of the monthly calibration: after the daily ingest, so "
        "that yesterday is in; not between 02:00 and 03:00.",
    )

    @field_validator("daily_ingest", "calibrate_at")
    @classmethod
    def _outside_dst_hour(cls, v: str, info: ValidationInfo) -> str:
        t = _parse_hhmm(v)
        if t.hour == 2:
            raise ValueError(f"{info.field_name} must lie outside 02:00-03:00 (DST changes)")
        return v


class ShiftSettings(_Frozen):
    name: str = Field(description="Short name of the shift, e.g. avond.")
    label: str = Field("", description="Dutch label shown in the app; defaults to the name.")
    start: str = Field(description="Local start time HH:MM.")
    end: str = Field(description="Local end time HH:MM; before start means the next day.")

    @model_validator(mode="after")
    def _times(self) -> ShiftSettings:
        _parse_hhmm(self.start)
        _parse_hhmm(self.end)
        return self


class RetentionSettings(_Frozen):
    incident_detail_days: int = Field(
        365,
        ge=1,
        description="Days after first processing (Wpg art. 8) before an incident is reduced "
        "to category, area, cell and month.",
    )
    quarantine_days: int = Field(30, ge=1, description="Days a quarantined raw row is kept.")
    ledger_days: int = Field(1825, ge=1, description="Days ingest ledger rows are kept.")
    audit_days: int = Field(1825, ge=1, description="Days audit log entries are kept (5 years).")
    visit_notes_days: int = Field(
        90,
        ge=1,
        description=(
            "Days a handhaver's free-text visit note is kept; then the note is erased (the visit "
            "itself stays for the evaluation)."
        ),
    )


class SecuritySettings(_Frozen):
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description=(
            "Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto `vis serve` "
            'trusts (e.g. ["10.0.0.5"]); none by default: the TCP peer is the client.'
        ),
    )
    file_group: str = Field(
        default="",
        description=(
            "Unix group that may read the SQLite database, its WAL/SHM and backups (mode 0640, "
            "the files handed to that group, e.g. a backup operator's group); empty by default: "
            "the owner only (0600). The files hold password hashes, police data and the audit log."
        ),
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {item!r} is no address or network") from exc
        return value

    @field_validator("file_group")
    @classmethod
    def _group(cls, value: str) -> str:
        import grp

        if value:
            try:
                grp.getgrnam(value)
            except KeyError as exc:
                raise ValueError(f"file_group: group {value!r} does not exist here") from exc
        return value


class CalibrationSettings(_Frozen):
    tuning_days: int = Field(
        364,
        ge=28,
        description="Days of the tuning window of `vis calibrate`: the rule parameters are picked "
        "by backtest on the briefing days in it (just before the validation window).",
    )
    validation_days: int = Field(
        91,
        ge=14,
        description="Days of the validation window: the last days up to `--until`, never used "
        "for picking; a calibration that does not beat `rules.toml` there keeps its values.",
    )
    every_days: int = Field(
        6,
        ge=1,
        description="Days between two briefing days (origins) of the calibration's backtest; "
        "every shift of such a day is scored. Not 7, so that the weekdays take turns.",
    )


class CategorySettings(_Frozen):
    key: str = Field(description="VIS category key, e.g. woninginbraak.")
    label: str = Field(description="Dutch label.")
    group: Literal["misdrijf", "overlast", "overig"] = Field(
        "misdrijf", description="Main group: crime, nuisance or other."
    )
    cbs_code: str = Field("", description="CBS soort misdrijf (e.g. 1.1.1); empty if none.")
    mk_codes: list[str] = Field(default_factory=list, description="BVH MK codes (matched first).")
    label_patterns: list[str] = Field(
        default_factory=list,
        description="Case-insensitive substrings of the Incidentsoort label (matched second).",
    )


def _parse_hhmm(v: str) -> dt.time:
    try:
        return dt.time.fromisoformat(v)
    except ValueError as exc:
        raise ValueError(f"not a time HH:MM: {v!r}") from exc


class Settings(_Frozen):
    """All of VIS's configuration. Build it with :func:`load_settings`."""

    config_dir: Path = Field(
        PROJECT_ROOT / "config", description="Folder of the config file (set by the loader)."
    )
    municipality: MunicipalitySettings = Field(
        default_factory=MunicipalitySettings, description="The municipality served."
    )
    geo: GeoSettings = Field(default_factory=GeoSettings, description="Areas, CRS and grid.")
    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="Database connection."
    )
    http: HttpSettings = Field(default_factory=HttpSettings, description="HTTP client behaviour.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingest behaviour.")
    sources: list[SourceSettings] = Field(
        default_factory=list, description="Police feeds ([[sources]] tables)."
    )
    cbs: CbsSettings = Field(default_factory=CbsSettings, description="CBS open data.")
    schedule: ScheduleSettings = Field(
        default_factory=ScheduleSettings, description="The scheduler."
    )
    shifts: list[ShiftSettings] = Field(
        default_factory=lambda: [
            ShiftSettings(name="ochtend", label="Ochtenddienst", start="07:00", end="15:00"),
            ShiftSettings(name="middag", label="Middagdienst", start="15:00", end="23:00"),
            ShiftSettings(name="avond", label="Avond- en nachtdienst", start="19:00", end="03:00"),
        ],
        description="Shifts of the handhavers ([[shifts]] tables).",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, description="Retention periods (Wpg)."
    )
    security: SecuritySettings = Field(
        default_factory=SecuritySettings, description="Web server security (`vis serve`)."
    )
    calibration: CalibrationSettings = Field(
        default_factory=CalibrationSettings,
        description="Self-calibration of the hotspot rules (`vis calibrate`).",
    )
    categories: list[CategorySettings] = Field(
        default_factory=list, description="Category map, read from `ingest.categories_file`."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for what, names in (
            ("source", [s.name for s in self.sources]),
            ("shift", [s.name for s in self.shifts]),
            ("category", [c.key for c in self.categories]),
        ):
            dupes = {n for n in names if names.count(n) > 1}
            if dupes:
                raise ValueError(f"duplicate {what} names: {sorted(dupes)}")
        return self

    def resolve(self, relative: str) -> Path:
        """A path from the configuration, relative to the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.config_dir / p

    def source(self, name: str) -> SourceSettings:
        for s in self.sources:
            if s.name == name:
                return s
        raise SettingsError(f"no source named {name!r} in the configuration")

    def database_url(self) -> str:
        """VIS_DATABASE_URL, else the configured URL, else a SQLite file under var/."""
        env = os.environ.get("VIS_DATABASE_URL", "").strip()
        if env:
            return env
        if self.database.url:
            return self.database.url
        return "sqlite:///var/vis.db"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the configuration is: --config, else VIS_CONFIG, else config/vis.toml.

    ``config/vis.toml`` is looked for in the working directory first and then in the project
    checkout that holds this package, so that `vis` works from any folder after an editable install.
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get("VIS_CONFIG", "").strip()
    if env:
        return Path(env)
    local = Path.cwd() / DEFAULT_CONFIG
    return local if local.exists() else PROJECT_ROOT / DEFAULT_CONFIG


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SettingsError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (TOML files are UTF-8): {exc.reason}") from exc
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc}") from exc


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read, validate and freeze the configuration (see :func:`config_path` for the lookup)."""
    cfg = config_path(path).resolve()
    raw = _read_toml(cfg)
    raw["config_dir"] = cfg.parent
    ingest = raw.get("ingest")
    categories_file = (ingest if isinstance(ingest, dict) else {}).get(
        "categories_file", CATEGORIES_FILE
    )
    # A categories_file of the wrong type is left to the validation below to report.
    if isinstance(categories_file, str) and "categories" not in raw:
        cat_path = cfg.parent / Path(categories_file)  # an absolute path stays absolute
        if cat_path.is_file():
            raw["categories"] = _read_toml(cat_path).get("category", [])
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"{cfg}: invalid configuration: {problems}") from exc

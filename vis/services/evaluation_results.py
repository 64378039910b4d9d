"""A pilot's evaluation, stored and reused while nothing it depends on has changed.

`vis evaluate --pilot NAME` prints the stored output when its key is unchanged: the SHA-256 of the
code version (the evaluation's sources and the statistics libraries' versions), the configuration
(the pilot's name, ``pilots.toml``, ``gebieden.toml``, the areas file and the settings the
evaluation reads) and the data marks (:func:`vis.store.evaluation_store` reads incidents, reduced
incidents, briefings, patrol visits, areas and populations; :func:`data_marks` summarises each).
Any change gives another key, and the evaluation is computed afresh and stored in its place.

Only this module, the store and the settings are imported on the way to a stored output: no
pandas, SciPy or statsmodels (their import alone takes longer than the 1 s the evaluation may
take, issue 12). :func:`vis.services.evaluation.evaluate_on` is imported when it must run.

The evaluation page needs the report itself, not its printed output: it computes the report
(:func:`report_on`, kept in the session) and stores its output for the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from vis.settings import GEBIEDEN_FILE, PILOTS_FILE, Settings
from vis.store.evaluation_results import (
    StoredEvaluation,
    data_marks,
    store_evaluation,
    stored_evaluation,
)

if TYPE_CHECKING:
    from briefing.evaluation.config import PilotConfig
    from briefing.evaluation.report import PilotReport

#: The libraries whose results the evaluation's figures and text depend on.
LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels", "shapely", "pyproj", "babel")
#: The modules of ``vis`` on the evaluation's path (``briefing`` is taken whole).
VIS_MODULES = (
    "areas.py",
    "geo.py",
    "settings.py",
    "reports/evaluation_text.py",
    "services/evaluation.py",
    "services/evaluation_results.py",
    "store/evaluation_store.py",
    "store/evaluation_results.py",
)

#: Renders a report as the command's text and JSON output.
Render = Callable[["PilotReport"], tuple[str, str]]


@dataclass(frozen=True)
class EvaluationOutput:
    """What `vis evaluate --pilot` prints, and whether it was stored before (``report`` is only
    there when it was computed now)."""

    text: str
    json: str
    computed_at: dt.datetime
    seconds: float
    stored: bool
    report: PilotReport | None = None


def _sources() -> list[Path]:
    spec = importlib.util.find_spec("briefing")
    found: set[Path] = set()
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            found.update(p.resolve() for p in Path(folder).rglob("*.py"))
    here = Path(__file__).resolve().parents[1]
    found.update(here / name for name in VIS_MODULES)
    return sorted(found)


def code_version() -> str:
    """VIS's release, the libraries' versions and a hash of the evaluation's sources."""
    digest = hashlib.sha256()
    for source in _sources():
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    releases = []
    for name in ("vis", *LIBRARIES):
        try:
            releases.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            releases.append(f"{name}=?")
    digest.update(",".join(releases).encode())
    return digest.hexdigest()[:32]


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def result_key(conn: Connection, settings: Settings, pilot: str, code: str) -> str:
    """The SHA-256 a stored output of ``pilot`` must carry to be used."""
    files = {
        name: _file_sha256(settings.resolve(name))
        for name in (PILOTS_FILE, GEBIEDEN_FILE, settings.geo.areas_file)
    }
    read = settings.model_dump(
        mode="json", include={"municipality", "geo", "categories", "schedule"}
    )
    material = {
        "code": code,
        "pilot": pilot,
        "files": files,
        "settings": read,
        "data": data_marks(conn),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def evaluation_output(
    settings: Settings, pilot: str, render: Render, *, recompute: bool = False
) -> EvaluationOutput:
    """The pilot's output: the stored one when its key is unchanged (unless ``recompute``),
    otherwise computed now and stored for the next time."""
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        return output_with(engine, settings, pilot, render, recompute=recompute)
    finally:
        engine.dispose()


def _key(conn: Connection, settings: Settings, pilot: str) -> tuple[str, str]:
    """The code version now and the key a stored output of ``pilot`` must carry."""
    version_now = code_version()
    return version_now, result_key(conn, settings, pilot, version_now)


def _computed(
    conn: Connection,
    settings: Settings,
    pilot: str,
    render: Render,
    config: PilotConfig | None = None,
) -> tuple[PilotReport, StoredEvaluation]:
    """The pilot's report computed now, and its output as it is stored (render included)."""
    from vis.services.evaluation import evaluate_on

    version_now, key = _key(conn, settings, pilot)
    started = time.perf_counter()
    report = evaluate_on(conn, settings, pilot, config)
    text, json_text = render(report)
    seconds = time.perf_counter() - started
    now = dt.datetime.now(dt.UTC)
    return report, StoredEvaluation(pilot, key, version_now, text, json_text, now, seconds)


def output_with(
    engine: Engine, settings: Settings, pilot: str, render: Render, *, recompute: bool = False
) -> EvaluationOutput:
    """:func:`evaluation_output` on an engine of the caller's."""
    code = settings.municipality.code
    with engine.connect() as conn:
        if not recompute:
            found = stored_evaluation(conn, code, pilot, _key(conn, settings, pilot)[1])
            if found is not None:
                return EvaluationOutput(
                    found.text, found.json, found.computed_at, found.seconds, stored=True
                )
        report, result = _computed(conn, settings, pilot, render)
    keep(engine, code, result)
    return EvaluationOutput(
        result.text, result.json, result.computed_at, result.seconds, stored=False, report=report
    )


def refresh_evaluations(settings: Settings, engine: Engine) -> dict[str, str]:
    """Evaluate every pilot of ``pilots.toml`` whose stored output is out of date (the scheduler
    does it after the daily ingest, so that `vis evaluate` finds it): pilot → ``stored`` (it was
    up to date), ``computed``, or why it failed (one pilot's failure stops no other)."""
    from briefing.evaluation.pilots_file import PilotConfigError
    from vis.errors import VisError
    from vis.reports.evaluation_text import render
    from vis.services.evaluation import pilot_config

    try:
        names = pilot_config(settings).names()
    except PilotConfigError as exc:
        return {"pilots.toml": " ".join(str(exc).split())}
    done: dict[str, str] = {}
    for name in names:
        try:
            output = output_with(engine, settings, name, render)
        except (PilotConfigError, VisError, SQLAlchemyError) as exc:
            done[name] = " ".join(str(exc).split())[:200]
            continue
        done[name] = "stored" if output.stored else "computed"
    return done


def keep(engine: Engine, municipality: str, result: StoredEvaluation) -> bool:
    """Store ``result``; False when the database refuses (read-only, or another process stored
    the same pilot at the same moment): the output is still right, only not kept."""
    try:
        with engine.begin() as conn:
            store_evaluation(conn, municipality, result)
    except SQLAlchemyError:
        return False
    return True


def report_on(
    engine: Engine, settings: Settings, pilot: str, config: PilotConfig | None = None
) -> PilotReport:
    """The pilot's report for the evaluation page, computed now; its output is stored for
    `vis evaluate` under the key of what it was computed on."""
    from vis.reports.evaluation_text import render

    with engine.connect() as conn:
        report, result = _computed(conn, settings, pilot, render, config)
    keep(engine, settings.municipality.code, result)
    return report

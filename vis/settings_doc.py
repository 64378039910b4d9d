"""Generates docs/configuration.md from the settings models: `python -m vis.settings_doc`.

:data:`CONFIG_FILES` lists every TOML file that a typed model reads, with what the shipped file in
``config/`` holds: the defaults, or why not (tests/unit/test_config_files.py checks both).
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from briefing.evaluation.pilots_file import PilotsFile
from vis.app_settings import AppSettings
from vis.areas import GebiedenSettings
from vis.settings import APP_FILE, CONFIG_FILE, GEBIEDEN_FILE, PILOTS_FILE, Settings

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
_INTERNAL = {"config_dir"}


@dataclass(frozen=True)
class ConfigFile:
    """One TOML file read by a typed model (``table``: the model reads only that table)."""

    name: str
    model: type[BaseModel]
    table: str
    about: str
    #: None: the shipped ``config/<name>`` holds exactly the defaults; else why it does not.
    shipped_differs: str | None


CONFIG_FILES = (
    ConfigFile(
        CONFIG_FILE,
        Settings,
        "",
        "The core settings (`config/vis.toml` by default, or `--config`, or `VIS_CONFIG`). "
        "`VIS_DATABASE_URL` overrides `database.url`. Secrets never go in the file: a source "
        "names the environment variable that holds its token (`sources[].token_env`).",
        "it names the police unit's feed (`sources`: there is no default feed), and the "
        "categories come from `categories.toml` (`ingest.categories_file`).",
    ),
    ConfigFile(
        APP_FILE,
        AppSettings,
        "app",
        "The app's settings, in the `[app]` table of `app.toml` beside `vis.toml` (or "
        "`VIS_APP_CONFIG`). A missing file means the defaults.",
        None,
    ),
    ConfigFile(
        GEBIEDEN_FILE,
        GebiedenSettings,
        "",
        "The wijken grouped into gebieden (`gebieden.toml` beside `vis.toml`), for the area scans "
        "and for pilots that name a gebied. A missing file means no gebieden.",
        "the defaults are no gebieden; the shipped file groups Amersfoort's 31 wijken into 9 "
        "gebieden (a plausible grouping, see the file's comments).",
    ),
    ConfigFile(
        PILOTS_FILE,
        PilotsFile,
        "",
        "The pilots to evaluate, the programme's targets and outside figures (`pilots.toml` "
        "beside `vis.toml`; `vis evaluate`, the Evaluatie page). The README's \"Pilot "
        'evaluation" has an example. A missing file is an error for `vis evaluate`.',
        "the defaults are no targets, no outside figures and no pilots; the shipped file holds "
        "Amersfoort's 2017 targets, its outside figures and two pilots.",
    ),
)


def _model_of(info: FieldInfo) -> type[BaseModel] | None:
    ann = info.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    return None


def _list_model_of(info: FieldInfo) -> type[BaseModel] | None:
    args = typing.get_args(info.annotation)
    if typing.get_origin(info.annotation) is list and args:
        item = args[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def iter_fields(
    model: type[BaseModel] = Settings, prefix: str = ""
) -> Iterator[tuple[str, FieldInfo]]:
    """Every key as (dotted name, field), depth first; list tables as ``name[].key``."""
    for name, info in model.model_fields.items():
        if not prefix and name in _INTERNAL:
            continue
        key = f"{prefix}{name}"
        yield key, info
        sub = _model_of(info)
        items = _list_model_of(info)
        if sub is not None:
            yield from iter_fields(sub, key + ".")
        elif items is not None:
            yield from iter_fields(items, key + "[].")


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(table)"
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            return f"({len(value)} tables)"
        return f"`{value!r}`"
    if info.default is PydanticUndefined:
        return "(required)"
    return f"`{info.default!r}`" if info.default != "" else '`""`'


def _type(info: FieldInfo) -> str:
    text = (typing.get_origin(info.annotation) and str(info.annotation)) or getattr(
        info.annotation, "__name__", str(info.annotation)
    )
    return str(text).replace("typing.", "").replace("|", "\\|")


def _file_section(cfg: ConfigFile) -> list[str]:
    shipped = (
        f"The shipped `config/{cfg.name}` differs from the defaults: {cfg.shipped_differs}"
        if cfg.shipped_differs
        else f"The shipped `config/{cfg.name}` holds exactly these defaults."
    )
    prefix = f"{cfg.table}." if cfg.table else ""
    lines = [f"## `{cfg.name}`", "", cfg.about, "", shipped, ""]
    lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, info in iter_fields(cfg.model):
        desc = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{prefix}{key}` | {_type(info)} | {_default(info)} | {desc} |")
    return [*lines, ""]


def render() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from the settings models by `python -m vis.settings_doc`; do not edit by hand.",
        "Every file is TOML, read by a typed model that rejects unknown keys; the files other",
        "than `vis.toml` are found beside it. `rules.toml` (the hotspot rules) is described in",
        "the README.",
        "",
    ]
    for cfg in CONFIG_FILES:
        lines += _file_section(cfg)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

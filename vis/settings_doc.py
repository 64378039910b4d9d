"""Generates docs/configuration.md from the settings models: `python -m vis.settings_doc`."""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from vis.settings import CategorySettings, Settings, ShiftSettings, SourceSettings

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
_LIST_TABLES: dict[str, type[BaseModel]] = {
    "sources": SourceSettings,
    "shifts": ShiftSettings,
    "categories": CategorySettings,
}
_INTERNAL = {"config_dir"}


def _model_of(info: FieldInfo) -> type[BaseModel] | None:
    ann = info.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
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
        if sub is not None:
            yield from iter_fields(sub, key + ".")
        elif name in _LIST_TABLES and not prefix:
            yield from iter_fields(_LIST_TABLES[name], key + "[].")


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


def render() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `vis/settings.py` by `python -m vis.settings_doc`; do not edit by hand.",
        "The file is TOML (`config/vis.toml` by default, or `--config`, or `VIS_CONFIG`).",
        "`VIS_DATABASE_URL` overrides `database.url`. Secrets never go in the file: a source",
        "names the environment variable that holds its token (`sources[].token_env`).",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for key, info in iter_fields():
        desc = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{key}` | {_type(info)} | {_default(info)} | {desc} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Every TOML file read by a typed model (vis.settings_doc.CONFIG_FILES): each key has help text
and a default, unknown keys are refused, the docs are generated from the models, and the shipped
file in config/ holds the defaults or the docs say why not."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from vis.areas import load_gebieden
from vis.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from vis.settings_doc import CONFIG_FILES, DOC_PATH, ConfigFile, iter_fields, render

CONFIG = PROJECT_ROOT / "config"
IDS = [c.name for c in CONFIG_FILES]
#: The top-level keys in which a shipped file may differ from the defaults (see shipped_differs).
SHIPPED_DIFFERENCES = {
    "vis.toml": {"sources", "categories"},
    "gebieden.toml": {"municipality", "grouping", "gebied"},
    "pilots.toml": {"targets", "outside", "pilot"},
}


def _shipped(cfg: ConfigFile) -> BaseModel:
    if cfg.model is Settings:
        return load_settings(CONFIG / cfg.name)
    raw: dict[str, Any] = tomllib.loads((CONFIG / cfg.name).read_text(encoding="utf-8"))
    return cfg.model.model_validate(raw.get(cfg.table, {}) if cfg.table else raw)


def _defaults(cfg: ConfigFile) -> BaseModel:
    if cfg.model is Settings:
        return Settings(config_dir=CONFIG)
    return cfg.model()


@pytest.mark.parametrize("cfg", CONFIG_FILES, ids=IDS)
def test_every_key_has_help_text_and_a_default(cfg: ConfigFile) -> None:
    undocumented = [k for k, info in iter_fields(cfg.model) if not (info.description or "").strip()]
    assert undocumented == []
    # Keys inside a list table ("name[].key") may be required: a table without them means nothing.
    no_default = [
        key
        for key, info in iter_fields(cfg.model)
        if "[]" not in key and info.default is PydanticUndefined and info.default_factory is None
    ]
    assert no_default == []


@pytest.mark.parametrize("cfg", CONFIG_FILES, ids=IDS)
def test_every_key_is_in_the_generated_docs(cfg: ConfigFile) -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    assert doc == render(), "docs/configuration.md is stale: run python -m vis.settings_doc"
    prefix = f"{cfg.table}." if cfg.table else ""
    section = doc.split(f"## `{cfg.name}`", 1)[1].split("\n## ", 1)[0]
    missing = [key for key, _ in iter_fields(cfg.model) if f"`{prefix}{key}`" not in section]
    assert missing == []


@pytest.mark.parametrize("cfg", CONFIG_FILES, ids=IDS)
def test_unknown_keys_are_refused(cfg: ConfigFile) -> None:
    values = _defaults(cfg).model_dump()
    with pytest.raises(ValidationError, match="no_such_key"):
        cfg.model.model_validate({**values, "no_such_key": 1})


@pytest.mark.parametrize("cfg", CONFIG_FILES, ids=IDS)
def test_shipped_file_holds_the_defaults_or_the_docs_say_why_not(cfg: ConfigFile) -> None:
    shipped, defaults = _shipped(cfg).model_dump(), _defaults(cfg).model_dump()
    differing = {k for k in shipped if shipped[k] != defaults[k]}
    if cfg.shipped_differs is None:
        assert differing == set()
    else:
        assert differing == SHIPPED_DIFFERENCES[cfg.name]
        assert f"differs from the defaults: {cfg.shipped_differs}" in DOC_PATH.read_text("utf-8")


def _gebieden_file(tmp_path: Path, text: str) -> Settings:
    (tmp_path / "gebieden.toml").write_text(text, encoding="utf-8")
    return Settings(config_dir=tmp_path)


def test_gebieden_file_with_an_unknown_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    settings = _gebieden_file(tmp_path, '[[gebied]]\nname = "Noord"\nwijk = ["WK030701"]\n')
    with pytest.raises(SettingsError, match=r"gebieden\.toml.*gebied\.0\.wijk"):
        load_gebieden(settings)


def test_a_wijk_in_two_gebieden_is_refused(tmp_path: Path) -> None:
    text = '[[gebied]]\nname = "A"\nwijken = ["WK1"]\n[[gebied]]\nname = "B"\nwijken = ["WK1"]\n'
    with pytest.raises(SettingsError, match="WK1"):
        load_gebieden(_gebieden_file(tmp_path, text))


def test_no_gebieden_file_means_no_gebieden(tmp_path: Path) -> None:
    assert load_gebieden(Settings(config_dir=tmp_path)).gebied == []

"""The settings object: every key documented, defaults valid, lookup order as the contract says."""

from __future__ import annotations

from pathlib import Path

import pytest

from vis.settings import PROJECT_ROOT, Settings, SettingsError, config_path, load_settings
from vis.settings_doc import DOC_PATH, iter_fields, render


def test_every_setting_has_help_text() -> None:
    undocumented = [key for key, info in iter_fields() if not (info.description or "").strip()]
    assert undocumented == []


def test_configuration_doc_is_generated_from_the_current_settings() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run python -m vis.settings_doc"
    )


def test_every_documented_key_appears_in_the_configuration_doc() -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    missing = [key for key, _ in iter_fields() if f"`{key}`" not in doc]
    assert missing == []


def test_amersfoort_defaults_load_and_are_complete() -> None:
    settings = load_settings(PROJECT_ROOT / "config" / "vis.toml")
    assert settings.municipality.code == "GM0307"
    assert settings.geo.crs == "EPSG:28992"
    assert settings.resolve(settings.geo.areas_file).is_file()
    assert {c.key for c in settings.categories} >= {
        "woninginbraak",
        "overlast_jeugd",
        "fietsdiefstal",
    }
    assert [s.name for s in settings.shifts] == ["ochtend", "middag", "avond"]
    assert settings.retention.incident_detail_days == 365


def test_defaults_without_a_file_fall_back_to_sqlite_under_var(monkeypatch) -> None:
    monkeypatch.delenv("VIS_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.database_url() == "sqlite:///var/vis.db"
    assert len(settings.shifts) == 3


def test_vis_config_and_explicit_path_take_precedence(tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "other.toml"
    cfg.write_text('[municipality]\ncode = "GM0344"\nname = "Utrecht"\n')
    monkeypatch.setenv("VIS_CONFIG", str(cfg))
    assert config_path() == cfg
    assert load_settings().municipality.code == "GM0344"
    assert config_path("x.toml") == Path("x.toml")


def test_database_url_comes_from_the_environment_first(tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "db.toml"
    cfg.write_text('[database]\nurl = "sqlite:///from-file.db"\n')
    monkeypatch.delenv("VIS_DATABASE_URL", raising=False)
    assert load_settings(cfg).database_url() == "sqlite:///from-file.db"
    monkeypatch.setenv("VIS_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(cfg).database_url() == "sqlite:///from-env.db"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[municipality]\ncode = 'Amersfoort'\n", "municipality.code"),
        ("[schedule]\ndaily_ingest = '02:30'\n", "02:00-03:00"),
        ("[ingest]\nchunk_rows = 0\n", "ingest.chunk_rows"),
        ("[geo]\nunknown_key = 1\n", "geo.unknown_key"),
        ("[[sources]]\nname = 'x'\nurl = 'https://x/no-template'\n", "vanaf"),
        ("this is not toml", "not valid TOML"),
        ("[ingest]\ncategories_file = 0\n", "ingest.categories_file"),
        ("ingest = 5\n", "ingest"),
    ],
)
def test_invalid_configuration_names_the_problem(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    with pytest.raises(SettingsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_settings(cfg)


def test_missing_configuration_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml")

"""Settings of the Streamlit app: the ``[app]`` table of ``config/app.toml``.

They live beside ``config/vis.toml`` (same folder, found through :func:`vis.settings.config_path`)
so that the app's knobs do not widen the core settings model. Every key has a default and a
description; ``tests/app/test_app_settings.py`` fails when one is missing.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vis.settings import APP_FILE, SettingsError, config_path


class AppSettings(BaseModel):
    """The ``[app]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_language: Literal["nl", "en"] = Field(
        "nl", description="Language of the UI until a user switches it (nl or en)."
    )
    session_timeout_min: int = Field(
        480,
        ge=1,
        description=(
            "Minutes of inactivity after which a desktop session logs out (480: one office "
            "shift; supervisors keep the briefing open beside other work)."
        ),
    )
    download_link_s: float = Field(
        60.0,
        gt=0,
        le=600,
        description="Seconds a download link (one use, one browser) stays valid after its click.",
    )
    tablet_session_timeout_min: int = Field(
        15,
        ge=1,
        description="Minutes of inactivity after which a handhaver's (tablet) session logs out.",
    )
    online_tiles: bool = Field(
        False,
        description="Draw online map tiles under the local basemap; off: no outside requests.",
    )
    tile_style: str = Field(
        "https://api.pdok.nl/kadaster/brt-achtergrondkaart/ogc/v1/styles/standaard__webmercatorquad?f=json",
        description="MapLibre style URL of the basemap, used only when `online_tiles` is on: "
        "PDOK's BRT-Achtergrondkaart (Kadaster, free, no key).",
    )
    route_links: bool = Field(
        True,
        description="On the tablet, a 'Route' button per hotspot that opens the device's maps "
        "app at the hotspot's centre; off where policy forbids handing locations to other apps.",
    )
    route_url: str = Field(
        "geo:{lat},{lon}?q={lat},{lon}",
        description="Link of the 'Route' button; {lat} and {lon} are the hotspot centre (WGS84). "
        "The default geo: URI opens the device's own maps app.",
    )
    max_failed_logins: int = Field(
        5, ge=1, description="Failed logins in a row after which a local account is locked."
    )
    lockout_min: int = Field(15, ge=1, description="Minutes a locked local account stays locked.")
    client_max_failed_logins: int = Field(
        20,
        ge=2,
        description="Failed logins from one client address (IPv6: one /64) after which that "
        "client is locked out; a pause of `client_lockout_min` without failures starts afresh.",
    )
    client_lockout_min: int = Field(
        15, ge=1, description="Minutes a locked-out client address cannot log in at all."
    )
    client_throttle_after: int = Field(
        5,
        ge=1,
        description="Failed logins from one client after which each next attempt waits 1, 2, 4, "
        "… (at most 60) seconds after the previous one.",
    )
    password_min_length: int = Field(
        12, ge=8, description="Minimum length of a local user's password."
    )
    audit_page_size: int = Field(500, ge=10, description="Audit entries shown per page to admins.")
    evaluation_days: int = Field(
        60, ge=1, description="Days of stored briefings the evaluation page looks back over."
    )


def app_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``VIS_APP_CONFIG``, else ``app.toml`` beside the core configuration file."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("VIS_APP_CONFIG", "").strip()
    if env:
        return Path(env)
    return config_path().resolve().parent / APP_FILE


def load_app_settings(path: str | os.PathLike[str] | None = None) -> AppSettings:
    """Read ``[app]``: a missing file gives the defaults, an invalid one a SettingsError."""
    cfg = app_config_path(path)
    if not cfg.exists():
        return AppSettings()
    try:
        raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
        return AppSettings.model_validate(raw.get("app", {}))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{cfg}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"{cfg}: invalid [app] configuration: {problems}") from exc

"""The server's Content-Security-Policy: Streamlit's one inline script by its hash and no other,
no JavaScript eval, and outside origins only for online map tiles when they are on."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import streamlit

from vis.web import content_security_policy, inline_script_hashes, tile_origins


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_the_inline_script_hash_is_that_of_streamlits_bootstrap_line() -> None:
    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    start = html.index("<script>") + len("<script>")
    body = html[start : html.index("</script>", start)]
    assert "prerenderReady" in body
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
    assert inline_script_hashes() == (f"'sha256-{digest}'",)


def test_scripts_come_only_from_the_server_and_the_hashed_line() -> None:
    policy = _directives(content_security_policy())
    assert policy["script-src"] == ["'self'", *inline_script_hashes(), "'wasm-unsafe-eval'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_online_tiles_open_only_their_own_server() -> None:
    style = "https://api.pdok.nl/kadaster/brt-achtergrondkaart/ogc/v1/styles/x?f=json"
    assert tile_origins(False, style) == ()
    origins = tile_origins(True, style)
    assert origins == ("https://api.pdok.nl",)
    policy = _directives(content_security_policy(origins))
    assert policy["connect-src"] == ["'self'", "https://api.pdok.nl"]
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://api.pdok.nl"]
    assert policy["script-src"] == ["'self'", *inline_script_hashes(), "'wasm-unsafe-eval'"]

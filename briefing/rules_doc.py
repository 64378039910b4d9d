"""Generates docs/rules.md from the rule parameter classes and the comments of config/rules.toml:
`python -m briefing.rules_doc`. Each key's help is the comment above it in the shipped file (a test
fails when one is missing), its type and default come from the code (another test keeps the code's
defaults equal to the file)."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from briefing.params import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
RULES_PATH = ROOT / "config" / "rules.toml"
DOC_PATH = ROOT / "docs" / "rules.md"
_KEY = re.compile(r"^([A-Za-z_]+)\s*=")


def key_help(text: str) -> dict[str, str]:
    """``section.key`` → the comment lines right above the key (joined)."""
    out: dict[str, str] = {}
    section = ""
    comment: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        if stripped.startswith("["):
            section = stripped.strip("[]")
            comment = []
            continue
        m = _KEY.match(stripped)
        if m and section in SECTIONS:
            out[f"{section}.{m.group(1)}"] = " ".join(comment)
        comment = []
    return out


def render(text: str) -> str:
    helps = key_help(text)
    lines = [
        "# Hotspot rules (`config/rules.toml`)",
        "",
        "Generated from `briefing/params.py` and the comments of `config/rules.toml` by",
        "`python -m briefing.rules_doc`; do not edit by hand. `[feedback_guard]`, `[weights]`,",
        "`[nouns]` and `[[action]]` are described in the file itself.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            default = f.default
            kind = type(default).__name__
            shown = list(default) if isinstance(default, tuple) else default
            meaning = helps.get(key, "").replace("|", "\\|")
            lines.append(f"| `{key}` | {kind} | `{shown!r}` | {meaning} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render(RULES_PATH.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

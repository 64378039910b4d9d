"""requirements.lock (hash-checked install) and constraints.txt (the pins) say the same: every
locked package carries a hash and the pinned version, every pin but the oidc extra is locked, and
the README's and CI's install commands check the hashes."""

from __future__ import annotations

import re

from vis.settings import PROJECT_ROOT

#: Pinned in constraints.txt for the `oidc` extra, which the tests (and so the lock) leave out.
NOT_LOCKED = {"authlib"}


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", line)
        if found:
            pins[_name(found.group(1))] = found.group(2)
    return pins


def _locked_hashes() -> dict[str, int]:
    text = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
    counts: dict[str, int] = {}
    current = ""
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if found:
            current = _name(found.group(1))
            counts[current] = 0
        elif line.strip().startswith("--hash=sha256:") and current:
            assert re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", line.strip()), line
            counts[current] += 1
    return counts


def test_every_locked_package_has_the_pinned_version_and_a_hash() -> None:
    lock = _pins((PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8"))
    pins = _pins((PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8"))
    assert len(lock) > 50
    assert {n: v for n, v in lock.items() if pins.get(n) != v} == {}
    assert set(pins) - set(lock) == NOT_LOCKED
    assert [n for n, hashes in _locked_hashes().items() if hashes == 0] == []


def test_the_readme_and_ci_install_in_hash_checking_mode() -> None:
    command = (
        ".venv/bin/pip install -q --require-hashes -r requirements.lock && "
        ".venv/bin/pip install -q --no-deps -e . && .venv/bin/pytest"
    )
    assert command in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")

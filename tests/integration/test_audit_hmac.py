"""The audit chain keyed with VIS_AUDIT_KEY (HMAC): deleting a `download` entry and recomputing
the hashes is found by `vis audit verify`; without a key the command says it cannot find that."""

from __future__ import annotations

import datetime as dt

import pytest
from clirun import CliResult, run_vis
from sqlalchemy import Engine, delete, select, update

from vis.db.schema import audit_log
from vis.security import audit
from vis.settings import PROJECT_ROOT

KEY = "k" * 16 + "-geheim-sleutel-voor-audit-0123456789"


def vis(args: list[str], url: str, key: str | None) -> CliResult:
    return run_vis(
        *args,
        env={
            "VIS_DATABASE_URL": url,
            "VIS_CONFIG": str(PROJECT_ROOT / "config/vis.toml"),
            audit.KEY_ENV: key,
        },
    )


def _write(engine: Engine) -> list[int]:
    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    for i, action in enumerate([audit.LOGIN, audit.DOWNLOAD, audit.VIEW, audit.LOGOUT]):
        audit.append(
            engine, action, username="evaluator", target=f"t{i}", at=start.replace(minute=i)
        )
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.id).order_by(audit_log.c.id)).scalars())


def _rewrite_without_download(engine: Engine, key: bytes | None) -> None:
    """What an attacker with write access does: delete the download, recompute every hash."""
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.action == audit.DOWNLOAD))
        prev = audit.GENESIS
        for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).all():
            digest = audit.entry_hash(
                at=row.at,
                username=row.username,
                action=row.action,
                target=row.target,
                detail=row.detail,
                client=row.client,
                prev_hash=prev,
                key=key,
            )
            conn.execute(
                update(audit_log)
                .where(audit_log.c.id == row.id)
                .values(prev_hash=prev, hash=digest)
            )
            prev = digest


def test_with_a_key_a_deleted_download_with_recomputed_hashes_is_found(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(audit.KEY_ENV, KEY)
    ids = _write(engine)
    ok = vis(["audit", "verify"], db_url, KEY)
    assert ok.returncode == 0, ok.stderr
    assert "heel: 4 regels" in ok.stdout and "HMAC met VIS_AUDIT_KEY" in ok.stdout
    _rewrite_without_download(engine, None)  # plain SHA-256, as without the key
    result = vis(["audit", "verify"], db_url, KEY)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"regel {ids[0]}" in line and "niet met de sleutel gemaakt" in line
    _rewrite_without_download(engine, b"een andere sleutel van 32 tekens of meer!!")
    assert vis(["audit", "verify"], db_url, KEY).returncode == 1


def test_without_a_key_the_command_says_a_rewrite_passes(engine: Engine, db_url: str) -> None:
    _write(engine)
    _rewrite_without_download(engine, None)
    result = vis(["audit", "verify"], db_url, None)
    assert result.returncode == 0
    assert "zonder VIS_AUDIT_KEY" in result.stdout and "herberekenen" in result.stdout


def test_seal_keys_an_intact_plain_chain_and_refuses_a_broken_one(
    engine: Engine, db_url: str
) -> None:
    ids = _write(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[1]).values(target="x"))
    refused = vis(["audit", "seal"], db_url, KEY)
    assert refused.returncode == 1 and "niet verzegeld" in refused.stderr
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[1]).values(target="t1"))
    sealed = vis(["audit", "seal"], db_url, KEY)
    assert sealed.returncode == 0, sealed.stderr
    assert vis(["audit", "verify"], db_url, KEY).returncode == 0
    assert vis(["audit", "verify"], db_url, None).returncode == 1  # no longer a plain chain


def test_a_short_key_is_refused_in_one_line(engine: Engine, db_url: str) -> None:
    result = vis(["audit", "verify"], db_url, "kort")
    assert result.returncode == 1
    assert result.stderr.strip() == "vis: VIS_AUDIT_KEY is te kort: minstens 32 tekens"

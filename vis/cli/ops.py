"""Operations commands: `vis backup PATH`, `vis restore PATH`, `vis purge [--dry-run]`,
`vis audit verify`. Each writes an audit entry for what it changed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vis.cli.common import failing_on, login_name
from vis.errors import VisError

if TYPE_CHECKING:
    from vis.settings import Settings

BACKUP = "backup"
RESTORE = "restore"


def operator() -> str:
    """Who runs the command, as the audit log names them."""
    name = login_name()
    return f"cli:{name}" if name else "cli"


def backup_errors() -> tuple[type[Exception], ...]:
    """A backup that cannot be written or restored."""
    from vis.ops.backup import BackupError

    return (BackupError,)


def _audit_if_current(settings: Settings, action: str, target: str, **detail: Any) -> bool:
    """Audit ``action`` when the database is at the current schema version (a backup taken before
    `vis init` migrates, or a restored older backup, has no current audit tables yet)."""
    from vis.db.migrate import current_revision, head_revision
    from vis.security import audit
    from vis.services.engines import build_engine

    engine = build_engine(settings)
    try:
        if current_revision(engine) != head_revision():
            return False
        audit.append(engine, action, username=operator(), target=target, detail=detail or None)
        return True
    finally:
        engine.dispose()


@failing_on(backup_errors)
def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from vis.db.engine import FileAccess
    from vis.ops.backup import backup

    result = backup(
        settings.database_url(),
        Path(args.path),
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        files=FileAccess(settings.security.file_group),
    )
    _audit_if_current(settings, BACKUP, str(result.path), bytes=result.size)
    print(f"backup geschreven: {result.path} ({result.size} bytes; {result.detail})")
    return 0


@failing_on(backup_errors)
def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from vis.db.engine import FileAccess
    from vis.ops.backup import restore

    result = restore(
        settings.database_url(),
        Path(args.path),
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        files=FileAccess(settings.security.file_group),
    )
    current = _audit_if_current(settings, RESTORE, str(Path(args.path).resolve()))
    print(f"teruggezet uit {args.path} ({result.detail})")
    if not current:
        print("de backup heeft een oudere schemaversie: voer nu 'vis init' uit")
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from vis.ops.retention import format_report, purge
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        report = purge(engine, settings, dry_run=args.dry_run, username=operator())
    finally:
        engine.dispose()
    print(format_report(report))
    return 0


def _guarantee(keyed: bool) -> str:
    if keyed:
        return (
            "HMAC met VIS_AUDIT_KEY: wijzigen, weglaten of herberekenen zonder de sleutel valt op"
        )
    return (
        "zonder VIS_AUDIT_KEY: alleen SHA-256, wie de database kan schrijven kan een regel "
        "weglaten en de hashes herberekenen"
    )


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from vis.security.audit import AuditKeyError, verify_chain
    from vis.services.engines import ready_engine

    engine = ready_engine(settings)
    try:
        with engine.connect() as conn:
            check = verify_chain(conn)
    except AuditKeyError as exc:
        raise VisError(str(exc)) from exc
    finally:
        engine.dispose()
    if not check.ok:
        what = {
            "gap": "ontbrekende of ingevoegde regel ervoor",
            "changed": "inhoud gewijzigd"
            + (" of niet met de sleutel gemaakt" if check.keyed else ""),
            "anchor": "bewaartermijn-anker vervalst",
        }
        reason = what.get(check.reason or "", check.reason or "onbekend")
        raise VisError(
            f"auditketen gebroken bij regel {check.first_bad_id}: {reason} "
            f"(na {max(check.entries - 1, 0)} goede regels; {_guarantee(check.keyed)})"
        )
    print(f"auditketen heel: {check.entries} regels ({_guarantee(check.keyed)})")
    return 0


def cmd_audit_seal(settings: Settings, args: argparse.Namespace) -> int:
    from vis.db.engine import WRITE_LOCK
    from vis.security.audit import AuditKeyError, audit_key, seal
    from vis.services.engines import ready_engine

    try:
        key = audit_key()
    except AuditKeyError as exc:
        raise VisError(str(exc)) from exc
    if key is None:
        raise VisError("zet eerst VIS_AUDIT_KEY (minstens 32 tekens) om de keten te verzegelen")
    engine = ready_engine(settings)
    try:
        with engine.connect().execution_options(**{WRITE_LOCK: True}) as conn, conn.begin():
            n = seal(conn, key)
    except AuditKeyError as exc:
        raise VisError(str(exc)) from exc
    finally:
        engine.dispose()
    _audit_if_current(settings, "audit_seal", "audit_log", entries=n)
    print(f"auditketen verzegeld met VIS_AUDIT_KEY: {n} regels")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the operations commands to the `vis` subcommands."""
    p = sub.add_parser("backup", parents=[common], help="consistente kopie van de database")
    p.add_argument("path", help="bestand voor de backup")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="een backup terugzetten")
    p.add_argument("path", help="de backup")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("purge", parents=[common], help="bewaartermijnen nu toepassen")
    p.add_argument("--dry-run", action="store_true", help="alleen tellen, niets wijzigen")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("audit", parents=[common], help="auditlog")
    audit_sub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTIE")
    v = audit_sub.add_parser("verify", parents=[common], help="de hashketen controleren")
    v.set_defaults(func=cmd_audit_verify)
    s = audit_sub.add_parser(
        "seal", parents=[common], help="een bestaande keten eenmalig met VIS_AUDIT_KEY verzegelen"
    )
    s.set_defaults(func=cmd_audit_seal)

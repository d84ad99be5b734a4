"""Restore a backup: verified first, the current database kept first, nothing half done.

SQLite design: the restore writes INTO the live database file with SQLite's backup API
(never by replacing the file), holding SQLite's write lock for the copy, so every other
connection, in this process or another PC session on the same file, reads the restored
register at its next transaction; nobody keeps writing into an unlinked file. A copy of
the current database (verified) is saved first as ``before-restore-…`` in backups/. A
restored file at an older schema revision is upgraded at once, as at start-up.
PostgreSQL: pg_restore --clean --single-transaction of a pg_dump archive.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.domain import backups as rules
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.records import backup_service
from attendance_desktop.services.records.backup_service import BackupFailed, Clock, verify_database

log = logging.getLogger(__name__)


class BadBackup(ServiceError):
    """The chosen file is not a backup that can be restored; nothing was changed."""


@dataclass(frozen=True, slots=True)
class RestoreResult:
    restored_from: Path
    kept_copy: Path  # the database as it was, before the restore
    upgraded_from: str | None = None  # the restored file's revision, if it was upgraded


def restore(paths: AppPaths, engine: Engine, file: Path, actor: Actor, *,
            clock: Clock | None = None,
            token: CancelToken | None = None) -> Generator[Progress, None, RestoreResult]:
    """Verify `file`, keep a verified copy of the current database, then restore."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can restore a backup")
    file = Path(file)
    yield Progress(0, 4, "Checking the backup…")
    checked = verify_database(file)
    if not checked.ok:
        raise BadBackup(f"{file} cannot be restored: {checked.summary()}")
    is_pg = paths.sqlite_file is None
    if checked.postgres != is_pg:
        raise BadBackup(f"{file} is a {'PostgreSQL' if checked.postgres else 'SQLite'} "
                        f"backup; this database is {'PostgreSQL' if is_pg else 'SQLite'}")
    yield Progress(1, 4, "Keeping a copy of the current database…")
    kept = backup_service.run_job(backup_service.make_backup(
        paths, engine, kind=rules.BEFORE_RESTORE, clock=clock, token=token))
    assert isinstance(kept, backup_service.BackupResult)
    if kept.path is None:
        raise BackupFailed("no copy of the current database could be kept (pg_dump is "
                           "missing), so nothing was restored")
    (token or CancelToken()).check()  # the last moment Cancel can stop it
    yield Progress(2, 4, "Restoring…")
    if is_pg:
        _pg_restore(paths, file)
    else:
        assert paths.sqlite_file is not None
        _sqlite_restore(file, paths.sqlite_file)
    log.info("restored %s (the database as it was is in %s)", file, kept.path)
    yield Progress(3, 4, "Bringing the schema up to date…")
    engine.dispose()  # pooled connections of this process start afresh
    upgraded = None
    if checked.revision is not None and checked.revision != migrate.head_revision():
        migrate.upgrade(engine, backup_dir=paths.backup_dir, pg_dump=paths.pg_dump)
        upgraded = checked.revision
    yield Progress(4, 4, "Done")
    return RestoreResult(file, kept.path, upgraded)


def _sqlite_restore(file: Path, db_file: Path) -> None:
    src = sqlite3.connect(f"{file.resolve().as_uri()}?immutable=1", uri=True)
    dest = sqlite3.connect(db_file, timeout=30)
    try:
        # One step: the live file is never left half restored; SQLite's write lock keeps
        # other connections out for the copy, and they see the result when it commits.
        src.backup(dest, pages=-1)
        if dest.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            dest.execute("PRAGMA journal_mode=WAL")
        rows = dest.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:  # would mean a disk fault during the copy
            raise BackupFailed(f"the restored database failed its check ({rows[0][0]}); "
                               "restore the before-restore copy")
    except sqlite3.Error as exc:
        raise BackupFailed(f"the restore could not write the database ({exc}); it is as "
                           "it was") from exc
    finally:
        dest.close()
        src.close()


def _pg_restore(paths: AppPaths, file: Path) -> None:
    program = shutil.which("pg_restore")
    if program is None:
        raise BackupFailed("pg_restore is not installed on this PC: ask IT to restore the "
                           f"dump {file} on the server")
    env = migrate.libpq_env(paths.url)
    done = subprocess.run([program, "--clean", "--if-exists", "--no-owner",
                           "--single-transaction", "--no-password",
                           f"--dbname={env.get('PGDATABASE', '')}", str(file)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"pg_restore failed, nothing was changed: "
                           f"{backup_service.first_line(done.stderr)}")

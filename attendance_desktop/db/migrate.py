"""Bring a database to the current schema with Alembic: all or nothing, one process at a time.

SQLite: the whole upgrade is ONE transaction opened with BEGIN IMMEDIATE on a connection
whose pysqlite transaction handling is switched off (SQLite DDL is transactional), so a
failing revision leaves the file exactly as it was, and a second process starting at the
same moment waits for the write lock and then finds the work done. Foreign keys are off
while tables are rebuilt (SQLite's documented recipe) and checked before COMMIT.
PostgreSQL: DDL is transactional too; pg_advisory_xact_lock serialises the processes.
Both re-read the revision once they hold the lock.

An existing database is copied first: VACUUM INTO a bound file name (SQLite), pg_dump
(PostgreSQL, when the program is available; otherwise a note says no dump was taken).
Nothing here pastes a path or URL into SQL or into Alembic's ini parser.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.engine import URL, Connection, Engine

from attendance_desktop import __version__
from attendance_desktop.db.models import AppMeta
from attendance_desktop.db.shipped import shipped_head_in

if TYPE_CHECKING:  # Alembic is imported only when a migration is due (start-up time)
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# One key for every copy of the app: only one process upgrades a database at a time.
PG_LOCK_KEY = 4_175_616_474_930_211_626
WRITTEN_BY = "schema_written_by"  # AppMeta key: the app version that last upgraded

Notify = Callable[[str], None]
Seed = Callable[[Connection], None]


class MigrationProblem(Exception):
    """A reason the schema could not be brought up to date (services explain it)."""


class UnknownRevision(MigrationProblem):
    """The database is at a revision this copy of the app does not know: a newer app
    upgraded it."""

    def __init__(self, revision: str, head: str | None, written_by: str | None) -> None:
        super().__init__(f"database revision {revision} is unknown (head {head}); "
                         f"last upgraded by app version {written_by or 'unknown'}")
        self.revision = revision
        self.head = head
        self.written_by = written_by


class ForeignDatabase(MigrationProblem):
    """Tables but no schema revision: the database belongs to something else."""


class UpgradeFailed(MigrationProblem):
    """A revision failed; the transaction was rolled back. The cause is chained."""

    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(f"upgrade from {current or 'empty'} to {head} failed")
        self.current = current
        self.head = head


class BackupError(MigrationProblem):
    """The copy before an upgrade failed, so the upgrade was not started."""


def script_directory(script_location: Path | None = None) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(script_location or MIGRATIONS))


def shipped_head() -> str | None:
    """The newest revision shipped with this copy, read from the version files' text.

    Alembic takes a good part of a second to import and to load every revision, so an
    up-to-date database (the usual start) is recognised without it. None when the files
    do not show one clear head (then Alembic decides)."""
    return shipped_head_in(MIGRATIONS)


def _stored_revision(conn: Connection) -> str | None:
    """The database's revision without Alembic (its one-row version table)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    return str(rows[0][0]) if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision(conn)


def head_revision(engine: Engine | None = None,
                  script_location: Path | None = None) -> str | None:
    """The newest revision this copy of the app knows (engine kept for old callers)."""
    return script_directory(script_location).get_current_head()


def written_by(engine: Engine) -> str | None:
    """The app version that last upgraded this database, if recorded."""
    with engine.connect() as conn:
        return _written_by(conn)


def upgrade(engine: Engine, backup_dir: Path | None = None,
            script_location: Path | None = None, *, pg_dump: str = "",
            wait_seconds: float = 10.0, notify: Notify | None = None,
            seed: Seed | None = None, app_version: str = __version__) -> Path | None:
    """Upgrade to head, all or nothing. An existing database is copied to backup_dir first.

    Returns the path of the copy, if one was made. pg_dump: "" finds it on PATH, "off"
    skips the dump, anything else is the program to run. notify receives plain notes for
    the user (e.g. that no dump could be taken). seed(conn) runs in the upgrade's
    transaction, under its lock, after the schema changes (first rows of a new database),
    so two processes starting together cannot both add them.
    """
    if script_location is None:  # the usual case: up to date, known without Alembic
        head = shipped_head()
        if head is not None:
            with engine.connect() as conn:
                if _stored_revision(conn) == head:
                    return None
    script = script_directory(script_location)
    head = script.get_current_head()
    with engine.connect() as conn:  # without taking any lock
        current = _revision(conn)
        if current == head:
            return None
        if current is not None:  # a newer app's revision: say so before any lock or copy
            _check_known(conn, script, current, head)
        # No revision: "tables but no revision" is only decided under the lock, because
        # another process may commit the first migration between these two reads.
    say = notify or (lambda _text: None)
    if engine.dialect.name == "sqlite":
        return _upgrade_sqlite(engine, script, head, backup_dir, app_version, seed)
    if engine.dialect.name == "postgresql":
        return _upgrade_postgres(engine, script, head, backup_dir, app_version, seed,
                                 pg_dump=pg_dump, wait_seconds=wait_seconds, notify=say)
    with engine.connect() as conn, conn.begin():
        _migrate_locked(conn, script, head, app_version, seed, copy=lambda _rev: None)
    return None


# --- SQLite --------------------------------------------------------------------------


def _upgrade_sqlite(engine: Engine, script: ScriptDirectory, head: str | None,
                    backup_dir: Path | None, app_version: str,
                    seed: Seed | None) -> Path | None:
    db_file = engine.url.database
    with engine.connect() as conn:
        # pysqlite must not open or commit transactions of its own: we issue BEGIN
        # IMMEDIATE / COMMIT / ROLLBACK ourselves so that the whole upgrade is one.
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
        conn.commit()  # ends SQLAlchemy's autobegun marker; nothing at the DBAPI level
        try:
            # The SQLAlchemy-level transaction tells Alembic one is already open (so it
            # opens none per revision); at the DBAPI level it is only a marker.
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits for the write lock
                try:
                    def copy(current: str) -> Path | None:
                        if backup_dir is None or not db_file or db_file == ":memory:":
                            return None
                        return _sqlite_copy(db_file, current, backup_dir)

                    made = _migrate_locked(conn, script, head, app_version, seed, copy)
                    conn.exec_driver_sql("COMMIT")
                except BaseException:
                    if _sqlite_in_transaction(conn):  # SQLite may have rolled back already
                        conn.exec_driver_sql("ROLLBACK")
                    raise
        finally:
            if not conn.invalidated:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    return made


def _sqlite_in_transaction(conn: Connection) -> bool:
    raw: Any = conn.connection.driver_connection
    return bool(raw is not None and raw.in_transaction)


def _sqlite_copy(db_file: str, current: str, backup_dir: Path) -> Path:
    """A consistent copy even with WAL; taken on a second connection while the upgrade
    holds the write lock, so exactly one process copies."""
    target: Path | None = None
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        target = _unique(backup_dir, f"before-migration-{current}", ".sqlite3")
        source = sqlite3.connect(db_file)
        try:
            source.execute("VACUUM INTO ?", (str(target),))  # bound: any file name works
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        if target is not None:
            target.unlink(missing_ok=True)  # never leave half a copy that looks whole
        raise BackupError(f"could not copy the database to {backup_dir}") from exc
    log.info("copied the database (revision %s) to %s before upgrading it", current, target)
    return target


# --- PostgreSQL ----------------------------------------------------------------------


def _upgrade_postgres(engine: Engine, script: ScriptDirectory, head: str | None,
                      backup_dir: Path | None, app_version: str, seed: Seed | None,
                      *, pg_dump: str,
                      wait_seconds: float, notify: Notify) -> Path | None:
    def copy(current: str) -> Path | None:
        if backup_dir is None:
            return None
        return _pg_dump(engine.url, current, backup_dir, pg_dump, notify)

    with engine.connect() as conn, conn.begin():
        # Waiting longer than the wait (for the lock or, later, for a table another PC
        # is reading) fails with lock_not_available, reported as "busy".
        conn.execute(select(func.set_config("lock_timeout",
                                            f"{int(wait_seconds * 1000)}ms", True)))
        conn.execute(select(func.pg_advisory_xact_lock(PG_LOCK_KEY)))
        return _migrate_locked(conn, script, head, app_version, seed, copy)


_LIBPQ_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
              "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "host": "PGHOST",
              "port": "PGPORT", "options": "PGOPTIONS"}


def libpq_env(url: URL) -> dict[str, str]:
    """The environment for pg_dump / pg_restore to reach the database at `url`."""
    env = dict(os.environ)
    # Connection details through libpq's environment: the password never appears on a
    # command line (visible to every user of the PC) nor in a file we write.
    for key, name in _LIBPQ_ENV.items():
        value = url.query.get(key)
        if isinstance(value, str):
            env[name] = value
    for name, part in (("PGHOST", url.host), ("PGPORT", url.port),
                       ("PGUSER", url.username), ("PGPASSWORD", url.password),
                       ("PGDATABASE", url.database)):
        if part is not None:
            env[name] = str(part)
    return env


def _pg_dump(url: URL, current: str, backup_dir: Path, pg_dump: str,
             notify: Notify) -> Path | None:
    if pg_dump.lower() == "off":
        note = ("no pg_dump copy was taken before upgrading the database "
                "(ATTENDANCE_PG_DUMP=off)")
        log.warning(note)
        notify(note)
        return None
    program = pg_dump or shutil.which("pg_dump")
    if not program:
        note = ("pg_dump was not found, so no copy of the database was taken before "
                "upgrading it: install the PostgreSQL client tools or set "
                "ATTENDANCE_PG_DUMP to pg_dump's path")
        log.warning(note)
        notify(note)
        return None
    env = libpq_env(url)
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        target = _unique(backup_dir, f"before-migration-{current}", ".dump")
        done = subprocess.run([program, "--format=custom", "--no-password",
                               f"--file={target}"],
                              env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"could not run pg_dump ({program})") from exc
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        first = next((line for line in done.stderr.splitlines() if line.strip()), "")
        raise BackupError(f"pg_dump failed: {first.strip()}")
    log.info("dumped the database (revision %s) to %s before upgrading it", current, target)
    return target


# --- shared ----------------------------------------------------------------------------


def _migrate_locked(conn: Connection, script: ScriptDirectory, head: str | None,
                    app_version: str, seed: Seed | None,
                    copy: Callable[[str], Path | None]) -> Path | None:
    """Holding the lock: re-check, copy, upgrade, record the app version, seed.
    The caller commits."""
    current = _revision(conn)
    if current == head:
        log.info("the database is already at revision %s (another process upgraded it)",
                 head)
        return None
    _check_known(conn, script, current, head)
    made = copy(current) if current is not None else None
    log.info("upgrading the database schema from revision %s to %s",
             current or "(new database)", head)
    try:
        _run_alembic(conn, script)
        if conn.dialect.name == "sqlite":  # foreign keys were off while tables were rebuilt
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise RuntimeError(f"foreign key check failed in {sorted({r[0] for r in bad})}")
    except Exception as exc:
        raise UpgradeFailed(current, head) from exc
    _record_version(conn, app_version)
    if seed is not None:
        seed(conn)
    log.info("the database schema is at revision %s (app version %s)", head, app_version)
    return made


def _run_alembic(conn: Connection, script: ScriptDirectory) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    cfg = Config()  # empty: no URL or path goes through its ini parser
    cfg.attributes["connection"] = conn

    def steps(rev: Any, _context: Any) -> Iterable[Any]:
        return script._upgrade_revs("head", rev)  # what alembic.command.upgrade does

    with EnvironmentContext(cfg, script, fn=steps, destination_rev="head"):
        script.run_env()


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _check_known(conn: Connection, script: ScriptDirectory, current: str | None,
                 head: str | None) -> None:
    from alembic.util import CommandError

    if current is None:
        tables = set(inspect(conn).get_table_names())
        if tables:
            raise ForeignDatabase(f"{len(tables)} tables but no schema revision")
        return
    try:
        known = script.get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise UnknownRevision(current, head, _written_by(conn))


def _written_by(conn: Connection) -> str | None:
    if not inspect(conn).has_table(str(AppMeta.__tablename__)):
        return None
    table = AppMeta.__table__  # type: ignore[attr-defined]
    value = conn.execute(select(table.c.value).where(table.c.key == WRITTEN_BY)).scalar()
    return None if value is None else str(value)


def _record_version(conn: Connection, app_version: str) -> None:
    if not inspect(conn).has_table(str(AppMeta.__tablename__)):
        return
    table = AppMeta.__table__  # type: ignore[attr-defined]
    conn.execute(delete(table).where(table.c.key == WRITTEN_BY))
    conn.execute(insert(table).values(key=WRITTEN_BY, value=app_version))


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{stem}-{stamp}{suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{stamp}-{n}{suffix}"
    return target

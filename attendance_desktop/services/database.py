"""Open (and if new, create) the school's database at the current schema.

Every fault on the way is turned into a StartupError subclass whose text is one plain
line for the person at the PC (what is wrong, what to do); the original exception stays
chained for the log.
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from sqlmodel import Session, select

from attendance_desktop import APP_NAME, __version__
from attendance_desktop.config import locations
from attendance_desktop.config.paths import PASSWORD_ENV, WAIT_ENV, AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import School
from attendance_desktop.services.errors import (
    BackupFailed,
    BadSetting,
    DatabaseBusy,
    DatabaseDriverMissing,
    DatabaseLoginFailed,
    DatabaseTooNew,
    DatabaseUnavailable,
    DataFolderProblem,
    DiskFull,
    MigrationFailed,
    NotADatabase,
    StartupError,
)
from attendance_desktop.services.school import policy_service

log = logging.getLogger(__name__)

DEFAULT_SCHOOL_NAME = "New school"


def open_database(paths: AppPaths, notify: Callable[[str], None] | None = None) -> Engine:
    """Create the data folder and database if needed, migrate it, make sure a school exists.

    notify receives notes worth showing (e.g. that no pg_dump copy could be taken).
    Raises a StartupError subclass for every fault it can explain.
    """
    engine: Engine | None = None
    try:
        if paths.sqlite_file is not None:
            _prepare_folder(paths.data_dir, paths.sqlite_file)
        engine = make_engine(paths.url, wait_seconds=paths.wait_seconds)
        migrate.upgrade(engine, backup_dir=paths.backup_dir, pg_dump=paths.pg_dump,
                        wait_seconds=paths.wait_seconds, notify=notify, seed=_seed)
        with session_scope(engine) as s:  # normally done by _seed already
            _ensure_school(s)
        return engine
    except Exception as exc:
        if engine is not None:
            engine.dispose()
        if isinstance(exc, StartupError):
            raise
        problem = explain(exc, paths)
        if problem is None:
            raise
        raise problem from exc


def _seed(conn: Connection) -> None:
    """The first rows, inside the upgrade's transaction and lock."""
    with Session(bind=conn) as s:  # joins the open transaction; never commits it
        _ensure_school(s)
        s.flush()


def _ensure_school(s: Session) -> None:
    if s.exec(select(School)).first() is None:
        s.add(School(name=DEFAULT_SCHOOL_NAME))
        policy_service.write_defaults(s)


def _prepare_folder(folder: Path, db_file: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise DataFolderProblem(f"The data folder {folder} is a file, not a folder: move the "
                                "file away or choose another folder with --data-dir")
    # private (0700/0600 on POSIX); the database file is created 0600 there too
    locations.prepare_data_dir(folder, db_file)
    # A real write, not os.access: Windows ACLs and read-only mounts fool os.access.
    with tempfile.TemporaryFile(dir=folder, prefix=".write-test-"):
        pass


# --- explaining faults -----------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def explain(exc: BaseException, paths: AppPaths) -> StartupError | None:
    """The StartupError for a fault met while opening the database, or None if unknown."""
    chain = list(_chain(exc))
    # The root faults (disk, folder, lock, server) matter more than where they surfaced.
    for fault in chain:
        found = _explain_one(fault, paths)
        if found is not None:
            return found
    for fault in chain:
        if isinstance(fault, migrate.UnknownRevision):
            return _too_new(fault)
        if isinstance(fault, migrate.ForeignDatabase):
            return NotADatabase(f"{_where(paths)} is not an {APP_NAME} database (it holds "
                                "other tables): choose another data folder or database")
        if isinstance(fault, migrate.BackupError):
            what = str(fault)
            return BackupFailed(f"{what[:1].upper()}{what[1:]} ({_first_line(fault.__cause__)})"
                                ", so the database was not upgraded and is unchanged: fix "
                                "that and start again")
        if isinstance(fault, migrate.UpgradeFailed):
            return MigrationFailed(
                f"Upgrading the database from revision {fault.current or '(new)'} to "
                f"{fault.head} failed ({_first_line(fault.__cause__)}); it was left exactly "
                f"as it was: keep using the previous version of {APP_NAME} and report this")
    return None


def _explain_one(fault: BaseException, paths: AppPaths) -> StartupError | None:
    if isinstance(fault, ImportError) and (fault.name or "").split(".")[0] == "psycopg":
        return DatabaseDriverMissing(
            "The PostgreSQL driver (psycopg) is not installed: install it with "
            "pip install 'attendance-desktop[postgres]', or use a SQLite data folder")
    if isinstance(fault, NoSuchModuleError):
        return BadSetting(f"The database URL {paths.db_url} names a kind of database this "
                          "app cannot use: use postgresql+psycopg://… or a data folder")
    if isinstance(fault, OSError):
        return _explain_os(fault, paths)
    if isinstance(fault, sqlite3.Error):  # e.g. the copy, made on a plain sqlite3 connection
        return _explain_sqlite(fault, paths)
    if isinstance(fault, DBAPIError) and fault.orig is not None:
        orig = fault.orig
        if isinstance(orig, sqlite3.Error):
            return _explain_sqlite(orig, paths)
        if type(orig).__module__.startswith("psycopg"):
            return _explain_postgres(orig, paths)
    return None


def _explain_os(fault: OSError, paths: AppPaths) -> StartupError | None:
    where = paths.data_dir
    if isinstance(fault.filename, str) and not Path(fault.filename).is_relative_to(where):
        where = Path(fault.filename).parent
    if fault.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return _disk_full(paths)
    if fault.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DataFolderProblem(f"{APP_NAME} cannot write in {where}: ask IT to give your "
                                 "account permission to change that folder, or choose "
                                 "another with --data-dir")
    if fault.errno in (errno.ENOTDIR, errno.EEXIST):
        return DataFolderProblem(f"The data folder {paths.data_dir} cannot be made because "
                                 "part of its path is a file: move the file away or choose "
                                 "another folder with --data-dir")
    return None


# SQLite result codes (primary; the extended code's low byte).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


def _explain_sqlite(fault: sqlite3.Error, paths: AppPaths) -> StartupError | None:
    code = getattr(fault, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    file = paths.sqlite_file or paths.data_dir
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseBusy(
            f"The database {file} was busy: another program kept it locked for more than "
            f"{paths.wait_seconds:g} seconds; try again in a minute (or set {WAIT_ENV} to "
            "wait longer)")
    if primary == _SQLITE_FULL:
        return _disk_full(paths)
    if primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return NotADatabase(
            f"{file} is damaged or is not an {APP_NAME} database: restore the latest copy "
            f"from {paths.backup_dir} or your backups, or choose another data folder")
    if primary == _SQLITE_READONLY:
        return DataFolderProblem(
            f"{APP_NAME} cannot write to the database {file}: ask IT to give your account "
            "permission to change it and its folder")
    if primary == _SQLITE_CANTOPEN:
        return DataFolderProblem(
            f"{APP_NAME} cannot open or create the database {file}: check the folder "
            "exists and your account may write in it, or choose another with --data-dir")
    if primary == _SQLITE_IOERR:
        if _free_bytes(paths.data_dir) < 1 << 20:
            return _disk_full(paths)
        return DataFolderProblem(
            f"A disk error stopped {APP_NAME} reading or writing {file}: check the disk "
            "or network drive, then try again")
    return None


def _explain_postgres(fault: BaseException, paths: AppPaths) -> StartupError | None:
    state = getattr(fault, "sqlstate", None) or ""
    text = str(fault)
    low = text.lower()
    url = paths.url
    server = f"{url.host or 'localhost'}" + (f":{url.port}" if url.port else "")
    if state in ("28P01", "28000") or "password authentication failed" in low \
            or "no password supplied" in low or "authentication failed" in low:
        return DatabaseLoginFailed(
            f"The PostgreSQL server {server} refused user '{url.username or ''}' (wrong or "
            f"missing password): check the user name and the password (in the URL, "
            f"{PASSWORD_ENV} or the pgpass file)")
    if state == "3D000" or ("database" in low and "does not exist" in low):
        return DatabaseUnavailable(
            f"The PostgreSQL server {server} has no database '{url.database}': ask IT to "
            "create it, or correct the name in the database URL")
    if state in ("55P03", "57014"):
        return DatabaseBusy(
            f"The database on {server} was busy: another PC kept it locked for more than "
            f"{paths.wait_seconds:g} seconds; try again in a minute (or set {WAIT_ENV} to "
            "wait longer)")
    if state in ("53100",):
        return DiskFull(f"The PostgreSQL server {server} has run out of disk space: ask IT "
                        "to free some space, then try again")
    unknown_host = "translate host name" in low or "resolve host" in low
    if "connection" in low or unknown_host or "timeout" in low or "server closed" in low:
        reason = ("refused the connection" if "refused" in low
                  else "did not answer in time" if "timeout" in low
                  else "is not a name this PC can find" if unknown_host
                  else "cannot be reached")
        return DatabaseUnavailable(
            f"The PostgreSQL server {server} {reason}: check that it is running and that "
            "this PC can reach it over the network, then try again")
    return None


def _disk_full(paths: AppPaths) -> DiskFull:
    where = paths.data_dir if paths.sqlite_file is not None else paths.backup_dir
    return DiskFull(f"The disk holding {where} is full: free some space (or ask IT to), "
                    "then start again; nothing was changed")


def _too_new(fault: migrate.UnknownRevision) -> DatabaseTooNew:
    by = f"version {fault.written_by} of {APP_NAME}" if fault.written_by \
        else f"a newer version of {APP_NAME}"
    return DatabaseTooNew(
        f"This database was upgraded by {by} (schema revision {fault.revision}); this is "
        f"version {__version__} (revision {fault.head}): install the newer version on "
        "this PC")


def _where(paths: AppPaths) -> str:
    return str(paths.sqlite_file) if paths.sqlite_file is not None else paths.db_url


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


def _first_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown cause"
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__

"""Backups that count only once verified, and restores that keep what they replace.

SQLite: SQLite's online backup API copies the live database a few pages at a time
(releasing its lock between steps, so the app's writers are not starved) into a private
temp file in the target folder; the copy is made a self-contained single file
(journal_mode=DELETE), verified (`verify_database`), fsynced and only then renamed into
place with os.replace.
A kill at any moment leaves either no new file or a whole verified one, and the earlier
backups untouched. The verified file is copied (and verified again) into the school's
second folder, and both folders are rotated (domain.backups).

Restore: the chosen file is verified, the current database is backed up as
``before-restore-…`` (verified), then the backup API writes the chosen copy INTO the live
database file under SQLite's own lock, so every connection that has it open, in this
process or another, reads the restored register at its next transaction; a database
left at an older schema revision is then upgraded as at start-up.

PostgreSQL: pg_dump (custom format) into the backups folder when the program is there
(pg_restore --list verifies it); otherwise a plain statement of what IT must do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from attendance_desktop import __version__
from attendance_desktop.config.paths import AppPaths
from attendance_desktop.db import migrate
from attendance_desktop.domain import backups as rules
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services import clock as app_clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import at_rest
from attendance_desktop.services.records import backup_store as store

log = logging.getLogger(__name__)

PAGES_PER_STEP = 256  # 1 MiB at SQLite's default page size
STEP_SLEEP = 0.005  # seconds to wait after a step that found the database busy
MAX_RESTARTS = 3  # a writer in another process restarts a paged copy; then copy in one go
Clock = Callable[[], dt.datetime]
Job = Generator[Progress, None, "BackupResult"]


class BackupFailed(ServiceError):
    """No backup was made; the reason is for the user, the cause chained for the log."""


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    path: Path
    problems: tuple[str, ...]
    revision: str | None = None
    postgres: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return "OK" if self.ok else "; ".join(self.problems)


# Further checks of a SQLite file: each returns problems (empty = fine). The tamper-evident
# chains (issue 13 point 1) plug in here: a module services.integrity_service with
# verify_file(path) -> Iterable[str] is called when it exists.
EXTRA_CHECKS: list[Callable[[Path], Iterable[str]]] = []
_SQLITE_MAGIC = b"SQLite format 3\x00"


def verify_database(path: Path) -> VerifyResult:
    """Check a backup file without changing it: a SQLite database whose integrity and
    foreign key checks pass, at a schema revision this app knows; or a pg_dump archive
    pg_restore can read."""
    path = Path(path)
    if path.suffix == ".dump":
        return _verify_dump(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(16)
    except OSError as exc:
        return VerifyResult(path, (f"cannot read {path}: {exc.strerror or exc}",))
    if magic != _SQLITE_MAGIC:
        return VerifyResult(path, (f"{path.name} is not a SQLite database",))
    problems: list[str] = []
    revision: str | None = None
    try:
        # immutable: no lock, no -wal/-shm beside the file, nothing written.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check(20)").fetchall()
            if [r[0] for r in rows] != ["ok"]:
                problems += [f"integrity: {r[0]}" for r in rows]
            bad = conn.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                problems.append(f"foreign keys: {len(bad)} broken references in "
                                f"{', '.join(sorted({str(r[0]) for r in bad}))}")
            revision = _revision_of(conn, problems)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        problems.append(f"{path.name} cannot be read as a database ({exc})")
    if not problems:
        for check in _extra_checks():
            problems += list(check(path))
    return VerifyResult(path, tuple(problems), revision)


def verify_and_record(path: Path, when: dt.datetime) -> VerifyResult:
    """Verify a backup and note the result beside it (Settings > Backups lists it)."""
    result = verify_database(path)
    if rules.parse_name(path.name) is not None:
        try:
            store.record(path.parent, path.name, ok=result.ok, problems=result.problems,
                         when=when)
        except OSError as exc:  # a read-only stick: the result is still shown
            log.warning("could not note the check of %s: %s", path, exc)
    return result


def _revision_of(conn: sqlite3.Connection, problems: list[str]) -> str | None:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        problems.append("not an Attendance Desktop database (no schema revision)")
        return None
    revision = str(rows[0][0]) if rows else None
    script = migrate.script_directory()
    try:
        known = revision is not None and script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown ids
        known = False
    if not known:
        problems.append(f"schema revision {revision} is unknown to this app (version "
                        f"{__version__}); a newer app made it")
    return revision


def _extra_checks() -> list[Callable[[Path], Iterable[str]]]:
    checks = list(EXTRA_CHECKS)
    try:
        module = importlib.import_module("attendance_desktop.services.register.integrity_service")
    except ImportError:
        return checks
    verify_file = getattr(module, "verify_file", None)
    if callable(verify_file):
        checks.append(verify_file)
    return checks


def _verify_dump(path: Path) -> VerifyResult:
    program = shutil.which("pg_restore")
    if program is None:
        return VerifyResult(path, ("pg_restore is not installed, so this dump cannot be "
                                   "checked here",), postgres=True)
    done = subprocess.run([program, "--list", str(path)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        return VerifyResult(path, (f"not a readable pg_dump archive: "
                                   f"{first_line(done.stderr)}",), postgres=True)
    return VerifyResult(path, (), postgres=True)


# --- what changed -------------------------------------------------------------------------


def fingerprint(paths: AppPaths, engine: Engine) -> str:
    """Cheap: changes whenever the database may have changed. SQLite: size and mtime of
    the file and its WAL (a checkpoint after the last backup costs one spare backup);
    PostgreSQL: the server's counts of rows written to our tables."""
    db = paths.sqlite_file
    if db is not None:
        parts = []
        for f in (db, db.with_name(db.name + "-wal")):
            with contextlib.suppress(FileNotFoundError):
                st = f.stat()
                if st.st_size:
                    parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        return "sqlite:" + "/".join(parts)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
                              "FROM pg_stat_user_tables")).scalar()
    return f"pg:{n}"


# --- making a backup ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path | None  # the verified file (None: PostgreSQL without pg_dump)
    second_copy: Path | None = None
    second_problem: str | None = None
    removed: tuple[Path, ...] = ()
    note: str = ""  # e.g. what the school must do without pg_dump


PG_NO_DUMP = ("pg_dump is not installed on this PC, so the app cannot back up the "
              "PostgreSQL database: ask IT to back it up on the server (pg_dump or the "
              "server's own backups, every night, kept off the server), or install the "
              "PostgreSQL client tools here.")


def make_backup(paths: AppPaths, engine: Engine, *, to: Path | None = None,
                kind: str = rules.REGULAR, clock: Clock | None = None,
                token: CancelToken | None = None, pages: int = PAGES_PER_STEP,
                sleep: float = STEP_SLEEP) -> Job:
    """Back up to `to` (default: the data folder's backups/); a regular backup into the
    data folder is also copied to the second folder, and both folders are rotated."""
    token = token or CancelToken()
    settings = store.load_settings(engine)
    folder = Path(to) if to is not None else paths.backup_dir
    main = to is None and kind == rules.REGULAR
    yield Progress(0, 4, "Copying the database…")
    before = fingerprint(paths, engine)  # taken before the copy: later changes count later
    now = clock() if clock is not None else app_clock.now(engine)
    if paths.sqlite_file is None:
        made = _pg_backup(paths, folder, kind, now)
        if made is None:
            return BackupResult(None, note=PG_NO_DUMP)
    else:
        made = _sqlite_backup(paths.sqlite_file, folder, kind, now, token, pages, sleep)
    store.record(folder, made.name, ok=True, fingerprint=before if main else "", when=now)
    log.info("backup %s made and verified", made)
    if not main:
        return BackupResult(made)
    yield Progress(2, 4, "Copying to the second folder…")
    second, problem = copy_to_second(made, settings, now)
    yield Progress(3, 4, "Removing old backups…")
    removed = store.rotate(folder, settings, now)
    if second is not None:
        removed += store.rotate(second.parent, settings, now)
    folders = [("The data folder", paths.data_dir)]
    if settings.second_folder and problem is None:
        folders.append(("The second backup folder", Path(settings.second_folder)))
    store.store_at_rest_notes(paths, at_rest.warnings_for(folders), now)
    yield Progress(4, 4, "Done")
    return BackupResult(made, second, problem, tuple(removed))


def _sqlite_backup(db_file: Path, folder: Path, kind: str, now: dt.datetime,
                   token: CancelToken, pages: int, sleep: float) -> Path:
    try:
        store.make_private_folder(folder)
        target = _free_name(folder, kind, now)
    except OSError as exc:
        raise BackupFailed(f"cannot write backups in {folder}: {exc.strerror or exc}") from exc
    tmp = folder / f"{store.TEMP_PREFIX}{target.name}"
    try:
        os.close(store.private_create(tmp))  # private before SQLite writes a byte
        _copy_live(db_file, tmp, token, pages, sleep)
        result = verify_database(tmp)
        if not result.ok:
            raise BackupFailed(f"the copy failed its check, so it was not kept: "
                               f"{result.summary()}")
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise BackupFailed(f"cannot write the backup in {folder}: "
                               f"{exc.strerror or exc}") from exc
        if isinstance(exc, sqlite3.Error):
            raise BackupFailed(f"the database could not be copied ({exc})") from exc
        raise
    return target


def _copy_live(db_file: Path, dest_file: Path, token: CancelToken, pages: int,
               sleep: float) -> None:
    """The online backup API, paged: each step holds the source's read lock only for its
    pages, so writers get in between steps. Where a write by another process makes SQLite
    restart a paged copy (rollback-journal databases), after MAX_RESTARTS the rest is
    copied in one step. The cancel token is checked after every step."""
    src = sqlite3.connect(db_file, timeout=30)
    dest = sqlite3.connect(dest_file)
    try:
        last = [-1, 0]  # remaining pages at the previous step, restarts

        def progress(_status: int, remaining: int, _total: int) -> None:
            token.check()
            if remaining > last[0] >= 0:
                last[1] += 1
                if last[1] > MAX_RESTARTS:
                    raise _Restarted()
            last[0] = remaining

        try:
            src.backup(dest, pages=pages, progress=progress, sleep=sleep)
        except _Restarted:
            log.info("the database kept changing during a paged backup; copying in one step")
            src.backup(dest, pages=-1)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dest.close()
        src.close()


class _Restarted(Exception):
    pass


def _free_name(folder: Path, kind: str, now: dt.datetime, postgres: bool = False) -> Path:
    n = 1
    while True:
        target = folder / rules.make_name(kind, now, __version__, postgres=postgres, n=n)
        if not target.exists():
            return target
        n += 1


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder; NTFS journals the rename itself
    with contextlib.suppress(OSError):
        _fsync(folder)


def copy_to_second(made: Path, settings: rules.BackupSettings,
                   now: dt.datetime) -> tuple[Path | None, str | None]:
    """Copy a verified backup to the second folder and verify it there; returns the copy
    or the reason it could not be made (a missing USB stick is not an error)."""
    second = store.second_folder(settings)
    if second is None:
        return None, None
    problem = store.folder_problem(second)
    if problem is not None:
        return None, problem
    target = second / made.name
    tmp = second / f"{store.TEMP_PREFIX}{made.name}"
    try:
        with open(made, "rb") as src, open(store.private_create(tmp), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        result = verify_database(tmp)
        if not result.ok:
            tmp.unlink()
            return None, f"the copy in {second} failed its check: {result.summary()}"
        os.replace(tmp, target)
        _fsync_dir(second)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return None, f"could not copy the backup to {second}: {exc.strerror or exc}"
    store.record(second, target.name, ok=True, when=now)
    return target, None


def auto_backup(paths: AppPaths, engine: Engine, *, clock: Clock | None = None,
                token: CancelToken | None = None) -> Job:
    """The automatic backup (start, every few minutes' check, quit): only when due."""
    settings = store.load_settings(engine)
    last = store.last_good(paths)
    changed = last is None or last.fingerprint != fingerprint(paths, engine)
    if not rules.backup_due(settings, last.taken_at if last else None, changed,
                             clock() if clock is not None else app_clock.now(engine)):
        return BackupResult(None, note="no backup due")
    return (yield from make_backup(paths, engine, clock=clock, token=token))


def status(paths: AppPaths, engine: Engine, now: dt.datetime) -> store.BackupStatus:
    """What the Today board shows (reads files only; no drive probe)."""
    settings = store.load_settings(engine)
    last = store.last_good(paths)
    changed = last is None or last.fingerprint != fingerprint(paths, engine)
    second = store.second_folder(settings)
    problem = store.folder_problem(second) if second is not None else None
    warnings = rules.board_warnings(
        settings, is_postgres=paths.sqlite_file is None,
        last_good=last.taken_at if last else None, changed=changed, now=now,
        second_problem=problem, at_rest=store.at_rest_notes(paths))
    return store.BackupStatus(last, changed, problem, tuple(warnings))


def run_job(job: Generator[Progress, None, object]) -> object:
    """Drive a job to its end without a GUI (command line, tests)."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_backup(paths: AppPaths, folder: Path, kind: str, now: dt.datetime) -> Path | None:
    program = shutil.which(paths.pg_dump) if paths.pg_dump not in ("", "off") else None
    program = program or shutil.which("pg_dump")
    if program is None:
        return None
    store.make_private_folder(folder)
    target = _free_name(folder, kind, now, postgres=True)
    tmp = folder / f"{store.TEMP_PREFIX}{target.name}"
    try:
        os.close(store.private_create(tmp))
        done = subprocess.run([program, "--format=custom", "--no-password", f"--file={tmp}"],
                              env=migrate.libpq_env(paths.url), capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise BackupFailed(f"pg_dump failed: {first_line(done.stderr)}")
        result = _verify_dump(tmp)
        if not result.ok:
            raise BackupFailed(f"the dump failed its check: {result.summary()}")
        _fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def first_line(text_: str) -> str:
    return next((line.strip() for line in text_.splitlines() if line.strip()), "no reason")

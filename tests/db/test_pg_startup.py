"""PostgreSQL start-up on a server that checks passwords (scram-sha-256): passwords with
@ % :, a wrong password, a failing migration, processes starting together, pg_dump.

The commands run through main() in this process (`run`: the environment a process would
get, file descriptors 1 and 2 captured, so libpq's own output counts), since a process
start costs ~1 s of CPU in imports; the server sees a separate session either way. Real
processes remain where the process is the point: a refused password's exit status and
single stderr line, and processes starting together."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import PASSWORD_ENV, resolve_paths
from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine
from attendance_desktop.services.database import open_database
from tests.db.migration_tools import (
    OLD_REVISION,
    assert_one_line_fault,
    cli,
    in_process,
    migrations_copy,
    old_database,
    start_together,
)
from tests.db.pg_server import running_server, server_binaries
from tests.db.test_migrate_atomic import FAILING

pytestmark = [pytest.mark.skipif(
    server_binaries() is None,
    reason="PostgreSQL server binaries are not installed (CI installs them)",
), pytest.mark.slow]  # slow: runs first in a parallel run (tests/conftest.py)
psycopg = pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

SUPER_PASSWORD = "sup@r%:pw'1"
OFFICE_PASSWORD = "p@ss%w:rd/#1"
_names = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[URL]:
    with running_server(password=SUPER_PASSWORD) as base:
        url = make_url(base)
        assert url.password == SUPER_PASSWORD  # the URL carried it percent-encoded
        with _admin(url) as conn:
            conn.execute(psycopg.sql.SQL("CREATE ROLE office LOGIN CREATEDB PASSWORD {}")
                         .format(psycopg.sql.Literal(OFFICE_PASSWORD)))
        yield url


def _admin(url: URL, dbname: str = "postgres"):  # type: ignore[no-untyped-def]
    return psycopg.connect(host=url.host, port=url.port, user=url.username,
                           password=url.password, dbname=dbname, autocommit=True)


@pytest.fixture
def run(capfd: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """run(*argv, extra_env=...) -> the command's CompletedProcess, run in this process."""
    return lambda *argv, **kw: in_process(capfd, *argv, **kw)


@pytest.fixture
def office_db(server: URL) -> URL:
    """A new, empty database owned by the 'office' role; its URL with the password."""
    name = f"school_{next(_names)}"
    with _admin(server) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {} OWNER office")
                     .format(psycopg.sql.Identifier(name)))
    return server.set(username="office", password=OFFICE_PASSWORD, database=name)


def _without_password(url: URL) -> URL:
    # URL.set(password=None) would keep the password: None there means "unchanged".
    return URL.create(url.drivername, username=url.username, host=url.host, port=url.port,
                      database=url.database)


def _text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _revision_and_schools(url: URL) -> tuple[str | None, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            schools = conn.execute(text("SELECT count(*) FROM school")).scalar_one()
        return migrate.current_revision(engine), schools
    finally:
        engine.dispose()


# --- passwords -------------------------------------------------------------------------


def test_a_password_with_at_percent_colon_in_the_url(run, office_db: URL,
                                                      tmp_path: Path) -> None:
    written = _text(office_db)
    for encoded in ("%40", "%25", "%3A"):  # @ % : written percent-encoded
        assert encoded in written
    done = run("stats", "--data-dir", tmp_path, "--db-url", written)
    assert done.returncode == 0, done.stderr
    assert _revision_and_schools(office_db) == (migrate.head_revision(), 1)


def test_a_password_from_the_environment(run, office_db: URL, tmp_path: Path) -> None:
    bare = _text(_without_password(office_db))
    assert make_url(bare).password is None
    done = run("stats", "--data-dir", tmp_path, "--db-url", bare,
               extra_env={PASSWORD_ENV: OFFICE_PASSWORD})
    assert done.returncode == 0, done.stderr
    assert _revision_and_schools(office_db) == (migrate.head_revision(), 1)


def test_a_password_from_a_libpq_password_file(run, office_db: URL, tmp_path: Path) -> None:
    passfile = tmp_path / "pgpass"
    escaped = OFFICE_PASSWORD.replace("\\", "\\\\").replace(":", "\\:")
    passfile.write_text(f"{office_db.host}:{office_db.port}:*:office:{escaped}\n")
    passfile.chmod(0o600)
    bare = _text(_without_password(office_db))
    assert make_url(bare).password is None
    done = run("stats", "--data-dir", tmp_path, "--db-url", bare,
               extra_env={"PGPASSFILE": str(passfile)})
    assert done.returncode == 0, done.stderr


def test_a_wrong_password(run, office_db: URL, tmp_path: Path) -> None:
    wrong = _text(office_db.set(password=OFFICE_PASSWORD + "x"))
    # A real process: its exit status and its one line, with no password anywhere in it.
    line = assert_one_line_fault(cli("stats", "--data-dir", tmp_path, "--db-url", wrong))
    server = f"{office_db.host}:{office_db.port}"
    assert line == (f"The PostgreSQL server {server} refused user 'office' (wrong or missing "
                    f"password): check the user name and the password (in the URL, "
                    f"{PASSWORD_ENV} or the pgpass file)")
    assert OFFICE_PASSWORD not in line
    missing = assert_one_line_fault(run("stats", "--data-dir", tmp_path, "--db-url",
                                        _text(_without_password(office_db))))
    assert missing == line


def test_a_database_the_server_does_not_have(run, office_db: URL, tmp_path: Path) -> None:
    line = assert_one_line_fault(run("stats", "--data-dir", tmp_path, "--db-url",
                                     _text(office_db.set(database="no_such_school"))))
    assert line == (f"The PostgreSQL server {office_db.host}:{office_db.port} has no database "
                    "'no_such_school': ask IT to create it, or correct the name in the "
                    "database URL")


# --- migrations --------------------------------------------------------------------------


def _columns(url: URL) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position")).all()
    finally:
        engine.dispose()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def test_a_failing_migration_leaves_postgres_as_it_was(
        office_db: URL, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = resolve_paths(tmp_path, _text(office_db), environ={})
    open_database(paths).dispose()
    before = (_columns(office_db), _revision_and_schools(office_db))
    head = migrate.head_revision()
    assert head is not None
    newer = migrations_copy(tmp_path / "newer",
                            extra={"9001_fails.py": FAILING.replace("{head}", head)})
    monkeypatch.setattr(migrate, "MIGRATIONS", newer)
    capsys.readouterr()
    code = main(["stats", "--data-dir", str(tmp_path), "--db-url", _text(office_db)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"attendance-desktop: Upgrading the database from revision {head} to 9001_fails "
        "failed (RuntimeError: this revision fails on purpose); it was left exactly as it "
        "was: keep using the previous version of Attendance Desktop and report this"]
    assert (_columns(office_db), _revision_and_schools(office_db)) == before
    assert "probe_table" not in before[0]


@pytest.mark.parametrize("start", ["new", "old"])
def test_processes_starting_together_take_turns_on_postgres(office_db: URL, tmp_path: Path,
                                                            start: str) -> None:
    if start == "old":
        old_database(office_db, tmp_path)
    data = tmp_path / "data"
    done = start_together(4, tmp_path / "go", "stats", "--data-dir", data, "--db-url",
                          _text(office_db))
    for proc in done:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("Attendance ")
    assert _revision_and_schools(office_db) == (migrate.head_revision(), 1)
    dumps = sorted((data / "backups").glob("*.dump")) if (data / "backups").exists() else []
    if start == "new":
        assert dumps == []  # nothing to keep from an empty database
        return
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: the dump itself cannot be checked")
    assert len(dumps) == 1  # one process upgraded, and dumped first
    assert dumps[0].name.startswith(f"before-migration-{OLD_REVISION}-")
    listed = subprocess.run(["pg_restore", "--list", str(dumps[0])], capture_output=True,
                            text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert "TABLE DATA public school" in listed.stdout


def test_without_pg_dump_the_upgrade_says_no_dump_was_taken(run, office_db: URL,
                                                            tmp_path: Path) -> None:
    old_database(office_db, tmp_path)
    bare_path = str(tmp_path / "empty-bin")
    os.mkdir(bare_path)
    done = run("stats", "--data-dir", tmp_path / "data", "--db-url", _text(office_db),
               extra_env={"PATH": bare_path})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "attendance-desktop: note: pg_dump was not found, so no copy of the database was "
        "taken before upgrading it: install the PostgreSQL client tools or set "
        "ATTENDANCE_PG_DUMP to pg_dump's path"]
    assert _revision_and_schools(office_db)[0] == migrate.head_revision()


def test_an_upgrade_lock_held_longer_than_the_wait(run, office_db: URL, server: URL,
                                                   tmp_path: Path) -> None:
    old_database(office_db, tmp_path)
    # The lock is the server's, per session: the app's session is another one either way.
    with _admin(server, office_db.database or "") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (migrate.PG_LOCK_KEY,))
        done = run("stats", "--data-dir", tmp_path, "--db-url", _text(office_db),
                   extra_env={"ATTENDANCE_DB_WAIT": "1"})
    line = assert_one_line_fault(done)
    assert line == (f"The database on {office_db.host}:{office_db.port} was busy: another PC "
                    "kept it locked for more than 1 seconds; try again in a minute (or set "
                    "ATTENDANCE_DB_WAIT to wait longer)")
    assert _revision_and_schools(office_db)[0] == OLD_REVISION

"""Every start-up fault reaches the user as exit 2 and one plain line, never a traceback.

Each case runs the real command line against a real fault: a real file of the wrong
kind, a folder the process may not write (root without its capabilities, via setpriv; a
read-only mount), a full filesystem (a small tmpfs), a lock held by another process, a
server port nobody listens on. PostgreSQL faults that need the server (wrong password)
are in tests/db/test_pg_startup.py.

What a fault says is checked with main() in this process (`run`, which captures file
descriptors 1 and 2, so output from C libraries counts too): a process start costs ~1 s
of CPU in imports alone. What belongs to the process itself (its exit status, exactly one
line on stderr when the interpreter has exited, no traceback) is checked in real
processes (`cli`) for each kind of fault: a bad database file, a lock held by another
process, an account without rights (setpriv), a PostgreSQL server that refuses, and the
process-wide case of a missing driver.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from attendance_desktop import __version__
from attendance_desktop.__main__ import main
from attendance_desktop.config.paths import DB_FILE
from attendance_desktop.db import migrate
from tests.db.migration_tools import REPO, assert_one_line_fault, cli, env, in_process
from tests.db.pg_server import _free_port

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                                reason="mounting a filesystem needs root and mount(8)")


@pytest.fixture
def run(capfd: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """run(*argv, extra_env=...) -> the command's CompletedProcess, run in this process."""
    return lambda *argv, **kw: in_process(capfd, *argv, **kw)


def _fresh(run, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    done = run("stats", "--data-dir", data)
    assert done.returncode == 0, done.stderr
    return data


@contextmanager
def _locked_by_another_process(db: Path) -> Iterator[None]:
    """Another program (a small Python process, not the app) holds the write lock."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()


# --- the database file ---------------------------------------------------------------


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_FILE).write_bytes(b"These are minutes of the governors' meeting.\n" * 200)
    line = assert_one_line_fault(cli("stats", "--data-dir", data))
    assert line == (f"{data / DB_FILE} is damaged or is not an Attendance Desktop database: "
                    f"restore the latest copy from {data / 'backups'} or your backups, or "
                    "choose another data folder")


def test_a_damaged_database_file(run, tmp_path: Path) -> None:
    data = _fresh(run, tmp_path)
    db = data / DB_FILE
    raw = bytearray(db.read_bytes())
    assert len(raw) > 8192
    raw[100:4096] = os.urandom(3996)  # the schema page, after the 100-byte header
    db.write_bytes(bytes(raw))
    line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line.startswith(f"{db} is damaged or is not an Attendance Desktop database")


def test_a_database_of_another_program(run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / DB_FILE) as con:
        con.execute("CREATE TABLE recipes (name TEXT)")
    line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line == (f"{data / DB_FILE} is not an Attendance Desktop database (it holds other "
                    "tables): choose another data folder or database")


def test_a_database_from_a_newer_version_says_which(run, tmp_path: Path) -> None:
    data = _fresh(run, tmp_path)
    with sqlite3.connect(data / DB_FILE) as con:
        con.execute("UPDATE alembic_version SET version_num = '0042_future'")
        con.execute("UPDATE appmeta SET value = '9.3.0' WHERE key = 'schema_written_by'")
    con.close()
    line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line == ("This database was upgraded by version 9.3.0 of Attendance Desktop "
                    f"(schema revision 0042_future); this is version {__version__} (revision "
                    f"{migrate.head_revision()}): install the newer version on this PC")
    with sqlite3.connect(data / DB_FILE) as con:  # and it was left alone
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0042_future",)]


def test_a_lock_held_longer_than_the_wait(run, tmp_path: Path) -> None:
    # The app in its own process: the lock is held by another process (this one).
    data = tmp_path / "data"
    data.mkdir()
    holder = sqlite3.connect(data / DB_FILE, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("BEGIN IMMEDIATE")  # another program writing, and not finishing
        done = cli("stats", "--data-dir", data, extra_env={"ATTENDANCE_DB_WAIT": "1"})
    finally:
        holder.close()
    line = assert_one_line_fault(done)
    assert line == (f"The database {data / DB_FILE} was busy: another program kept it locked "
                    "for more than 1 seconds; try again in a minute (or set "
                    "ATTENDANCE_DB_WAIT to wait longer)")
    assert run("stats", "--data-dir", data).returncode == 0  # free again: it opens


# --- the data folder -----------------------------------------------------------------


def test_a_data_folder_that_is_a_file(run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a folder")
    line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line == (f"The data folder {data} is a file, not a folder: move the file away or "
                    "choose another folder with --data-dir")
    deeper = assert_one_line_fault(run("stats", "--data-dir", data / "inside"))
    assert deeper.startswith(f"The data folder {data / 'inside'} cannot be made because part "
                             "of its path is a file")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to drop the capabilities that let root "
                           "write anywhere")
def test_a_data_folder_this_account_cannot_write(tmp_path: Path) -> None:
    # Root ignores permissions; without its capabilities (setpriv empties the bounding
    # set) it is an ordinary account that does not own this nobody-owned folder.
    data = tmp_path / "theirs"
    data.mkdir()
    shutil.chown(data, "nobody")
    data.chmod(0o755)
    prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
    line = assert_one_line_fault(cli("stats", "--data-dir", data, prefix=prefix))
    assert line == (f"Attendance Desktop cannot write in {data}: ask IT to give your account "
                    "permission to change that folder, or choose another with --data-dir")
    sub = assert_one_line_fault(cli("stats", "--data-dir", data / "sub", prefix=prefix))
    assert sub.startswith("Attendance Desktop cannot write in ")


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                           f"attendance-test-{uuid.uuid4().hex[:8]}", str(where)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this sandbox cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


@needs_root
def test_a_read_only_data_folder(run, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", "8m") as mnt:
        data = mnt / "data"
        assert run("stats", "--data-dir", data).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line.startswith(f"Attendance Desktop cannot write in {data}")


@needs_root
def test_a_full_disk(run, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", "96k") as mnt:
        data = mnt / "data"
        line = assert_one_line_fault(run("stats", "--data-dir", data))
    assert line == (f"The disk holding {data} is full: free some space (or ask IT to), then "
                    "start again; nothing was changed")


@needs_root
def test_a_full_disk_while_copying_before_an_upgrade(run, tmp_path: Path) -> None:
    from attendance_desktop.config.paths import resolve_paths
    from tests.db.migration_tools import old_database

    work = tmp_path / "work"
    work.mkdir()
    old_database(resolve_paths(work, environ={}).url, tmp_path)
    size = (work / DB_FILE).stat().st_size
    with _tmpfs(tmp_path / "mnt", f"{(size * 3 // 2) // 4096 * 4096 + 8192}") as mnt:
        data = mnt / "data"
        data.mkdir()
        shutil.copy(work / DB_FILE, data / DB_FILE)
        line = assert_one_line_fault(run("stats", "--data-dir", data))
        with sqlite3.connect(data / DB_FILE) as con:  # not upgraded, not damaged
            assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
                ("0001",)]
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert line.startswith(f"The disk holding {data} is full")


# --- settings and PostgreSQL without a server ----------------------------------------


def test_a_wait_setting_that_is_not_a_number(run, tmp_path: Path) -> None:
    line = assert_one_line_fault(run("stats", "--data-dir", tmp_path / "d",
                                     extra_env={"ATTENDANCE_DB_WAIT": "ten"}))
    assert line == ("ATTENDANCE_DB_WAIT='ten' is not a number of seconds (more than 0, at "
                    "most 3600): correct it, or remove it to wait 10 seconds")


def test_a_postgresql_server_nobody_listens_on(tmp_path: Path) -> None:
    port = _free_port()
    line = assert_one_line_fault(cli(
        "stats", "--data-dir", tmp_path / "d",
        "--db-url", f"postgresql+psycopg://office@127.0.0.1:{port}/school"))
    assert line == (f"The PostgreSQL server 127.0.0.1:{port} refused the connection: check "
                    "that it is running and that this PC can reach it over the network, "
                    "then try again")


@pytest.mark.parametrize(("host", "reason"), [
    ("no-such-host.invalid", "is not a name this PC can find"),  # .invalid never resolves
    ("192.0.2.1", ""),  # TEST-NET-1: never routed; unreachable or silent, by network
])
def test_a_postgresql_server_that_cannot_be_reached(run, tmp_path: Path, host: str,
                                                    reason: str) -> None:
    line = assert_one_line_fault(run(
        "stats", "--data-dir", tmp_path / "d", "--db-url",
        f"postgresql+psycopg://office@{host}/school", extra_env={"ATTENDANCE_DB_WAIT": "2"}))
    assert line.startswith(f"The PostgreSQL server {host} {reason}")
    assert line.endswith(": check that it is running and that this PC can reach it over "
                         "the network, then try again")


def test_the_postgresql_driver_not_installed(tmp_path: Path) -> None:
    # None in sys.modules is Python's documented way to make an import fail as if the
    # package were absent; the app then meets exactly the ImportError of a missing driver.
    code = ("import sys; sys.modules['psycopg'] = None; "
            "from attendance_desktop.__main__ import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "stats", "--data-dir",
                           str(tmp_path / "d"), "--db-url",
                           "postgresql+psycopg://office@127.0.0.1:5432/school"],
                          cwd=REPO, env=env(), capture_output=True, text=True, timeout=120,
                          check=False)
    line = assert_one_line_fault(done)
    assert line == ("The PostgreSQL driver (psycopg) is not installed: install it with pip "
                    "install 'attendance-desktop[postgres]', or use a SQLite data folder")


def test_the_details_go_to_the_log(tmp_path: Path, capsys,
                                   caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_FILE).write_bytes(b"\x00garbage" * 1000)
    with caplog.at_level(logging.ERROR):
        assert main(["stats", "--data-dir", str(data)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    [record] = [r for r in caplog.records if r.name == "attendance_desktop.cli"]
    assert record.exc_info is not None
    cause = record.exc_info[1].__cause__  # type: ignore[union-attr]
    assert "file is not a database" in str(cause)


def test_a_lock_held_during_an_import_reads_the_same(run, tmp_path: Path) -> None:
    from tests.cli.test_cli import pupils_file

    data = _fresh(run, tmp_path)
    with _locked_by_another_process(data / DB_FILE):
        done = run("import", "pupils", pupils_file(tmp_path), "--data-dir", data,
                   extra_env={"ATTENDANCE_DB_WAIT": "1"})
    line = assert_one_line_fault(done)
    assert line.startswith(f"The database {data / DB_FILE} was busy: another program kept "
                           "it locked for more than 1 seconds")

"""Helpers for the start-up tests: older and newer copies of the migrations, databases at
an older revision, processes that start at the same moment, and snapshots of a file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL, Engine

from attendance_desktop.db import migrate
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import School

REPO = Path(__file__).resolve().parents[2]
OLD_REVISION = "0001"  # the first release's revision


def migrations_copy(dest: Path, *, without: tuple[str, ...] = (),
                    extra: dict[str, str] | None = None) -> Path:
    """A copy of the app's migrations, less some revision files, plus extra ones."""
    shutil.copytree(migrate.MIGRATIONS, dest,
                    ignore=shutil.ignore_patterns("__pycache__", *without))
    for name, text in (extra or {}).items():
        (dest / "versions" / name).write_text(text, encoding="utf-8")
    return dest


def old_database(url: URL | str, work: Path) -> None:
    """A database as the previous release left it: revision 0001 and its school."""
    later = tuple(f.name for f in (migrate.MIGRATIONS / "versions").glob("0*.py")
                  if not f.name.startswith(f"{OLD_REVISION}_"))
    old = migrations_copy(work / "old_migrations", without=later)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, script_location=old)
        assert migrate.current_revision(engine) == OLD_REVISION
        with session_scope(engine) as s:
            s.add(School(name="Old School"))
    finally:
        engine.dispose()


_CLEARED = ("ATTENDANCE_DATA_DIR", "ATTENDANCE_DB_URL", "ATTENDANCE_DB_PASSWORD",
            "ATTENDANCE_DB_WAIT", "ATTENDANCE_PG_DUMP")


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO)
    for name in _CLEARED:
        e.pop(name, None)
    return e


def cli(*argv: str | Path, extra_env: dict[str, str] | None = None,
        prefix: list[str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process."""
    return subprocess.run([*(prefix or []), sys.executable, "-m", "attendance_desktop",
                           *map(str, argv)],
                          cwd=REPO, env={**env(), **(extra_env or {})}, capture_output=True,
                          text=True, timeout=timeout, check=False)


def in_process(capfd: pytest.CaptureFixture[str], *argv: str | Path,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The same command line as cli(), run by main() in this process with the environment
    cli() gives its child. Starting a process costs ~1 s of CPU (the imports), so tests
    about what a command does use this; the tests about the process itself (exit code,
    one line on stderr at exit, locks between processes) keep cli(). capfd captures file
    descriptors 1 and 2, so anything written below Python (libpq, SQLite) counts too."""
    from attendance_desktop.__main__ import main
    from attendance_desktop.services import database

    opened: list[Engine] = []
    real_open = database.open_database

    def open_and_keep(*args: Any, **kwargs: Any) -> Engine:
        engine = real_open(*args, **kwargs)
        opened.append(engine)
        return engine

    with pytest.MonkeyPatch.context() as mp:
        for name in _CLEARED:
            mp.delenv(name, raising=False)
        for name, value in (extra_env or {}).items():
            mp.setenv(name, value)
        mp.setattr(database, "open_database", open_and_keep)
        capfd.readouterr()
        try:
            code = main([str(a) for a in argv])
        finally:
            # As at a process's exit: cli.run leaves its engine to the process's end, and
            # closing its connections is what checkpoints SQLite's WAL into the file.
            for engine in opened:
                engine.dispose()
        out, err = capfd.readouterr()
    return subprocess.CompletedProcess(["main", *map(str, argv)], code, out, err)


def _start_when_told(go: str, ready: str, argv: list[str], out: str, err: str,
                     environ: dict[str, str]) -> None:
    """In a forked worker: the command line's process, as cli() would start it (its
    environment, folder, standard output and error), once the start file exists."""
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(REPO)
    for fd, path in ((1, out), (2, err)):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    from attendance_desktop.__main__ import main

    Path(ready).touch()
    while not os.path.exists(go):
        time.sleep(0.002)
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


def start_together(n: int, go: Path, *argv: str | Path) -> list[subprocess.CompletedProcess[str]]:
    """n processes run the command line, starting at the same moment (each waits for the
    start file once it is ready). They are forked from tests/forked.py's server, so they
    do not each spend a second importing the app first."""
    from tests import forked

    ctx = forked.context()
    work = go.parent / f"{go.name}-processes"
    work.mkdir()
    procs = [ctx.Process(target=_start_when_told, args=(
        str(go), str(work / f"ready-{i}"), list(map(str, argv)), str(work / f"out-{i}"),
        str(work / f"err-{i}"), env())) for i in range(n)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + 60
    while len(list(work.glob("ready-*"))) < n:
        assert time.monotonic() < deadline, "the processes did not start"
        assert all(p.exitcode is None for p in procs), "a process ended before the start"
        time.sleep(0.01)
    go.write_text("go")
    done = []
    for i, p in enumerate(procs):
        p.join(180)
        code = p.exitcode
        assert code is not None, "a process did not finish"
        p.close()
        done.append(subprocess.CompletedProcess(
            argv, code, (work / f"out-{i}").read_text(), (work / f"err-{i}").read_text()))
    return done


def snapshot(db_file: Path) -> dict[str, object]:
    """Everything a schema or data change would alter: every table's columns, the full
    SQL dump (schema and rows) and the alembic revision."""
    con = sqlite3.connect(db_file)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        columns = {t: [r[0] for r in con.execute("SELECT name FROM pragma_table_info(?)",
                                                 (t,))] for t in tables}
        return {"columns": columns, "dump": list(con.iterdump()),
                "revision": con.execute("SELECT version_num FROM alembic_version").fetchall(),
                "integrity": con.execute("PRAGMA integrity_check").fetchall()}
    finally:
        con.close()


def assert_one_line_fault(done: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, one line on stderr, nothing on stdout, no traceback anywhere."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("attendance-desktop: ")
    assert done.stdout == ""
    return lines[0].removeprefix("attendance-desktop: ")

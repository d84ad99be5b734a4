"""Backups against real processes: a writer in another process, and a kill mid-backup."""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.services.records import backup_service, backup_store
from tests.services import backup_helpers as h

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

REPO = Path(__file__).resolve().parents[3]


def start(*args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "tests.services.backup_helpers", *args],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        with proc.stdout:  # closed once the process has ended
            for line in proc.stdout:
                lines.put(line.strip())
        lines.put("EOF")

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def stop(proc: subprocess.Popen[str]) -> None:
    """Kill the helper if it is still running, and close its error pipe."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    if proc.stderr is not None:
        proc.stderr.close()


def next_line(lines: queue.Queue[str], proc: subprocess.Popen[str]) -> str:
    try:
        return lines.get(timeout=120)
    except queue.Empty:
        proc.kill()
        raise AssertionError("the helper process said nothing for 2 minutes") from None


@pytest.mark.parametrize("pages", [backup_service.PAGES_PER_STEP, 1])
def test_backup_holds_every_mark_another_process_had_committed(paths: AppPaths,
                                                               engine: Engine,
                                                               pages: int) -> None:
    """Also with one page per step, so the writer commits between many steps."""
    pupils = h.school_with_year(engine)
    proc, lines = start("writer", str(paths.data_dir), "60", "0.05")
    try:
        assert next_line(lines, proc) == "READY"
        acked: list[tuple[str, str]] = []
        while len(acked) < 15:
            line = next_line(lines, proc)
            assert line.startswith("ACK"), (line, proc.stderr)
            _, day, session = line.split()
            acked.append((day, session))
        # Every session acknowledged so far was committed before the backup starts; the
        # writer keeps writing while it runs.
        result = backup_service.run_job(backup_service.make_backup(paths, engine,
                                                                   pages=pages, sleep=0.01))
        assert proc.poll() is None  # the writer was still writing when the backup ended
        assert isinstance(result, backup_service.BackupResult)
        assert result.path is not None
        (paths.data_dir / h.STOP_WRITING).touch()  # it ends after its current write
        while next_line(lines, proc) != "EOF":
            pass
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        stop(proc)
    conn = sqlite3.connect(result.path)
    held = {(d, s): n for d, s, n in conn.execute(
        "SELECT date, session, count(*) FROM mark GROUP BY date, session")}
    conn.close()
    for key in acked:
        assert held.get(key) == len(pupils), key
    assert backup_service.verify_database(result.path).ok


def test_a_kill_during_a_backup_leaves_the_earlier_ones_usable(paths: AppPaths,
                                                               engine: Engine) -> None:
    pupils = h.school_with_year(engine)
    for day, session in h.sessions(40):
        h.mark(engine, pupils, day, session, "/" if session == "AM" else "\\")
    earlier = []
    for hours in (30, 20, 10):
        when = dt.datetime.now() - dt.timedelta(hours=hours)
        r = backup_service.run_job(backup_service.make_backup(paths, engine,
                                                              clock=lambda w=when: w))
        assert isinstance(r, backup_service.BackupResult)
        earlier.append(r.path)
    before = {p.name: p.read_bytes() for p in earlier if p is not None}
    proc, lines = start("slow-backup", str(paths.data_dir))
    try:
        assert next_line(lines, proc) == "STARTED"
        deadline = time.monotonic() + 60
        while not list(paths.backup_dir.glob(".partial-*")):  # the copy has begun
            assert time.monotonic() < deadline, "the slow backup never started copying"
            assert proc.poll() is None, "the slow backup ended before it could be killed"
            time.sleep(0.02)
        time.sleep(0.5)  # some pages in (the copy takes a page per 50 ms)
        assert proc.poll() is None, "the slow backup ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    assert list(paths.backup_dir.glob(".partial-*"))  # killed mid-copy: its half is left
    listed = backup_store.list_folder(paths.backup_dir, backup_store.DATA_FOLDER)
    assert sorted(b.path.name for b in listed) == sorted(before)  # the half file is not one
    for b in listed:
        assert b.path.read_bytes() == before[b.path.name]
        assert backup_service.verify_database(b.path).ok
    assert backup_store.last_good(paths).path == earlier[-1]  # type: ignore[union-attr]
    # The next backup works and still counts only whole files.
    r = backup_service.run_job(backup_service.make_backup(paths, engine))
    assert isinstance(r, backup_service.BackupResult)
    assert r.path is not None
    assert backup_service.verify_database(r.path).ok
    assert len(backup_store.list_folder(paths.backup_dir, "")) == 4

"""Nobody waits on the lock for long, and a wait is never lost or shown raw: an import's
copy is all or nothing even when it fails or its process is killed half way (with a kiosk
sign-in waiting meanwhile, which then succeeds), the kiosk waits out a lock held longer
than the ordinary busy timeout, and SQLite's "database is locked" never reaches a user."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import SettingChange
from attendance_desktop.domain.policy import DEFAULT_KIOSK_REASONS
from attendance_desktop.services import write_lock
from attendance_desktop.services.errors import DatabaseBusy
from attendance_desktop.services.interchange import mark_import
from attendance_desktop.services.kiosk import kiosk_service
from attendance_desktop.services.register import integrity_service, mark_reads
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import OFFICE, clock_at
from tests.services.interchange.test_import_service import TODAY, UPNS
from tests.services.register.test_import_lock import DAYS, _counts, _file, pupils  # noqa: F401

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
REASON = DEFAULT_KIOSK_REASONS[0][0]
SIGN_IN_AT = dt.datetime.combine(TODAY, dt.time(9, 10))  # a day the file does not hold


def _clean(engine: Engine) -> None:
    assert integrity_service.check(engine, record=False).problems == ()


def _records(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.connection().exec_driver_sql("SELECT count(*) FROM settingchange")
                   .scalar() or 0)


def _impatient(engine: Engine) -> Engine:
    """A second engine on the same file whose ordinary busy timeout is half a second."""
    other = make_engine(engine.url.render_as_string(hide_password=False), wait_seconds=0.5)
    clock_at(other, SIGN_IN_AT)
    return other


class Holder:
    """Another program holding the write lock (a second process, as another PC would)."""

    def __init__(self, db_file: Path) -> None:
        code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
                " c.execute('BEGIN IMMEDIATE'); print('held', flush=True);"
                " sys.stdin.readline(); c.execute('COMMIT')")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(db_file)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "held\n"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        try:
            assert self.proc.wait(10) == 0
        finally:
            self.close()

    def close(self) -> None:
        """Its pipes closed (a ResourceWarning otherwise), the process ended."""
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def test_a_failure_half_way_through_the_copy_leaves_nothing(engine, pupils, tmp_path):  # noqa: F811
    def fail(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO markledger"):  # the marks are in already
            raise OSError("disk gone")

    records = _records(engine)
    event.listen(engine, "before_cursor_execute", fail)
    try:
        with pytest.raises(OSError, match="disk gone"):
            mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert _counts(engine) == (0, 0)
    assert _records(engine) == records  # nor the import's own record
    _clean(engine)
    assert mark_import.import_marks(engine, _file(tmp_path), OFFICE).new == 24  # nothing left over
    _clean(engine)


def test_an_import_killed_half_way_leaves_nothing_and_a_waiting_kiosk_signs_in(
        engine, paths, pupils, tmp_path):  # noqa: F811
    marker = tmp_path / "in_the_copy"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.services.import_kill_worker", str(paths.data_dir),
         str(_file(tmp_path)), str(marker)], cwd=ROOT, env=env)
    kiosk = _impatient(engine)
    got: list[object] = []
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the import process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # The import holds the lock, its marks inserted but not committed. A kiosk
        # sign-in now waits (longer than this engine's own half-second timeout).
        signer = threading.Thread(target=lambda: got.append(kiosk_service.sign_in(
            kiosk, pupils[UPNS[0]], REASON, "Parent")))
        signer.start()
        time.sleep(1.5)
        assert signer.is_alive()  # still waiting, not failed
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        signer.join(30)
        assert not signer.is_alive()
    finally:
        if child.poll() is None:
            child.kill()
        kiosk.dispose()
    assert [r.outcome for r in got] == ["signed_in"]  # type: ignore[attr-defined]
    assert _counts(engine) == (1, 1)  # the kiosk's mark only: none of the import's
    _clean(engine)
    assert mark_reads.read_cell(engine, pupils[UPNS[0]], TODAY, "AM").code != ""


def test_the_kiosk_waits_out_a_lock_held_longer_than_the_busy_timeout(engine, paths, pupils):  # noqa: F811
    other = _impatient(engine)
    holder = Holder(paths.sqlite_file)
    try:
        # An ordinary write gives up after the engine's half second, with a plain message.
        with pytest.raises(DatabaseBusy) as err:
            rs.apply_changes(other, OFFICE, [MarkChange(pupils[UPNS[1]], TODAY, "AM", "/")])
        assert "locked" not in str(err.value)
        # The kiosk waits (write_lock.PATIENT_WAIT_SECONDS) and signs in once it is free.
        timer = threading.Timer(1.5, holder.release)
        timer.start()
        t = time.monotonic()
        result = kiosk_service.sign_in(other, pupils[UPNS[2]], REASON, "Parent")
        assert time.monotonic() - t >= 1.0
        timer.join()
    finally:
        if holder.proc.poll() is None:
            holder.release()
        other.dispose()
    assert result.outcome == "signed_in"
    # The patient wait was for that one transaction: the engine's connections keep theirs.
    with other.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 500
    _clean(engine)


def test_database_is_locked_is_never_shown_raw_outside_write_scope(engine, paths, pupils):  # noqa: F811
    other = _impatient(engine)
    holder = Holder(paths.sqlite_file)
    try:
        # A plain session's commit that waits too long.
        with pytest.raises(DatabaseBusy) as err, session_scope(other) as s:
            s.add(SettingChange(area="test", key="k", changed_at=SIGN_IN_AT,
                                new_value="v", staff_name="x", staff_role="office"))
        assert "database is locked" not in str(err.value).lower()
        assert str(err.value).startswith(f"The database {paths.sqlite_file} was busy: another"
                                         " program kept it locked for more than 0.5 seconds")
    finally:
        holder.release()
        other.dispose()


def test_an_import_checkpoints_the_wal_itself_after_releasing_the_lock(
        engine, pupils, tmp_path):  # noqa: F811
    seen: list[str] = []

    def statement(conn, cursor, text, params, context, executemany):  # type: ignore[no-untyped-def]
        if text.startswith("INSERT INTO markledger"):  # inside the lock, before the commit
            raw = conn.connection.dbapi_connection
            seen.append(f"copy (autocheckpoint "
                        f"{raw.execute('PRAGMA wal_autocheckpoint').fetchone()[0]})")
        elif "wal_checkpoint" in text:
            seen.append("checkpoint")

    stop = write_lock.watch_held(lambda _s: seen.append("lock released"))
    event.listen(engine, "before_cursor_execute", statement)
    try:
        assert mark_import.import_marks(engine, _file(tmp_path), OFFICE).new == 24
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        stop()
    # No checkpoint inside the COMMIT (it would hold the import in the lock's timing and
    # leave a kiosk's next commit to copy the pages): one, PASSIVE, after the release.
    assert seen == ["copy (autocheckpoint 0)", "lock released", "checkpoint"]
    _clean(engine)

"""`import marks` decides and stages its rows before the write lock
(services/register/mark_import_writer.py) and then writes in one short transaction. Another writer
working between the two (a kiosk, a second office PC on the same file) never loses a mark
or forks the ledger: the register check stays clean in every case."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from attendance_desktop.db import chains
from attendance_desktop.db.engine import session_scope
from attendance_desktop.domain.progress import Cancelled, CancelToken, Progress
from attendance_desktop.services import write_lock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.interchange import mark_import, pupil_import
from attendance_desktop.services.register import integrity_service, mark_reads
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.school import calendar_service
from tests.conftest import HEAD, OFFICE, clock_at
from tests.services.interchange.test_import_service import (
    SIMS,
    TODAY,
    UPNS,
    marks_csv,
    pupils_by_upn,
)
from tests.services.register.test_integrity import tamper

DAYS = [dt.date(2025, 11, 17), dt.date(2025, 11, 18), dt.date(2025, 11, 19)]


@pytest.fixture
def pupils(engine: Engine, school_year) -> dict[str, int]:  # type: ignore[no-untyped-def]
    pupil_import.import_pupils(engine, SIMS, today=TODAY)
    clock_at(engine, dt.datetime.combine(TODAY, dt.time(16, 0)))
    return {u: int(p.id) for u, p in pupils_by_upn(engine).items()}  # type: ignore[arg-type]


def _file(tmp_path: Path) -> Path:
    return marks_csv(tmp_path, [f"{u},{d.isoformat()},{ss},{'/' if ss == 'AM' else chr(92)},,"
                                for u in UPNS[:4] for d in DAYS for ss in ("AM", "PM")])


def _counts(engine: Engine) -> tuple[int, int]:
    """The marks, and the mark writes the ledger holds (a row each, or an import's one
    entry holding all of its writes)."""
    with session_scope(engine) as s:
        conn = s.connection()
        writes = 0
        for (batch,) in conn.exec_driver_sql("SELECT batch FROM markledger"):
            writes += 1 if batch is None else len(chains.unpack_batch(batch)[1])
        return int(conn.exec_driver_sql("SELECT count(*) FROM mark").scalar() or 0), writes


def _entries(engine: Engine) -> list[tuple[int, bool]]:
    """The ledger's rows: (pupil, is an import's batch), in order."""
    with session_scope(engine) as s:
        return [(int(p), bool(b)) for p, b in s.connection().exec_driver_sql(
            "SELECT pupil_id, batch IS NOT NULL FROM markledger ORDER BY id")]


def _run_with(engine: Engine, path: Path, meanwhile, token: CancelToken | None = None,  # type: ignore[no-untyped-def]
              at: str = "Saving marks"):
    """Run the import job; `meanwhile()` runs once, at the progress step `at`: by default
    when the rows are staged and the write is next (another writer's moment)."""
    job = mark_import.import_marks_job(engine, path, OFFICE, token)
    done = False
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        assert isinstance(progress, Progress)
        if progress.label == at and not done:
            done = True
            meanwhile()


def _clean(engine: Engine) -> None:
    assert integrity_service.check(engine, record=False).problems == ()


def test_an_import_writes_everything_and_the_ledger_verifies(engine, pupils, tmp_path):
    held: list[float] = []
    stop = write_lock.watch_held(held.append)
    try:
        result = mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    finally:
        stop()
    assert (result.new, result.changed, result.unchanged) == (24, 0, 0)
    assert _counts(engine) == (24, 24)
    assert _entries(engine) == [(0, True)]  # one ledger entry holds the import's 24 writes
    assert len(held) == 1  # one write transaction, measured where the lock is taken
    _clean(engine)
    # Again: every mark is unchanged, nothing is written.
    assert mark_import.import_marks(engine, _file(tmp_path), OFFICE).unchanged == 24
    assert _counts(engine) == (24, 24)


def test_another_pcs_write_to_another_cell_meanwhile_is_kept_and_chained(
        engine, paths, pupils, tmp_path):
    other = open_database(paths)
    clock_at(other, dt.datetime.combine(TODAY, dt.time(9, 10)))
    try:
        def kiosk_like() -> None:  # a cell the file does not hold
            rs.apply_changes(other, OFFICE, [MarkChange(pupils[UPNS[0]], TODAY, "AM", "L",
                                                        12)])

        result = _run_with(engine, _file(tmp_path), kiosk_like)
    finally:
        other.dispose()
    assert result.new == 24
    assert _counts(engine) == (25, 25)
    assert _entries(engine) == [(pupils[UPNS[0]], False), (0, True)]  # chained after it
    assert mark_reads.read_cell(engine, pupils[UPNS[0]], TODAY, "AM").code == "L"
    _clean(engine)  # the import's rows were chained after the other write


def test_a_cell_of_the_file_written_meanwhile_is_never_overwritten(
        engine, paths, pupils, tmp_path):
    other = open_database(paths)
    clock_at(other, dt.datetime.combine(DAYS[0], dt.time(9, 10)))
    cell = (pupils[UPNS[0]], DAYS[0], "AM")
    try:
        # The import plans again, sees the late mark, and would have to amend a closed
        # register: without a reason it refuses, and writes nothing at all.
        with pytest.raises(ServiceError, match="registers that have closed"):
            _run_with(engine, _file(tmp_path), lambda: rs.apply_changes(
                other, OFFICE, [MarkChange(*cell, "L", 7)]))
    finally:
        other.dispose()
    assert mark_reads.read_cell(engine, *cell).code == "L"
    assert _counts(engine) == (1, 1)
    _clean(engine)


def test_a_calendar_change_meanwhile_is_decided_again_inside_the_lock(
        engine, paths, pupils, tmp_path):
    other = open_database(paths)
    try:
        result = _run_with(engine, _file(tmp_path), lambda: calendar_service.add_closure(
            other, HEAD, dt.date(2025, 11, 21), "DAY", description="Boiler"))
    finally:
        other.dispose()
    assert result.new == 24
    assert _counts(engine) == (24, 24)
    _clean(engine)


def test_cancel_after_staging_leaves_nothing(engine, pupils, tmp_path):
    token = CancelToken()
    with pytest.raises(Cancelled):
        _run_with(engine, _file(tmp_path), token.cancel, token)
    assert _counts(engine) == (0, 0)
    # The pooled connection's TEMP rows went with it: the next import starts clean.
    assert mark_import.import_marks(engine, _file(tmp_path), OFFICE).new == 24
    _clean(engine)


def test_cells_set_to_the_files_marks_meanwhile_leave_nothing_to_write(
        engine, paths, pupils, tmp_path):
    path = marks_csv(tmp_path, [f"{UPNS[1]},{DAYS[1].isoformat()},AM,/,,"])
    other = open_database(paths)
    clock_at(other, dt.datetime.combine(DAYS[1], dt.time(9, 10)))
    try:
        result = _run_with(engine, path, lambda: rs.apply_changes(
            other, OFFICE, [MarkChange(pupils[UPNS[1]], DAYS[1], "AM", "/")]),
            at="Preparing marks")
    finally:
        other.dispose()
    assert (result.new, result.changed, result.unchanged) == (0, 0, 1)
    assert _counts(engine) == (1, 1)
    _clean(engine)


def test_a_pupil_deleted_meanwhile_is_refused_though_foreign_keys_are_off_for_the_copy(
        engine, paths, pupils, tmp_path):
    """The copy runs with SQLite's foreign-key checks off (mark_import_writer.write): the
    transaction checks the pupils itself, so a pupil gone by then is still refused."""
    import sqlite3

    gone = pupils[UPNS[2]]

    def delete_pupil() -> None:  # another program, between the staging and the write
        raw = sqlite3.connect(paths.sqlite_file)
        try:
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute("DELETE FROM pupil WHERE id = ?", (gone,))
            raw.commit()
        finally:
            raw.close()

    with pytest.raises(ServiceError, match=f"pupil {gone} is not on the register"):
        _run_with(engine, _file(tmp_path), delete_pupil)
    assert _counts(engine) == (0, 0)  # all or nothing


def test_foreign_keys_hold_after_an_import_and_are_checked_again_afterwards(
        engine, pupils, tmp_path):
    seen: list[int] = []  # PRAGMA foreign_keys on the import's connection at the copy

    def at_copy(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO mark (") and "FROM temp." in statement:
            seen.append(conn.connection.dbapi_connection.execute(
                "PRAGMA foreign_keys").fetchone()[0])

    event.listen(engine, "before_cursor_execute", at_copy)
    try:
        assert mark_import.import_marks(engine, _file(tmp_path), OFFICE).new == 24
    finally:
        event.remove(engine, "before_cursor_execute", at_copy)
    assert seen == [0]  # the pragma took effect (it is ignored inside a transaction)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # Every connection still refuses a mark for a pupil that does not exist.
        with pytest.raises(IntegrityError):
            conn.exec_driver_sql(
                "INSERT INTO mark (pupil_id, date, session, code, minutes_late, comment,"
                " source, entered_by, entered_role, entered_at) VALUES (999999,"
                " '2025-11-20', 'AM', '/', NULL, '', 'import', 'x', 'office',"
                " '2025-11-20 09:00:00.000000')")


# -- the import's one ledger entry, tampered with outside the app ---------------------------


def _batch(paths) -> tuple[int, list[bytes]]:  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(paths.sqlite_file)) as con:
        lid, blob = con.execute("SELECT id, batch FROM markledger WHERE batch IS NOT NULL"
                                ).fetchone()
    return int(lid), zlib.decompress(blob).split(b"\n")


def _problems(engine: Engine) -> list[str]:
    return list(integrity_service.check(engine, record=False).problems)


def test_a_write_changed_inside_the_import_entry_is_caught(engine, paths, pupils, tmp_path):
    mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    lid, lines = _batch(paths)
    assert len(lines) == 24
    first = json.loads(lines[0])
    first[3] = "O" if first[3] != "O" else "G"  # the import's first write, made unauthorised
    forged = zlib.compress(b"\n".join([json.dumps(first, separators=(",", ":")).encode(),
                                       *lines[1:]]))
    # ... and the mark made to agree with it, as someone covering their tracks would
    tamper(paths, "DROP TRIGGER markledger_no_update",
           f"UPDATE markledger SET batch = x'{forged.hex()}' WHERE id = {lid}",
           f"UPDATE mark SET code = '{first[3]}' WHERE pupil_id = {first[0]} AND date ="
           f" '{first[1]}' AND session = '{first[2]}'")
    found = _problems(engine)
    assert any(f"entry {lid} (an import by {OFFICE.name} on" in p and "altered" in p
               for p in found), found


def test_an_unreadable_import_entry_is_caught(engine, paths, pupils, tmp_path):
    mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    lid, _ = _batch(paths)
    tamper(paths, "DROP TRIGGER markledger_no_update",
           f"UPDATE markledger SET batch = x'00ff00ff' WHERE id = {lid}")
    found = _problems(engine)
    assert any(f"entry {lid} (an import" in p and "altered" in p for p in found), found
    # its writes are gone from the history, so every mark of the import is unexplained
    assert sum("never written by the app" in p for p in found) == 24


def test_a_mark_of_the_import_changed_afterwards_is_caught(engine, paths, pupils, tmp_path):
    mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    pid = pupils[UPNS[2]]
    tamper(paths, f"UPDATE mark SET code = 'O' WHERE pupil_id = {pid} AND date = '2025-11-18'"
                  " AND session = 'AM'")
    (problem,) = _problems(engine)
    assert "holds 'O' but the app last wrote '/'" in problem


def test_the_import_entry_deleted_is_caught(engine, paths, pupils, tmp_path):
    mark_import.import_marks(engine, _file(tmp_path), OFFICE)
    rs.apply_changes(engine, OFFICE, [MarkChange(pupils[UPNS[0]], TODAY, "AM", "L", 5)])
    lid, _ = _batch(paths)
    tamper(paths, "DROP TRIGGER markledger_no_delete",
           f"DELETE FROM markledger WHERE id = {lid}")
    found = _problems(engine)
    assert any("the chain of mark writes is broken" in p for p in found), found
    assert sum("never written by the app" in p for p in found) == 24

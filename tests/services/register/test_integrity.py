"""The tamper-evident chains and `check` on SQLite: each kind of tampering done with
Python's sqlite3 module on the real file, outside the app, is caught and described."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.records import backup_service
from attendance_desktop.services.register import integrity_service, register_service
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import HEAD
from tests.services import integrity_scenarios as sc


def tamper(paths: AppPaths, *statements: str) -> None:
    """Plain sqlite3, as a person with the file would use it (no app pragmas)."""
    con = sqlite3.connect(paths.sqlite_file, isolation_level=None)
    try:
        for st in statements:
            con.execute(st)
    finally:
        con.close()


@pytest.fixture
def reg(engine: Engine, paths: AppPaths) -> sc.Register:
    return sc.build(engine)


def test_a_register_written_by_the_app_checks_clean(engine: Engine, reg: sc.Register) -> None:
    result = sc.clean(engine)
    # 2 sessions of marks + 1 amendment write, their amendment, the calendar's settings
    with engine.connect() as conn:
        ledger = conn.execute(text("SELECT count(*) FROM markledger")).scalar()
    assert ledger == 2 * len(reg.pupils) + 1
    assert result.records >= ledger + 1
    assert "all well" in result.summary()


def test_a_mark_changed_behind_the_apps_back(engine: Engine, paths: AppPaths,
                                              reg: sc.Register) -> None:
    tamper(paths, f"UPDATE mark SET code = 'O' WHERE pupil_id = {reg.pupils[1]} AND"
                  f" session = 'PM'")
    found = sc.problems(engine)
    assert len(found) == 1
    with engine.connect() as conn:
        fore, sur = conn.execute(text("SELECT legal_forename, legal_surname FROM pupil WHERE"
                                      " id = :i"), {"i": reg.pupils[1]}).one()
    assert f"{fore} {sur}" in found[0]
    assert "Mon 08 Sep 2025 PM" in found[0]
    assert "holds 'O' but the app last wrote '\\'" in found[0]


def test_only_minutes_late_changed_is_caught(engine: Engine, paths: AppPaths,
                                             reg: sc.Register) -> None:
    tamper(paths, f"UPDATE mark SET minutes_late = 2 WHERE pupil_id = {reg.first} AND"
                  " session = 'AM'")
    [problem] = sc.problems(engine)
    assert reg.first_name in problem
    assert "minutes late" in problem


def test_a_mark_deleted_and_one_added(engine: Engine, paths: AppPaths,
                                      reg: sc.Register) -> None:
    tamper(paths, f"DELETE FROM mark WHERE pupil_id = {reg.first} AND session = 'AM'",
           f"INSERT INTO mark (pupil_id, date, session, code, comment, source, entered_by,"
           f" entered_role, entered_at) VALUES ({reg.first}, '2025-09-09', 'AM', '/', '',"
           " 'register', 'x', 'office', '2025-09-09 08:50:00.000000')")
    found = sc.problems(engine)
    assert len(found) == 2
    assert any(reg.first_name in p and "Mon 08 Sep 2025 AM" in p and "'L'" in p
               and "deleted outside the app" in p for p in found)
    assert any("Tue 09 Sep 2025 AM" in p and "never written by the app" in p for p in found)


def test_insert_or_replace_of_an_amendment(engine: Engine, paths: AppPaths,
                                           reg: sc.Register) -> None:
    forged = (f"INSERT OR REPLACE INTO markamendment (id, pupil_id, date, session, old_code,"
              f" old_comment, new_code, new_comment, reason, after_close, source, amended_at,"
              f" staff_name, staff_role) VALUES ({reg.amendment_id}, {reg.first},"
              " '2025-09-08', 'AM', '/', '', 'L', '', 'A forged reason', 1, 'register',"
              " '2025-09-08 15:00:00.000000', 'Test Head', 'head')")
    # Closed at the source: the app's connections refuse it like a DELETE ...
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql(forged)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        assert conn.execute(text("SELECT reason FROM markamendment WHERE id = :i"),
                            {"i": reg.amendment_id}).scalar() == "Arrived after the register closed"
    sc.clean(engine)
    # ... and a plain sqlite3 connection (REPLACE fires no DELETE trigger there) is caught.
    tamper(paths, forged)
    [problem] = sc.problems(engine)
    assert problem == f"Amendment {reg.amendment_id} was altered after it was written"


def test_history_deleted_after_dropping_the_trigger(engine: Engine, paths: AppPaths,
                                                    reg: sc.Register) -> None:
    tamper(paths, "DROP TRIGGER markamendment_no_delete",
           f"DELETE FROM markamendment WHERE id = {reg.amendment_id}")
    found = sc.problems(engine)
    assert ("The guard markamendment_no_delete that stops markamendment records being"
            " changed or deleted is missing (it was dropped)") in found
    assert f"Amendment {reg.amendment_id} was deleted (its chain link remains)" in found


def test_mark_history_cut_out_after_dropping_the_ledger_guards(
        engine: Engine, paths: AppPaths, reg: sc.Register) -> None:
    with engine.connect() as conn:
        middle = conn.execute(text("SELECT min(id) + 1 FROM markledger")).scalar()
    tamper(paths, "DROP TRIGGER markledger_no_delete",
           f"DELETE FROM markledger WHERE id = {middle}")
    found = sc.problems(engine)
    assert any("markledger_no_delete" in p and "missing" in p for p in found)
    assert any(f"the record before entry {middle + 1}" in p and "chain of mark writes is"
               " broken" in p for p in found)
    # the deleted write's mark is now on the register without a ledger entry
    assert any("never written by the app" in p for p in found)


def test_a_disabled_trigger_replaced_by_a_harmless_one(engine: Engine, paths: AppPaths,
                                                       reg: sc.Register) -> None:
    tamper(paths, "DROP TRIGGER settingchange_no_update",
           "CREATE TRIGGER settingchange_no_update BEFORE UPDATE ON settingchange"
           " BEGIN SELECT 1; END",
           "UPDATE settingchange SET new_value = 'forged' WHERE id = (SELECT min(id) FROM"
           " settingchange)")
    found = sc.problems(engine)
    assert any("settingchange_no_update" in p and "no longer refuses" in p for p in found)
    assert any(p.startswith("Settings change ") and p.endswith("was altered after it was"
                                                                " written") for p in found)


def test_a_record_added_without_its_link(engine: Engine, paths: AppPaths,
                                         reg: sc.Register) -> None:
    tamper(paths, "INSERT INTO settingchange (area, key, old_value, new_value, changed_at,"
                  " staff_name, staff_role) VALUES ('policy', 'x', '', 'y',"
                  " '2025-09-08 10:00:00.000000', 'Someone', 'head')")
    [problem] = sc.problems(engine)
    assert problem.startswith("Settings change ")
    assert "added outside the app" in problem


def test_a_chain_cut_back_after_a_clean_check_is_caught(engine: Engine, paths: AppPaths,
                                                        reg: sc.Register) -> None:
    """Removing the newest amendment and its link leaves a consistent chain; the tail the
    last clean check recorded is what shows it."""
    sc.clean(engine)  # records the tails
    tamper(paths, "DROP TRIGGER markamendment_no_delete", "DROP TRIGGER chainlink_no_delete",
           f"DELETE FROM markamendment WHERE id = {reg.amendment_id}",
           f"DELETE FROM chainlink WHERE kind = 'markamendment' AND record_id ="
           f" {reg.amendment_id}")
    found = sc.problems(engine)
    assert any("amendment history seen by the last check" in p for p in found)


def test_clearing_and_bulk_writes_are_chained(engine: Engine, paths: AppPaths,
                                              reg: sc.Register) -> None:
    bind_clock(engine, FixedClock(dt.datetime(2025, 9, 9, 16, 0)))
    day = dt.date(2025, 9, 9)
    register_service.apply_changes(engine, HEAD, [MarkChange(p, day, "AM", "/")
                                                  for p in reg.pupils], reason="late entry")
    register_service.apply_changes(engine, HEAD, [MarkChange(reg.first, day, "AM", "")],
                                   reason="Wrong pupil")
    sc.clean(engine)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT code, entered_by FROM markledger ORDER BY id DESC"
                                 " LIMIT 1")).one()
    assert tuple(last) == ("", HEAD.name)


def test_a_backup_of_a_tampered_database_does_not_verify(engine: Engine, paths: AppPaths,
                                                         reg: sc.Register,
                                                         tmp_path: Path) -> None:
    good = backup_service.run_job(backup_service.make_backup(paths, engine,
                                                             to=tmp_path / "good"))
    assert isinstance(good, backup_service.BackupResult)
    assert good.path is not None
    assert integrity_service.verify_file(good.path) == []
    tamper(paths, f"UPDATE mark SET code = 'G' WHERE pupil_id = {reg.first} AND session ="
                  " 'PM'")
    with pytest.raises(backup_service.BackupFailed, match="holds 'G'"):  # never counts
        backup_service.run_job(backup_service.make_backup(paths, engine, to=tmp_path / "bad"))
    copy = tmp_path / "copy.sqlite3"
    src = sqlite3.connect(paths.sqlite_file)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    [problem] = integrity_service.verify_file(copy)
    assert "holds 'G'" in problem
    assert not backup_service.verify_database(copy).ok


def test_the_last_check_is_remembered_and_due_weekly(engine: Engine, reg: sc.Register) -> None:
    assert integrity_service.last_check(engine) is None
    now = dt.datetime(2025, 9, 10, 9, 0)
    bind_clock(engine, FixedClock(now))
    assert integrity_service.check_is_due(engine, now)
    sc.clean(engine)
    last = integrity_service.last_check(engine)
    assert last is not None
    assert last.at == now
    assert last.problems == 0
    assert not integrity_service.check_is_due(engine, now + dt.timedelta(days=6))
    assert integrity_service.check_is_due(engine, now + dt.timedelta(days=7))
    assert last.describe(now + dt.timedelta(days=2)) == "Register checked 2 days ago: all well"


def test_a_mark_saved_while_the_check_runs_is_no_false_alarm(engine: Engine,
                                                             reg: sc.Register) -> None:
    """The check reads one snapshot: a write committed between its reading of the ledger
    and of the marks is seen by neither, not as a mark without its ledger entry."""
    job = integrity_service.check_job(engine)(CancelToken())
    while next(job).label != integrity_service.COMPARING:
        pass
    bind_clock(engine, FixedClock(dt.datetime(2025, 9, 9, 8, 45)))
    register_service.apply_changes(engine, HEAD, [
        MarkChange(p, dt.date(2025, 9, 9), "AM", "/") for p in reg.pupils])
    result = backup_service.run_job(job)  # drives the rest of the job
    assert isinstance(result, integrity_service.CheckResult)
    assert result.ok, result.problems
    assert sc.clean(engine).records > result.records  # the new marks, checked next time


def test_a_new_kind_is_one_registration(engine: Engine, paths: AppPaths,
                                        reg: sc.Register) -> None:
    """How the pupil-record changes and the access log will join: register the table and
    its fields; rows the ORM adds are linked at commit and checked like every other kind.
    (Shown here with the call log, which is not itself chained.)"""
    from attendance_desktop.db import chains
    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.db.models import CallLog

    chains.register("calllog", "calllog", (
        ("id", chains.INT), ("pupil_id", chains.INT), ("called_at", chains.DATETIME),
        ("method", chains.STR), ("outcome", chains.STR), ("notes", chains.STR),
        ("staff_name", chains.STR)), "call")
    try:
        with session_scope(engine) as s:
            s.add(CallLog(pupil_id=reg.first, outcome="no answer", staff_name="Olly"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM chainlink WHERE kind = 'calllog'"
                                     )).scalar() == 1
        sc.clean(engine)
        tamper(paths, "UPDATE calllog SET outcome = 'reason given'")
        assert sc.problems(engine) == ["Call 1 was altered after it was written"]
    finally:
        chains.KINDS.pop("calllog")

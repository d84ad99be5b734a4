"""Retention: the report, the boundary day, head-only removal through the permit, the log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AccessLog,
    Contact,
    Mark,
    MarkAmendment,
    Pupil,
    PupilChange,
    PupilContact,
    RetentionPermit,
)
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.pupils import pupil_contacts
from attendance_desktop.services.records import retention_service
from tests.conftest import HEAD, OFFICE

D = dt.date
TODAY = D(2031, 9, 6)
CUTOFF = D(2025, 9, 6)  # six years before TODAY


def _pupil(s, name: str, leaving: dt.date | None = None) -> int:  # type: ignore[no-untyped-def]
    p = Pupil(legal_forename=name, legal_surname="Test", dob=D(2015, 5, 1), year_group="6",
              admission_date=D(2019, 9, 2), leaving_date=leaving,
              leaving_reason="Moved" if leaving else "")
    s.add(p)
    s.flush()
    return int(p.id)  # type: ignore[arg-type]


def _mark(s, pid: int, day: dt.date, entered: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
    s.add(Mark(pupil_id=pid, date=day, session="AM", code="/",
               entered_at=dt.datetime.combine(entered or day, dt.time(9, 0))))


def _amend(s, pid: int, day: dt.date, made: dt.date) -> None:  # type: ignore[no-untyped-def]
    s.add(MarkAmendment(pupil_id=pid, date=day, session="AM", old_code="N", new_code="/",
                        reason="late note", amended_at=dt.datetime.combine(made, dt.time(10)),
                        staff_name="Olly", staff_role="office"))


@pytest.fixture
def school(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        ann = _pupil(s, "Ann")  # on roll
        _mark(s, ann, CUTOFF - dt.timedelta(days=1))  # 5 Sep 2025: due (just)
        _mark(s, ann, CUTOFF)  # 6 Sep 2025: exactly six years: kept
        _mark(s, ann, D(2024, 1, 8))  # due
        _amend(s, ann, D(2024, 1, 8), D(2024, 1, 9))
        _mark(s, ann, D(2024, 1, 15))  # entered long ago but amended within the period: kept
        _amend(s, ann, D(2024, 1, 15), D(2026, 2, 2))
        _mark(s, ann, D(2024, 1, 22), entered=CUTOFF)  # entered on the cut-off day: kept
        ben = _pupil(s, "Ben", leaving=D(2024, 7, 19))  # left > 6 years before, marks all due
        _mark(s, ben, D(2024, 7, 1))
        cat = _pupil(s, "Cat", leaving=D(2025, 9, 5))  # left the day before the cut-off
        _mark(s, cat, D(2025, 9, 5))
        dan = _pupil(s, "Dan", leaving=D(2025, 9, 10))  # not yet: left within the period
        _mark(s, dan, D(2025, 9, 9))
        eve = _pupil(s, "Eve", leaving=D(2024, 7, 19))  # left long ago, but a mark of hers
        _mark(s, eve, D(2024, 7, 1))  # was amended within the period: held back
        _amend(s, eve, D(2024, 7, 1), D(2026, 1, 10))
    cid = pupil_contacts.add_contact(engine, HEAD, ben, pupil_contacts.ContactInput(
        surname="Parent", phone_mobile="07700 900123"), pupil_contacts.LinkInput("Mother"))
    return {"ann": ann, "ben": ben, "cat": cat, "dan": dan, "eve": eve, "contact": cid}


def test_years_before_keeps_an_entry_at_least_the_period() -> None:
    assert retention_service.years_before(D(2031, 9, 6), 6) == D(2025, 9, 6)
    assert retention_service.years_before(D(2032, 2, 29), 6) == D(2026, 2, 28)


def test_report_lists_what_is_due_and_nothing_within_the_period(engine: Engine, school) -> None:
    r = retention_service.report(engine, TODAY)
    assert (r.register_cutoff, r.leaver_cutoff) == (CUTOFF, CUTOFF)
    assert r.marks_by_year == (("2023/24", 2), ("2025/26", 2))
    assert r.amendments == 1
    assert {x.pupil_id for x in r.leavers} == {school["ben"], school["cat"]}
    # The day before, the 5 September 2025 entry is still kept.
    earlier = retention_service.report(engine, TODAY - dt.timedelta(days=1))
    assert earlier.marks_by_year == (("2023/24", 2),)  # 5/9/2025 entries kept
    assert {x.pupil_id for x in earlier.leavers} == {school["ben"]}
    assert r.leavers_held == earlier.leavers_held == 1  # Eve: an entry is still kept


def test_only_the_head_removes_and_the_removal_is_logged(engine: Engine, school) -> None:
    r = retention_service.report(engine, TODAY)
    assert "Remove 4 register entries" in retention_service.confirmation_text(r)
    with pytest.raises(PermissionDenied):
        retention_service.remove_due(engine, OFFICE, TODAY, expected=r)
    done = retention_service.remove_due(engine, HEAD, TODAY, expected=r,
                                        now=dt.datetime(2031, 9, 6, 16, 0))
    assert (done.marks, done.amendments, done.leavers) == (4, 1, 2)
    with session_scope(engine) as s:
        left = sorted((m.pupil_id, m.date) for m in s.exec(select(Mark)))
        assert left == sorted([(school["ann"], CUTOFF), (school["ann"], D(2024, 1, 15)),
                               (school["ann"], D(2024, 1, 22)),
                               (school["dan"], D(2025, 9, 9)), (school["eve"], D(2024, 7, 1))])
        # Amendments made within the period stay with their marks.
        assert sorted(a.date for a in s.exec(select(MarkAmendment))) == [D(2024, 1, 15),
                                                                         D(2024, 7, 1)]
        ben = s.get(Pupil, school["ben"])
        assert ben is not None
        assert (ben.legal_forename, ben.legal_surname, ben.upn) == (
            "Former pupil", f"#{school['ben']}", None)
        assert ben.dob == D(2015, 1, 1)
        assert s.exec(select(PupilContact).where(
            PupilContact.pupil_id == school["ben"])).all() == []
        assert s.get(Contact, school["contact"]) is None
        changes = s.exec(select(PupilChange).where(
            PupilChange.pupil_id == school["ben"])).all()
        assert [(c.field, c.source) for c in changes] == [("record", "retention")]
        assert s.get(Pupil, school["dan"]).legal_forename == "Dan"  # type: ignore[union-attr]
        assert s.exec(select(func.count()).select_from(RetentionPermit)).one() == 0
        log = s.exec(select(AccessLog).where(AccessLog.kind == "retention")).one()
    assert (log.staff_name, log.staff_role, log.pupils) == ("Test Head", "head", 3)
    assert "2023/24=2, 2025/26=2" in log.details
    assert "amendment records: 1" in log.details
    assert "Ann" not in log.details
    assert retention_service.report(engine, TODAY).nothing_due


def test_a_stale_confirmation_is_refused(engine: Engine, school) -> None:
    r = retention_service.report(engine, TODAY - dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="look at"):
        retention_service.remove_due(engine, HEAD, TODAY, expected=r)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Mark)).one() == 9


def test_history_cannot_be_deleted_outside_a_removal(engine: Engine, school) -> None:
    from sqlalchemy.exc import DBAPIError

    for table in ("markamendment", "pupilchange"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))


def test_register_retention_cannot_be_set_below_six_years(engine: Engine) -> None:
    from attendance_desktop.domain.policy import PolicyError
    from attendance_desktop.services.school import policy_service

    with pytest.raises(PolicyError, match="at least 6"):
        policy_service.load_policy(engine).replace(retention_years=3)


def test_a_retention_removal_leaves_the_register_check_clean(engine: Engine, school) -> None:
    import sqlite3

    from attendance_desktop.db import chains
    from attendance_desktop.services.register import integrity_service

    # The fixture wrote its old marks straight into the table: give them their ledger
    # entries as the app would have written them, so the check starts clean.
    with engine.begin() as conn:
        cols = [c for c, _ in chains.MARK.fields]
        rows = conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM mark ORDER BY id").all()
        chains.insert_ledger(conn, chains.ledger_rows(conn, [tuple(r) for r in rows]))
    assert integrity_service.check(engine).problems == ()
    r = retention_service.report(engine, TODAY)
    done = retention_service.remove_due(engine, HEAD, TODAY, expected=r,
                                        now=dt.datetime(2031, 9, 6, 16, 0))
    assert (done.marks, done.amendments) == (4, 1)
    with session_scope(engine) as s:
        log = s.exec(select(AccessLog).where(AccessLog.kind == "retention")).one()
    assert "removed amendment ids: 1" in log.details
    assert "removed pupil change ids: " in log.details  # Ben's contact, now erased
    # What the head removed is recorded in the chains as removed, not reported as tampering.
    assert integrity_service.check(engine).problems == ()
    # Anything else deleted behind the app's back is still caught.
    db_file = engine.url.database
    assert db_file
    with sqlite3.connect(db_file) as con:
        con.execute("DROP TRIGGER pupilchange_no_update")
        con.execute("UPDATE pupilchange SET new_value = 'Someone else' WHERE source ="
                    " 'retention'")
        con.execute("DROP TRIGGER markamendment_no_delete")
        con.execute("DELETE FROM markamendment")
        con.execute("DELETE FROM mark WHERE date = '2024-01-22'")
    con.close()
    problems = integrity_service.check(engine).problems
    assert sum("was deleted" in p for p in problems) == 2  # the two amendments kept
    assert any("deleted outside the app" in p for p in problems)
    assert any("markamendment_no_delete" in p for p in problems)
    assert any(p.startswith("Pupil record change") and "altered" in p for p in problems)


def test_removed_ids_are_written_as_ranges() -> None:
    assert retention_service.id_ranges([7, 1, 2, 3, 9, 10]) == "1-3,7,9-10"
    assert retention_service.id_ranges([]) == ""

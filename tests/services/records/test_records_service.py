"""Who did what (pupil-change log, access log), append-only on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    MarkAmendment,
    Pupil,
    PupilChange,
    SettingChange,
    Staff,
)
from attendance_desktop.domain.roles import Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.errors import PermissionDenied
from attendance_desktop.services.interchange import pupil_import
from attendance_desktop.services.pupils import pupil_contacts as pc
from attendance_desktop.services.pupils import pupil_service as ps
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import auth_service
from tests.conftest import HEAD, OFFICE

TODAY = dt.date(2025, 11, 20)


def _data(**kw) -> ps.PupilInput:  # type: ignore[no-untyped-def]
    base = ps.PupilInput(legal_forename="Ada", legal_surname="Lovelace",
                         dob=dt.date(2017, 5, 1), year_group="3",
                         admission_date=dt.date(2021, 9, 1))
    return dataclasses.replace(base, **kw)


def _changes(engine: Engine, pupil_id: int) -> list[tuple[str, str, str, str, str]]:
    with session_scope(engine) as s:
        return [(c.field, c.old_value, c.new_value, c.staff_name, c.staff_role)
                for c in s.exec(select(PupilChange).where(PupilChange.pupil_id == pupil_id)
                                .order_by(PupilChange.id))]


def test_editor_changes_to_pupils_and_contacts_are_recorded(engine: Engine) -> None:
    pid = ps.add_pupil(engine, OFFICE, _data(), today=TODAY)
    assert ("record", "", "added", "Test Office", "office") in _changes(engine, pid)
    ps.update_pupil(engine, HEAD, pid, _data(legal_surname="King", dob=dt.date(2017, 6, 2),
                                             sen="K", fsm=True), today=TODAY)
    ps.leave(engine, OFFICE, pid, dt.date(2025, 12, 19), "Moved away")
    cid = pc.add_contact(engine, OFFICE, pid, pc.ContactInput(surname="King", forename="Ann",
                                                              phone_mobile="07700 900001"),
                         pc.LinkInput(relationship="Mother"))
    link = pc.list_contacts(engine, pid)[0]
    pc.update_contact(engine, OFFICE, link.link_id,
                      dataclasses.replace(link.contact, phone_mobile="07700 900002"),
                      link.link)
    pc.remove_link(engine, OFFICE, link.link_id)
    got = _changes(engine, pid)
    for row in [("legal_surname", "Lovelace", "King", "Test Head", "head"),
                ("dob", "2017-05-01", "2017-06-02", "Test Head", "head"),
                ("sen", "N", "K", "Test Head", "head"),
                ("fsm", "no", "yes", "Test Head", "head"),
                ("leaving_date", "", "2025-12-19", "Test Office", "office"),
                ("contact added", "", "Ann King (Mother)", "Test Office", "office"),
                ("contact phone_mobile", "07700 900001", "07700 900002", "Test Office",
                 "office"),
                ("contact removed", "Ann King (Mother)", "", "Test Office", "office")]:
        assert row in got
    # Unchanged fields leave no entry: the year group only has the one from "added".
    assert [r for r in got if r[0] == "year_group"] == [("year_group", "", "3", "Test Office",
                                                        "office")]
    assert cid


def test_pupil_import_records_new_and_changed_fields(engine: Engine, tmp_path: Path) -> None:
    upn = with_check_letter("821200125001")
    path = tmp_path / "p.csv"
    # Contacts are matched by name, so the same contact's phone changes (a new name would
    # be a new contact, recorded as added).
    path.write_text(f"UPN,Forename,Surname,DOB,Year,Contact 1 name,Contact 1 phone\n"
                    f"{upn},Ann,Smith,01/05/2017,3,Mrs Jo Smith,07700 900001\n",
                    encoding="utf-8")
    pupil_import.import_pupils(engine, path, HEAD, today=TODAY)
    path.write_text(f"UPN,Forename,Surname,DOB,Year,Contact 1 name,Contact 1 phone\n"
                    f"{upn},Ann,Smyth,01/05/2017,4,Mrs Jo Smith,07700 900002\n",
                    encoding="utf-8")
    pupil_import.import_pupils(engine, path, HEAD, today=TODAY)
    with session_scope(engine) as s:
        pid = s.exec(select(Pupil.id)).one()
        rows = s.exec(select(PupilChange).where(PupilChange.pupil_id == pid)).all()
    got = {(r.field, r.old_value, r.new_value, r.source) for r in rows}
    assert ("record", "", "added", "import") in got
    assert ("legal_surname", "Smith", "Smyth", "import") in got
    assert ("year_group", "3", "4", "import") in got
    assert ("contact added", "", "Mrs Jo Smith", "import") in got
    assert ("contact phone_mobile", "07700 900001", "07700 900002", "import") in got


def test_demo_records_its_pupils_and_a_real_import_disables_the_demo_staff(
        engine: Engine, tmp_path: Path) -> None:
    demo_service.create_demo(engine, pupils=7, today=TODAY)
    with session_scope(engine) as s:
        demo_pupils = s.exec(select(Pupil)).all()
        entries = s.exec(select(PupilChange).where(PupilChange.source == "demo")).all()
        assert len(entries) == len(demo_pupils)
        staff = s.exec(select(Staff)).all()
        assert staff
        assert all(r.is_demo and r.active for r in staff)
        head_id = next(r.id for r in staff if r.role == "head")
    assert auth_service.sign_in(engine, head_id, demo_service.DEMO_PINS[Role.HEAD])
    assert not auth_service.needs_head_account(engine)
    path = tmp_path / "real.csv"
    path.write_text("UPN,Forename,Surname,DOB,Year\n"
                    f"{with_check_letter('821200125001')},Real,Child,01/05/2017,3\n",
                    encoding="utf-8")
    result = pupil_import.import_pupils(engine, path, HEAD, today=TODAY)
    assert result.demo_accounts_disabled == len(staff)
    assert "create the headteacher's account" in str(result)
    with pytest.raises(auth_service.SignInRefused):  # the published PIN no longer works
        auth_service.sign_in(engine, head_id, demo_service.DEMO_PINS[Role.HEAD])
    assert auth_service.needs_head_account(engine)
    with session_scope(engine) as s:
        log = s.exec(select(SettingChange).where(SettingChange.area == "staff")).all()
        assert len(log) == len(staff)
    head = auth_service.create_first_head(engine, "Pat Head", "284617")
    assert head.role is Role.HEAD
    assert not auth_service.needs_head_account(engine)


def test_record_export_keeps_counts_and_file_names_only(engine: Engine) -> None:
    audit_service.record_export(engine, OFFICE, "fire roll", [3, 4, 4, 5],
                                Path("/home/office/Documents/fire roll.pdf"), kind="print")
    with session_scope(engine) as s:
        audit_service.record_export(s, HEAD, "census", 210, "C:\\exports\\census.xml")
    with pytest.raises(PermissionDenied):
        audit_service.list_access(engine, OFFICE)
    rows = audit_service.list_access(engine, HEAD)
    assert [(r.what, r.pupils, r.target, r.kind) for r in rows] == [
        ("census", 210, "census.xml", "export"), ("fire roll", 3, "fire roll.pdf", "print")]
    assert [r.what for r in audit_service.list_access(engine, HEAD, kind="print")] == [
        "fire roll"]


def _refuses_update_and_delete(engine: Engine, table: str) -> None:
    with engine.connect() as conn:
        before = conn.execute(text(f"SELECT * FROM {table}")).all()
    assert before
    for statement in (f"UPDATE {table} SET id = id + 1000", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT * FROM {table}")).all() == before


def _one_of_each(engine: Engine) -> int:
    pid = ps.add_pupil(engine, OFFICE, _data(), today=TODAY)
    audit_service.record_export(engine, OFFICE, "export marks", 1, "m.csv")
    with session_scope(engine) as s:
        s.add(MarkAmendment(pupil_id=pid, date=dt.date(2018, 1, 8), session="AM",
                            old_code="N", new_code="I", staff_name="A", staff_role="office",
                            amended_at=dt.datetime(2018, 1, 9, 9, 0)))
    return pid


def delete_with_permit(conn: Connection, before: dt.date) -> None:
    """What only the retention removal may do: a permit, then the DELETE it covers."""
    conn.execute(text("INSERT INTO retentionpermit (table_name, before_date) VALUES"
                      " ('markamendment', :d)"), {"d": before})
    conn.execute(text("DELETE FROM markamendment"))


@pytest.mark.parametrize("table", ["pupilchange", "accesslog", "markamendment"])
def test_logs_are_append_only_on_sqlite(engine: Engine, table: str) -> None:
    _one_of_each(engine)
    _refuses_update_and_delete(engine, table)


def test_a_permit_outside_retention_does_not_open_the_guard(engine: Engine) -> None:
    """The permit only covers rows dated (and made) before its date."""
    _one_of_each(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        delete_with_permit(conn, dt.date(2018, 1, 9))  # made on the 9th: not covered
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM markamendment")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM retentionpermit")).scalar_one() == 0

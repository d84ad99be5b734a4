"""Files from real offices (issue 14 points 1-3): encodings, delimiters, oversize cells,
impossible numbers and dates, year groups, several contacts, the home address, UPN
warnings, and history for pupils imported without an admission date. Every case goes
through the real import (real files in a real folder, a real database) and checks that a
refused file saves nothing."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, Pupil, PupilContact, PupilHome
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.errors import ImportRejected, ServiceError
from attendance_desktop.services.interchange import import_service as imp
from attendance_desktop.services.interchange import mark_import, pupil_import, pupil_import_check
from attendance_desktop.services.letters import letter_plans
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.school import policy_service
from tests.conftest import HEAD, OFFICE, clock_at, put_marks

TODAY = dt.date(2025, 11, 20)
UPNS = [with_check_letter(f"821200125{i:03d}") for i in range(1, 10)]
MARK_HEADER = "upn,date,session,code,minutes_late,comment\n"


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pupils(engine: Engine) -> dict[str, Pupil]:
    with session_scope(engine) as s:
        return {p.upn: p for p in s.exec(select(Pupil)) if p.upn}


def marks(engine: Engine) -> list[tuple[str, dt.date, str, str]]:
    from attendance_desktop.db.models import Mark
    with session_scope(engine) as s:
        rows = s.exec(select(Pupil.upn, Mark.date, Mark.session, Mark.code)
                      .join(Pupil, Pupil.id == Mark.pupil_id)).all()
    return sorted((str(u), d, ss, c) for u, d, ss, c in rows)


def one_pupil(engine: Engine, tmp_path: Path, admitted: str = "2025-09-03") -> None:
    pupil_import.import_pupils(engine, write_bytes(tmp_path, "one.csv", (
        "UPN,Forename,Surname,DOB,Year,Admission date\n"
        f"{UPNS[0]},Mia,Abbott,2019-05-01,1,{admitted}\n").encode()), today=TODAY)


# --- encodings and delimiters, for both imports -----------------------------------------


PUPIL_TEXT = ("UPN\tForename\tSurname\tDOB\tYear\n"
              f"{UPNS[0]}\tZoë\tNí Bhriain\t2019-05-01\t1\n")


def test_excel_unicode_text_utf16_tab_separated_pupils_and_marks(
        engine: Engine, school_year, tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "unicode.txt", codecs.BOM_UTF16_LE
                       + PUPIL_TEXT.encode("utf-16-le"))
    pupil_import.import_pupils(engine, path, today=TODAY)
    assert pupils(engine)[UPNS[0]].legal_forename == "Zoë"
    marks_text = MARK_HEADER.replace(",", "\t") + f"{UPNS[0]}\t2025-11-17\tAM\t/\t\t\n"
    mark_import.import_marks(engine, write_bytes(tmp_path, "m.txt", codecs.BOM_UTF16_LE
                                         + marks_text.encode("utf-16-le")))
    assert marks(engine) == [(UPNS[0], dt.date(2025, 11, 17), "AM", "/")]


def test_windows_1252_marks_file(engine: Engine, school_year, tmp_path: Path) -> None:
    one_pupil(engine, tmp_path)
    path = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,B,,"
                                           "Café trip\n").encode("cp1252"))
    mark_import.import_marks(engine, path)
    with session_scope(engine) as s:
        from attendance_desktop.db.models import Mark
        assert s.exec(select(Mark.comment)).one() == "Café trip"


def test_utf8_file_with_one_windows_1252_byte_is_refused_not_garbled(
        engine: Engine, school_year, tmp_path: Path) -> None:
    data = (f"UPN,Forename,Surname,DOB,Year\n{UPNS[0]},Zoë,Abbott,2019-05-01,1\n"
            .encode() + f"{UPNS[1]},Ren".encode() + b"\xe9" + b"e,Barnes,2019-05-01,1\n")
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, write_bytes(tmp_path, "mixed.csv", data), today=TODAY)
    assert caught.value.problems[0].row == 3
    assert "mixes two text encodings" in caught.value.problems[0].message
    assert pupils(engine) == {}  # never "ZoÃ«"
    one_pupil(engine, tmp_path)
    mixed_marks = (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,B,,Zoë's trip\n").encode() + (
        f"{UPNS[0]},2025-11-17,PM,B,,caf".encode() + b"\xe9\n")
    with pytest.raises(ImportRejected, match=r"row 3.*mixes two text encodings"):
        mark_import.import_marks(engine, write_bytes(tmp_path, "mixed_marks.csv", mixed_marks))
    assert marks(engine) == []


def test_semicolon_file_with_a_quoted_comma_in_a_header(engine: Engine, school_year,
                                                         tmp_path: Path) -> None:
    text = ('UPN;"Surname, legal";Forename;DOB;Year;Reg Group\n'
            f'{UPNS[0]};"Abbott, Jr";Mia;01/05/2019;1;"Robins, Room 2"\n')
    source = write_bytes(tmp_path, "semi.csv", text.encode())
    preview = pupil_import_check.preview_pupils(engine, source,
                                 mapping={"upn": "UPN", "legal_surname": "Surname, legal",
                                          "legal_forename": "Forename", "dob": "DOB",
                                          "year_group": "Year", "class_name": "Reg Group"},
                                 today=TODAY)
    assert preview.problems == ()
    assert (preview.rows[0].legal_surname, preview.rows[0].class_name) == (
        "Abbott, Jr", "Robins, Room 2")
    one_pupil(engine, tmp_path)
    semi = write_bytes(tmp_path, "m.csv", ('upn;date;session;code;minutes_late;"comment, '
                                           'if any"\n' f'{UPNS[0]};2025-11-17;AM;L;5;"bus, '
                                           'late"\n').encode())
    assert mark_import.import_marks(engine, semi).new == 1


# --- sizes and numbers: row and column, never a traceback ---------------------------------


def test_a_cell_bigger_than_the_csv_limit_is_a_row_problem(engine: Engine, school_year,
                                                           tmp_path: Path) -> None:
    one_pupil(engine, tmp_path)
    huge = "x" * 200_000
    path = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,/,,ok\n"
                                           f'{UPNS[0]},2025-11-17,PM,B,,"{huge}"\n').encode())
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert caught.value.problems[0].row == 3
    assert marks(engine) == []
    long_name = write_bytes(tmp_path, "p.csv", ("UPN,Forename,Surname,DOB,Year\n"
                                                f"{UPNS[1]},{'A' * 5000},Barnes,2019-05-01,1\n"
                                                ).encode())
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, long_name, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "Forename")]


@pytest.mark.parametrize("minutes", [str(2 ** 63), str(2 ** 63 + 1), "9" * 40, "-5", "ten",
                                     "1e3", "12.5", "721"])
def test_minutes_late_out_of_range_is_a_row_and_column_problem(
        engine: Engine, school_year, tmp_path: Path, minutes: str) -> None:
    one_pupil(engine, tmp_path)
    path = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,L,"
                                           f"{minutes},\n").encode())
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "minutes_late")]
    assert "from 0 to 720" in caught.value.problems[0].message
    assert marks(engine) == []


# --- dates a mark cannot have ----------------------------------------------------------


@pytest.mark.parametrize(("day", "code", "why"), [
    ("2025-11-22", "/", "is a weekend day"),               # Saturday
    ("2025-12-25", "/", "holiday"),                        # Christmas Day, in the holidays
    ("2025-10-29", "/", "holiday"),                        # October half term
    ("2024-12-25", "/", "bank holiday (Christmas Day)"),   # before the term dates here
    ("2030-01-07", "C", "days ahead"),
    ("9999-12-27", "C", "days ahead"),
])
def test_marks_on_days_without_a_session_or_in_the_future_are_refused(
        engine: Engine, school_year, tmp_path: Path, day: str, code: str, why: str) -> None:
    one_pupil(engine, tmp_path, admitted="2024-09-02")
    clock_at(engine, dt.datetime(2025, 11, 20, 16, 0))
    path = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,/,,\n"
                                           f"{UPNS[0]},{day},AM,{code},,\n").encode())
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert [p.row for p in caught.value.problems] == [3]
    assert why in caught.value.problems[0].message
    assert marks(engine) == []


def test_closures_take_only_their_own_code_and_future_limit_is_a_setting(
        engine: Engine, school_year, tmp_path: Path) -> None:
    from attendance_desktop.services.school import calendar_service
    one_pupil(engine, tmp_path)
    clock_at(engine, dt.datetime(2025, 11, 20, 16, 0))
    calendar_service.add_closure(engine, HEAD, dt.date(2025, 11, 28), "DAY", "inset",
                                 description="INSET day")
    refused = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-28,AM,/,,\n"
                                              ).encode())
    with pytest.raises(ImportRejected, match=r"INSET day\): only # may be recorded"):
        mark_import.import_marks(engine, refused)
    ok = write_bytes(tmp_path, "ok.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-28,AM,#,,\n"
                                          f"{UPNS[0]},2026-01-12,AM,C,,\n").encode())
    assert mark_import.import_marks(engine, ok).new == 2  # leave granted ahead: 53 days, within 92
    policy_service.save_policy(engine, HEAD, Policy().replace(import_future_days=30))
    later = write_bytes(tmp_path, "later.csv", (MARK_HEADER + f"{UPNS[0]},2026-01-13,AM,C,,\n"
                                                ).encode())
    with pytest.raises(ImportRejected, match="more than 30 days ahead"):
        mark_import.import_marks(engine, later)


def test_marks_after_leaving_are_refused(engine: Engine, school_year, tmp_path: Path) -> None:
    pupil_import.import_pupils(engine, write_bytes(tmp_path, "p.csv", (
        "UPN,Forename,Surname,DOB,Year,Admission date,Leaving date\n"
        f"{UPNS[0]},Mia,Abbott,2019-05-01,1,2025-09-03,2025-11-14\n").encode()), today=TODAY)
    path = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2025-11-17,AM,/,,\n"
                                           ).encode())
    with pytest.raises(ImportRejected, match=r"not on roll on 17/11/2025 .*left 14/11/2025"):
        mark_import.import_marks(engine, path)


# --- year groups -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["-1", "+1", "1.5", "Year -1", "7", "Year 12"])
def test_year_groups_that_are_not_primary_years(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a (primary )?year group"):
        imp.parse_year_group(text)


def test_year_group_outside_the_schools_range_is_refused(engine: Engine, school_year,
                                                         tmp_path: Path) -> None:
    policy_service.save_policy(engine, HEAD, Policy().replace(
        year_groups=("R", "1", "2", "3", "4", "5", "6")))  # no nursery here
    path = write_bytes(tmp_path, "p.csv", ("UPN,Forename,Surname,DOB,Year\n"
                                           f"{UPNS[0]},Mia,Abbott,2022-05-01,N1\n"
                                           f"{UPNS[1]},Theo,Barnes,2019-05-01,-1\n").encode())
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, path, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "Year"), (3, "Year")]
    assert "outside the school's year groups (R, 1, 2" in caught.value.problems[0].message
    assert pupils(engine) == {}


# --- contacts and the home address -----------------------------------------------------------


CONTACTS_HEADER = ("UPN,Forename,Surname,DOB,Year,Address,Town,Postcode,"
                   "Contact 1 name,Contact 1 relationship,Contact 1 priority,Contact 1 phone,"
                   "Contact 1 mobile,Contact 1 email,Contact 1 address,"
                   "Contact 1 parental responsibility,"
                   "Contact 2 name,Contact 2 relationship,Contact 2 priority,Contact 2 phone,"
                   "Contact 2 mobile,Contact 2 email,Contact 2 address,Contact 2 postcode,"
                   "Contact 2 parental responsibility,Contact 3 name,Contact 3 relationship,"
                   "Contact 3 mobile,Contact 3 parental responsibility\n")


def test_several_contacts_and_the_home_address(engine: Engine, school_year,
                                               tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "p.csv", (CONTACTS_HEADER + (
        f'{UPNS[0]},Mia,Abbott,2019-05-01,1,"1 Example Road, Flat 2",Testbury,ts1 1aa,'
        "Mrs Dana Abbott,Mother,2,0117 496 0001,07700 900001,dana@example.com,,Y,"
        'Mr Sam Abbott,Father,1,,07700 900002,sam@example.com,"9 Other Street, Testbury",'
        "TS2 2BB,yes,Gran Olive Abbott,Grandparent,07700 900003,N\n"
        f"{UPNS[1]},Leo,Abbott,2020-06-01,R,\"1 Example Road, Flat 2\",Testbury,TS1 1AA,"
        "Mrs Dana Abbott,Mother,1,,07700 900001,,,Y,,,,,,,,,,,,,\n")).encode())
    pupil_import.import_pupils(engine, path, today=TODAY)
    got = pupils(engine)
    with session_scope(engine) as s:
        home = s.get(PupilHome, got[UPNS[0]].id)
        assert home is not None
        assert (home.address, home.postcode) == ("1 Example Road, Flat 2, Testbury", "TS1 1AA")
        links = s.exec(select(PupilContact, Contact).join(
            Contact, Contact.id == PupilContact.contact_id).where(
            PupilContact.pupil_id == got[UPNS[0]].id).order_by(PupilContact.priority)).all()
        rows = [(ln.priority, ln.relationship, ln.parental_responsibility, c.title,
                 c.forename, c.surname, c.phone_home, c.phone_mobile, c.email, c.address,
                 c.postcode) for ln, c in links]
        assert rows == [
            (1, "Father", True, "Mr", "Sam", "Abbott", "", "07700 900002", "sam@example.com",
             "9 Other Street, Testbury", "TS2 2BB"),
            (2, "Mother", True, "Mrs", "Dana", "Abbott", "0117 496 0001", "07700 900001",
             "dana@example.com", "", ""),
            (3, "Grandparent", False, "", "Gran Olive", "Abbott", "", "07700 900003", "", "",
             ""),
        ]
        # The sibling's mother is the same contact (same name and mobile), not a copy.
        dana = [c.id for _, c in links if c.forename == "Dana"]
        leo_links = s.exec(select(PupilContact).where(
            PupilContact.pupil_id == got[UPNS[1]].id)).all()
        assert [ln.contact_id for ln in leo_links] == dana
    # Importing the file again duplicates nobody.
    pupil_import.import_pupils(engine, path, today=TODAY)
    with session_scope(engine) as s:
        assert len(s.exec(select(Contact)).all()) == 3
        assert len(s.exec(select(PupilContact)).all()) == 4


def test_contact_problems_name_row_and_column(engine: Engine, tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "p.csv", (
        "UPN,Forename,Surname,DOB,Year,Contact 2 name,Contact 2 priority,Contact 2 email,"
        "Contact 3 mobile,Contact 2 parental responsibility\n"
        f"{UPNS[0]},Mia,Abbott,2019-05-01,1,Sam Abbott,first,sam-at-example.com,"
        "07700 900003,maybe\n").encode())
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, path, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (2, "Contact 2 priority"), (2, "Contact 2 email"),
        (2, "Contact 2 parental responsibility"), (2, "Contact 3 name")]


def test_letters_use_the_pupils_home_address_for_a_parent_without_one(
        engine: Engine, school_year, tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "p.csv", (
        "UPN,Forename,Surname,DOB,Year,Address,Postcode,Contact 1 name,Contact 1 mobile\n"
        f'{UPNS[0]},Mia,Abbott,2019-05-01,1,"1 Example Road, Testbury",TS1 1AA,'
        "Mrs Dana Abbott,07700 900001\n").encode())
    pupil_import.import_pupils(engine, path, today=TODAY)
    pid = pupils(engine)[UPNS[0]].id
    plan = letter_plans.plan_batch(engine, "half_termly_report", [pid], today=TODAY)
    [letter] = plan.letters
    assert letter.address_lines == ("Mrs Abbott", "1 Example Road", "Testbury", "TS1 1AA")


# --- UPNs: warnings, not refusals ------------------------------------------------------------


def test_new_council_and_temporary_upns_import_with_warnings(engine: Engine, school_year,
                                                             tmp_path: Path) -> None:
    dorset = with_check_letter("838200125001")
    cumberland = with_check_letter("942200125002")
    unknown = with_check_letter("999200125003")
    temporary = with_check_letter("83820012500A")
    path = write_bytes(tmp_path, "p.csv", (
        "UPN,Forename,Surname,DOB,Year\n"
        f"{dorset},Ava,One,2019-05-01,1\n{cumberland},Ben,Two,2019-05-01,1\n"
        f"{unknown},Cai,Three,2019-05-01,1\n{temporary},Dee,Four,2019-05-01,1\n").encode())
    result = pupil_import.import_pupils(engine, path, today=TODAY)
    assert result.new == 4
    assert [(w.row, w.column) for w in result.warnings] == [(4, "UPN"), (5, "UPN")]
    assert "(999) are not on the DfE's list" in result.warnings[0].message
    assert "temporary UPN" in result.warnings[1].message
    assert "warning: p.csv: row 4, column 'UPN'" in str(result)
    assert set(pupils(engine)) == {dorset, cumberland, unknown, temporary}


# --- history for pupils imported without an admission date ------------------------------------


def test_history_is_on_roll_for_a_pupil_imported_without_an_admission_date(
        engine: Engine, school_year, tmp_path: Path) -> None:
    pupil_import.import_pupils(engine, write_bytes(tmp_path, "p.csv", (
        "UPN,Forename,Surname,DOB,Year\n"
        f"{UPNS[0]},Mia,Abbott,2018-05-01,2\n").encode()), today=TODAY)
    mia = pupils(engine)[UPNS[0]]
    assert (mia.admission_date, mia.admission_assumed) == (school_year.start, True)
    history = write_bytes(tmp_path, "m.csv", (MARK_HEADER + f"{UPNS[0]},2024-06-12,AM,Z,,\n"
                                              f"{UPNS[0]},2024-11-18,AM,/,,\n"
                                              f"{UPNS[0]},2025-03-04,PM,I,,\n"
                                              f"{UPNS[0]},2025-11-17,AM,/,,\n").encode())
    assert mark_import.import_marks(engine, history).new == 4
    mia = pupils(engine)[UPNS[0]]
    assert (mia.admission_date, mia.admission_assumed) == (dt.date(2024, 11, 18), True)

    # Given later, an admission date that leaves marks outside the roll is refused with
    # the list, in a re-import and in the editor; the marks stay as they were.
    late = write_bytes(tmp_path, "late.csv", (
        "UPN,Forename,Surname,DOB,Year,Admission date\n"
        f"{UPNS[0]},Mia,Abbott,2018-05-01,2,2025-09-03\n").encode())
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, late, today=TODAY)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "Admission date")
    assert "would leave 2 marks on record before it" in problem.message
    assert "18/11/2024 AM /, 04/03/2025 PM I" in problem.message
    details = pupil_service.get_pupil(engine, mia.id)
    with pytest.raises(ServiceError, match="Admission date: admission date 03/09/2025 would "
                                           "leave 2 marks"):
        pupil_service.update_pupil(engine, OFFICE, mia.id, _replace(
            details.data, admission_date=dt.date(2025, 9, 3)), today=TODAY)
    assert len(marks(engine)) == 4
    # A date on or before the first mark is accepted and is no longer assumed.
    ok = write_bytes(tmp_path, "ok.csv", (
        "UPN,Forename,Surname,DOB,Year,Admission date\n"
        f"{UPNS[0]},Mia,Abbott,2018-05-01,2,2024-09-04\n").encode())
    pupil_import.import_pupils(engine, ok, today=TODAY)
    mia = pupils(engine)[UPNS[0]]
    assert (mia.admission_date, mia.admission_assumed) == (dt.date(2024, 9, 4), False)
    # Now a given date: earlier history is refused as before admission.
    earlier = write_bytes(tmp_path, "e.csv", (MARK_HEADER + f"{UPNS[0]},2024-07-02,AM,/,,\n"
                                              ).encode())
    with pytest.raises(ImportRejected, match="not on roll on 02/07/2024"):
        mark_import.import_marks(engine, earlier)


def test_editor_admission_date_checked_against_marks(engine: Engine, school_year,
                                                     tmp_path: Path) -> None:
    one_pupil(engine, tmp_path)
    mia = pupils(engine)[UPNS[0]]
    put_marks(engine, OFFICE, [(mia.id, dt.date(2025, 11, 17), "AM", "/")])
    details = pupil_service.get_pupil(engine, mia.id)
    with pytest.raises(ServiceError, match=r"17/11/2025 AM /"):
        pupil_service.update_pupil(engine, OFFICE, mia.id, _replace(
            details.data, admission_date=dt.date(2025, 11, 18)), today=TODAY)
    pupil_service.update_pupil(engine, OFFICE, mia.id, _replace(
        details.data, admission_date=dt.date(2025, 11, 17)), today=TODAY)
    assert pupils(engine)[UPNS[0]].admission_date == dt.date(2025, 11, 17)


def _replace(data: pupil_service.PupilInput, **kw: object) -> pupil_service.PupilInput:
    import dataclasses
    return dataclasses.replace(data, **kw)  # type: ignore[arg-type]

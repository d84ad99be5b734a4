"""Pupil and mark imports (all or nothing, every problem named) and the marks export."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Mark,
    MarkAmendment,
    Pupil,
    PupilContact,
    SchoolClass,
    SettingChange,
)
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.progress import Cancelled, CancelToken, Progress
from attendance_desktop.domain.roles import CLI_ACTOR, Actor, Role
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import ImportRejected, PermissionDenied, ServiceError
from attendance_desktop.services.interchange import import_service as imp
from attendance_desktop.services.interchange import (
    mark_export,
    mark_import,
    pupil_fields,
    pupil_import,
    pupil_import_check,
)
from attendance_desktop.services.school import calendar_service
from tests.conftest import HEAD, OFFICE, put_mark, put_marks

FIXTURES = Path(__file__).parents[2] / "fixtures"
SIMS = FIXTURES / "pupils_sims.csv"
TODAY = dt.date(2025, 11, 20)
UPNS = [with_check_letter(f"821200125{i:03d}") for i in range(1, 10)]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def pupil_count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(Pupil)).one()


def pupils_by_upn(engine: Engine) -> dict[str, Pupil]:
    with session_scope(engine) as s:
        return {p.upn: p for p in s.exec(select(Pupil)) if p.upn}


def mark_tuples(engine: Engine) -> list[tuple]:
    with session_scope(engine) as s:
        rows = s.exec(select(Pupil.upn, Mark.date, Mark.session, Mark.code, Mark.minutes_late,
                             Mark.comment).join(Pupil, Pupil.id == Mark.pupil_id)).all()
    return sorted(tuple(r) for r in rows)


def marks_csv(tmp_path: Path, rows: list[str], name: str = "marks.csv") -> Path:
    return write(tmp_path, name, "upn,date,session,code,minutes_late,comment\n"
                 + "\n".join(rows) + "\n")


@pytest.fixture
def pupils(engine: Engine, school_year) -> dict[str, Pupil]:
    pupil_import.import_pupils(engine, SIMS, today=TODAY)
    return pupils_by_upn(engine)


# --- pupils ------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    ["UPN", "Forename", "Surname", "Date of birth", "Year", "Class", "Gender"],
    ["upn", "legal_forename", "legal_surname", "dob", "year_group", "class_name", "sex"],
    [" U.P.N. ", "First Name", "LAST NAME", "D.O.B.", "NC Year", "Registration Group", "Sex"],
    ["Unique pupil number", "Legal Forename", "Legal Surname", "DOB", "Year Group",
     "Reg Group", "gender"],
])
def test_forgiving_headers_find_every_field(headers: list[str]) -> None:
    mapping = pupil_fields.guess_mapping(headers)
    assert mapping == dict(zip(["upn", "legal_forename", "legal_surname", "dob", "year_group",
                                "class_name", "sex"], headers, strict=True))


def test_preferred_names_are_not_taken_for_legal_names() -> None:
    headers = ["Preferred Forename", "Forename", "Preferred Surname", "Surname"]
    mapping = pupil_fields.guess_mapping(headers)
    assert mapping["legal_forename"] == "Forename"
    assert mapping["legal_surname"] == "Surname"
    assert mapping["preferred_forename"] == "Preferred Forename"
    assert mapping["preferred_surname"] == "Preferred Surname"


@pytest.mark.parametrize(("text", "expected"), [
    ("Reception", "R"), ("R", "R"), ("YR", "R"), ("Rec", "R"), ("0", "R"),
    ("Year 3", "3"), ("Y3", "3"), ("3", "3"), ("year6", "6"), ("N1", "N"), ("N2", "N"),
    ("Nursery", "N"),
])
def test_year_group_spellings(text: str, expected: str) -> None:
    assert imp.parse_year_group(text) == expected


@pytest.mark.parametrize("text", ["Year 7", "12", "Y", "Blue"])
def test_year_groups_outside_primary_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a primary year group"):
        imp.parse_year_group(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2019-03-14", dt.date(2019, 3, 14)), ("14/03/2019", dt.date(2019, 3, 14)),
    ("4/3/2019", dt.date(2019, 3, 4)), ("14/03/2019 00:00", dt.date(2019, 3, 14)),
])
def test_dates_iso_or_day_first(text: str, expected: dt.date) -> None:
    assert imp.parse_date(text) == expected


def test_import_a_sims_style_file(engine: Engine, school_year) -> None:
    result = pupil_import.import_pupils(engine, SIMS, today=TODAY)

    assert str(result) == "imported pupils_sims.csv: 4 new, 0 updated, 3 new classes"
    got = pupils_by_upn(engine)
    theo = got[UPNS[1]]
    assert (theo.legal_forename, theo.preferred_forename, theo.legal_surname) == (
        "Theodore", "Theo", "Barnes")
    assert theo.dob == dt.date(2019, 11, 2)  # 2/11/2019 is day first
    assert (theo.year_group, theo.sex, theo.sen, theo.fsm, theo.pupil_premium, theo.eal) == (
        "1", "M", "K", True, True, False)
    assert got[UPNS[0]].year_group == "R"
    assert got[UPNS[2]].sen == "E"
    assert got[UPNS[3]].year_group == "6"
    assert got[UPNS[3]].sex == "M"
    # No admission date in the file: the start of the current academic year.
    assert got[UPNS[3]].admission_date == school_year.start
    with session_scope(engine) as s:
        classes = {c.id: c.name for c in s.exec(select(SchoolClass))}
        audit = s.exec(select(SettingChange).where(SettingChange.area == "pupils")).all()
        contact = s.exec(select(Contact).where(Contact.surname == "Abbott")).one()
        link = s.exec(select(PupilContact).where(PupilContact.contact_id == contact.id)).one()
    assert sorted(classes.values()) == ["Kestrels", "Robins", "Wrens"]
    assert classes[theo.class_id] == "Wrens"
    # No actor given: the command line, recorded as the operating-system account.
    assert [(a.new_value.split(",")[0], a.staff_name, a.staff_role) for a in audit] == [
        ("4 new", getpass.getuser(), "command line")]
    assert (contact.title, contact.forename, contact.phone_mobile) == (
        "Mrs", "Dana", "07700 900001")
    assert (link.pupil_id, link.relationship, link.priority) == (
        got[UPNS[0]].id, "Mother", 1)

    # Importing the same file again updates everyone and duplicates nobody.
    again = pupil_import.import_pupils(engine, SIMS, today=TODAY)
    assert (again.new, again.updated, again.classes_created) == (0, 4, ())
    with session_scope(engine) as s:
        assert len(s.exec(select(Contact)).all()) == 2
        assert len(s.exec(select(PupilContact)).all()) == 2
        assert len(s.exec(select(SchoolClass)).all()) == 3


def test_bad_file_names_every_problem_and_saves_nothing(engine: Engine, school_year,
                                                        tmp_path: Path) -> None:
    pupil_import.import_pupils(engine, SIMS, today=TODAY)
    before = pupil_count(engine)
    bad_letter = ("A" if UPNS[4][0] != "A" else "B") + UPNS[4][1:]
    path = write(tmp_path, "bad.csv", "\n".join([
        "UPN,Forename,Surname,DOB,Year,Class,Sex,Admission date,Leaving date",
        f"{UPNS[5]},Ruby,Ellis,2019-05-01,1,Wrens,F,,",           # row 2 fine
        f"{bad_letter},Noah,Fox,2019-05-01,1,Wrens,M,,",          # row 3 check letter
        f"{UPNS[6]},Isla,Grant,31/02/2019,1,Wrens,F,,",           # row 4 no such date
        f"{UPNS[7]},Alfie,,2019-05-01,1,Wrens,M,,",               # row 5 no surname
        f"{UPNS[5]},Ruby,Ellis,2019-05-01,1,Wrens,F,,",           # row 6 duplicate UPN
        f"{UPNS[8]},Max,Hale,2019-05-01,1,Wrens,Q,,",             # row 7 unknown sex
        ",Ella,Ives,2019-05-01,1,Wrens,F,,",                     # row 8 no UPN
        f"{with_check_letter('821200125020')},Jo,Kerr,2027-01-01,1,Wrens,F,,",  # row 9 future
        f"{with_check_letter('821200125021')},Zac,Lee,2019-05-01,1,Wrens,M,"
        "2025-10-01,2025-09-05",                                  # row 10 left before joining
        f"{with_check_letter('821200125022')},Amy,Moss,2010-05-01,1,Wrens,F,,",  # row 11 too old
    ]) + "\n")

    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, path, today=TODAY)

    where = [(p.row, p.column) for p in caught.value.problems]
    assert where == [(3, "UPN"), (4, "DOB"), (5, "Surname"), (6, "UPN"), (7, "Sex"),
                     (8, "UPN"), (9, "DOB"), (10, "Admission date"), (11, "DOB")]
    messages = [p.message for p in caught.value.problems]
    assert "check letter does not match" in messages[0]
    assert "'31/02/2019' is not a date" in messages[1]
    assert "surname is missing" in messages[2]
    assert "also on row 2" in messages[3]
    assert "UPN is required" in messages[5]
    assert "in the future" in messages[6]
    assert "after the leaving date" in messages[7]
    text = str(caught.value)
    assert text.startswith("bad.csv: row 3, column 'UPN'")
    assert "(and 8 more)" in text
    assert "nothing was imported" in text
    assert "\n" not in text
    assert pupil_count(engine) == before
    assert UPNS[5] not in pupils_by_upn(engine)  # the good row was not saved either


def test_missing_required_column_is_reported_once(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", f"UPN,Forename,DOB,Year\n{UPNS[0]},Mia,2019-05-01,1\n")
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, path, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(None, "Legal surname")]
    assert "no column for legal surname" in caught.value.problems[0].message
    assert pupil_count(engine) == 0


def test_reimport_updates_by_upn(engine: Engine, school_year, tmp_path: Path) -> None:
    pupil_import.import_pupils(engine, SIMS, today=TODAY)
    first = pupils_by_upn(engine)
    changed = write(tmp_path, "again.csv", "\n".join([
        "Forename,Surname,UPN,Date of birth,Year group,Class,FSM,Leaving date",
        f"Theodore,Barnes-Hill,{UPNS[1]},02/11/2019,Y1,Robins,N,",
        f"Mira,Abbott,{UPNS[0]},14/03/2021,R,Robins,Y,19/12/2025",
        f"Ruby,Ellis,{UPNS[5]},01/05/2019,1,Wrens,N,",
    ]) + "\n")

    result = pupil_import.import_pupils(engine, changed, today=TODAY)

    assert (result.new, result.updated) == (1, 2)
    now = pupils_by_upn(engine)
    assert len(now) == 5
    assert now[UPNS[1]].id == first[UPNS[1]].id
    assert now[UPNS[1]].legal_surname == "Barnes-Hill"
    assert now[UPNS[1]].class_id == first[UPNS[0]].class_id  # moved to Robins
    assert now[UPNS[1]].fsm is False
    # Columns not in the second file keep their values.
    assert now[UPNS[1]].sen == "K"
    assert now[UPNS[1]].preferred_forename == "Theo"
    assert now[UPNS[1]].admission_date == first[UPNS[1]].admission_date
    assert now[UPNS[0]].leaving_date == dt.date(2025, 12, 19)

    # A leaving date before the admission already on record is refused.
    early = write(tmp_path, "early.csv", "UPN,Forename,Surname,DOB,Year,Leaving date\n"
                  f"{UPNS[0]},Mira,Abbott,2021-03-14,R,2025-08-01\n")
    with pytest.raises(ImportRejected, match="before the pupil's admission date 03/09/2025"):
        pupil_import.import_pupils(engine, early, today=TODAY)


def test_preview_reports_counts_and_mapping_without_saving(engine: Engine, school_year,
                                                            tmp_path: Path) -> None:
    pupil_import.import_pupils(engine, SIMS, today=TODAY)
    path = write(tmp_path, "p.csv", "\n".join([
        "Pupil UPN,First name,Last name,Birth date,NC Year,House",
        f"{UPNS[0]},Mira,Abbott,2021-03-14,R,Blue",
        f"{UPNS[6]},Isla,Grant,2019-02-01,1,Red",
        f"{UPNS[7]},Alfie,Hunt,2019-13-01,1,Red",
    ]) + "\n")

    preview = pupil_import_check.preview_pupils(engine, path, today=TODAY)

    assert (preview.new_count, preview.update_count) == (2, 1)
    assert preview.unmapped_headers == ("House",)
    assert preview.mapping["dob"] == "Birth date"
    assert [r.row for r in preview.rows] == [2, 3, 4]
    assert [r.ok for r in preview.rows] == [True, True, False]
    assert preview.rows[1].dob == dt.date(2019, 2, 1)
    assert [(p.row, p.column) for p in preview.problems] == [(4, "Birth date")]
    assert pupil_count(engine) == 4

    # A mapping chosen by hand overrides the guess.
    chosen = dict(preview.mapping, class_name="House")
    again = pupil_import_check.preview_pupils(engine, path, mapping=chosen, today=TODAY)
    assert again.rows[0].class_name == "Blue"
    assert again.unmapped_headers == ()


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("utf-8", False),
                                                ("cp1252", False)])
def test_encodings(engine: Engine, tmp_path: Path, encoding: str, bom: bool) -> None:
    text = f"UPN,Forename,Surname,DOB,Year\n{UPNS[0]},Zoë,Ní Bhriain,2019-05-01,1\n"
    path = tmp_path / "p.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    pupil_import.import_pupils(engine, path, today=TODAY)
    pupil = pupils_by_upn(engine)[UPNS[0]]
    assert (pupil.legal_forename, pupil.legal_surname) == ("Zoë", "Ní Bhriain")


def test_flag_and_sen_values(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "\n".join([
        "UPN,Forename,Surname,DOB,Year,SEN,FSM eligible,Looked after,Young carer",
        f"{UPNS[0]},A,One,2019-05-01,1,EHCP,yes,TRUE,1",
        f"{UPNS[1]},B,Two,2019-05-01,1,SEN support,No,false,0",
        f"{UPNS[2]},C,Three,2019-05-01,1,maybe,perhaps,,",
    ]) + "\n")
    with pytest.raises(ImportRejected) as caught:
        pupil_import.import_pupils(engine, path, today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (4, "SEN"), (4, "FSM eligible")]
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:3]) + "\n")
    pupil_import.import_pupils(engine, path, today=TODAY)
    got = pupils_by_upn(engine)
    assert (got[UPNS[0]].sen, got[UPNS[0]].fsm, got[UPNS[0]].looked_after,
            got[UPNS[0]].young_carer) == ("E", True, True, True)
    assert (got[UPNS[1]].sen, got[UPNS[1]].fsm, got[UPNS[1]].looked_after) == (
        "K", False, False)


def test_missing_file_and_empty_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="no such file"):
        pupil_import.import_pupils(engine, tmp_path / "nope.csv")
    with pytest.raises(ImportRejected, match="empty"):
        pupil_import.import_pupils(engine, write(tmp_path, "empty.csv", "\n\n"))


def test_read_only_staff_cannot_import(engine: Engine) -> None:
    viewer = Actor("Visitor", Role.READONLY)
    with pytest.raises(PermissionDenied):
        pupil_import.import_pupils(engine, SIMS, actor=viewer)
    with pytest.raises(PermissionDenied):
        mark_import.import_marks(engine, SIMS, actor=viewer)


# --- marks -------------------------------------------------------------------------


def test_marks_import_writes_new_marks(engine: Engine, pupils, tmp_path: Path) -> None:
    path = marks_csv(tmp_path, [
        f"{UPNS[0]},2025-11-17,AM,/,,",
        f"{UPNS[0]},2025-11-17,PM,\\,,",
        f"{UPNS[1]},2025-11-17,AM,L,12,bus late",
        f"{UPNS[1]},2025-11-17,PM,B,,Forest school",
        f"{UPNS[2]},17/11/2025,am,i,,",
    ])
    result = mark_import.import_marks(engine, path)
    assert str(result) == "imported marks.csv: 5 new, 0 changed, 0 unchanged"
    assert mark_tuples(engine) == sorted([
        (UPNS[0], dt.date(2025, 11, 17), "AM", "/", None, ""),
        (UPNS[0], dt.date(2025, 11, 17), "PM", "\\", None, ""),
        (UPNS[1], dt.date(2025, 11, 17), "AM", "L", 12, "bus late"),
        (UPNS[1], dt.date(2025, 11, 17), "PM", "B", None, "Forest school"),
        (UPNS[2], dt.date(2025, 11, 17), "AM", "I", None, ""),
    ])
    with session_scope(engine) as s:
        sources = {m.source for m in s.exec(select(Mark))}
        entered = {m.entered_by for m in s.exec(select(Mark))}
    assert sources == {"import"}
    assert entered == {CLI_ACTOR.name}


def test_marks_import_is_all_or_nothing(engine: Engine, pupils, tmp_path: Path) -> None:
    rows = [f"{UPNS[d % 4]},2025-11-{10 + d // 4:02d},AM,/,," for d in range(20)]
    rows.append(f"{UPNS[0]},2025-11-17,PM,QQ,,")  # row 22: not a code
    path = marks_csv(tmp_path, rows)
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(22, "code")]
    assert "'QQ' is not a national attendance code" in caught.value.problems[0].message
    assert mark_tuples(engine) == []


def test_old_codes_only_before_august_2024(engine: Engine, school_year,
                                           tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", f"UPN,Forename,Surname,DOB,Year,Admission date\n"
                                    f"{UPNS[0]},Mia,Old,2016-05-01,4,2022-09-05\n")
    pupil_import.import_pupils(engine, path, today=TODAY)
    ok = marks_csv(tmp_path, [f"{UPNS[0]},2023-06-12,AM,H,,"], "2023.csv")
    assert mark_import.import_marks(engine, ok).new == 1

    refused = marks_csv(tmp_path, [f"{UPNS[0]},2025-06-12,AM,H,,"], "2025.csv")
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, refused)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (2, "code")
    assert problem.message == ("code H was withdrawn on 19 August 2024 and cannot be used "
                               "for 12 June 2025")
    assert [t[3] for t in mark_tuples(engine)] == ["H"]


def test_marks_import_checks_every_row(engine: Engine, pupils, tmp_path: Path) -> None:
    path = marks_csv(tmp_path, [
        f"{UPNS[0]},2025-11-17,AM,/,,",                  # 2 fine
        f"{UPNS[8]},2025-11-17,AM,/,,",                  # 3 unknown UPN
        f"{UPNS[0]},2025-06-12,AM,/,,",                  # 4 before admission (3 Sep 2025)
        f"{UPNS[0]},2025-11-18,EVE,/,,",                 # 5 bad session
        f"{UPNS[1]},2025-11-18,AM,L,-3,",                # 6 minutes late negative
        f"{UPNS[1]},2025-11-18,PM,U,ten,",               # 7 minutes late not a number
        f"{UPNS[2]},2025-11-18,AM,B,,",                  # 8 B needs an activity note
        f"{UPNS[2]},2025-11-18,PM,Y7,,",                 # 9 Y7 needs a reason
        f"{UPNS[0]},2025-11-17,AM,I,,",                  # 10 duplicate of row 2
        f"{UPNS[3]},18-11-2025x,AM,/,,",                 # 11 bad date
        f"{UPNS[3]},2025-11-19,PM,Y1,,",                 # 12 fine
    ])
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (3, "upn"), (4, "date"), (5, "session"), (6, "minutes_late"), (7, "minutes_late"),
        (8, "comment"), (9, "comment"), (10, "session"), (11, "date")]
    assert "was not on roll on 12/06/2025" in caught.value.problems[1].message
    assert "also on row 2" in caught.value.problems[7].message
    assert mark_tuples(engine) == []


def test_changed_marks_leave_amendments(engine: Engine, pupils, tmp_path: Path) -> None:
    theo = pupils[UPNS[1]]
    put_marks(engine, OFFICE, [(theo.id, dt.date(2025, 11, 17), "AM", "N"),
                               (theo.id, dt.date(2025, 11, 17), "PM", "\\")])
    path = marks_csv(tmp_path, [
        f"{UPNS[1]},2025-11-17,AM,I,,tummy bug",
        f"{UPNS[1]},2025-11-17,PM,\\,,",
        f"{UPNS[1]},2025-11-18,AM,/,,",
    ], "from_mis.csv")

    # The registers have closed: changing them needs a reason, and nothing is saved without.
    with pytest.raises(ServiceError, match="change 1 marks in registers that have closed"):
        mark_import.import_marks(engine, path)
    result = mark_import.import_marks(engine, path, reason="MIS correction")

    assert (result.new, result.changed, result.unchanged) == (1, 1, 1)
    with session_scope(engine) as s:
        amendments = s.exec(select(MarkAmendment)).all()
    assert [(a.old_code, a.new_code, a.new_comment, a.reason, a.staff_name, a.staff_role,
             a.source, a.after_close) for a in amendments] == [
        ("N", "I", "tummy bug", "Imported from from_mis.csv: MIS correction", CLI_ACTOR.name,
         "system", "import", True)]
    # Importing the same file again changes nothing.
    again = mark_import.import_marks(engine, path)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_minutes_late_are_kept_only_on_late_codes_like_write_mark(
        engine: Engine, pupils, tmp_path: Path) -> None:
    path = marks_csv(tmp_path, [f"{UPNS[0]},2025-11-17,AM,/,7,",
                                f"{UPNS[0]},2025-11-17,PM,U,25,"])
    mark_import.import_marks(engine, path)
    assert [t[4] for t in mark_tuples(engine)] == [None, 25]


def _varied_marks(engine: Engine, pupils: dict[str, Pupil]) -> None:
    cells = []
    for upn_, codes_ in [(UPNS[0], ["/", "\\", "L", "\\", "I", "I"]),
                         (UPNS[1], ["/", "\\", "#", "#", "N", "O"]),
                         (UPNS[2], ["M", "\\", "U", "\\", "G", "G"]),
                         (UPNS[3], ["V", "V", "/", "\\", "Y7", "C"])]:
        day = dt.date(2025, 11, 17)
        for i, code in enumerate(codes_):
            d = day + dt.timedelta(days=i // 2)
            sess = "AM" if i % 2 == 0 else "PM"
            comment = {"V": 'Trip to the "Science, Museum"', "Y7": "snow, roads shut",
                       "I": "café food"}.get(code, "")
            minutes = 14 if code in ("L", "U") else None
            cells.append((pupils[upn_].id, d, sess, code, minutes, comment))
    put_marks(engine, OFFICE, [c for c in cells if c[3] != "#"])
    # '#' is written only by a closure
    put_marks(engine, OFFICE, [c for c in cells if c[3] == "#"], source="closure")


def test_export_then_import_into_a_fresh_database_is_exact(engine: Engine, pupils,
                                                           tmp_path: Path) -> None:
    _varied_marks(engine, pupils)
    out = tmp_path / "export.csv"

    exported = mark_export.export_marks(engine, out)

    assert exported.exported == 24
    assert str(exported) == "exported 24 marks to export.csv"
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["upn", "date", "session", "code", "minutes_late", "comment"]
    keys = [(r[1], r[2], r[0]) for r in rows[1:]]
    assert keys == sorted(keys)  # date, session, UPN

    fresh = open_database(resolve_paths(tmp_path / "fresh", environ={}))
    try:
        calendar_service.create_academic_year(fresh, HEAD, default_term_dates(2025))
        pupil_import.import_pupils(fresh, SIMS, today=TODAY)
        result = mark_import.import_marks(fresh, out)
        assert (result.new, result.changed) == (24, 0)
        assert mark_tuples(fresh) == mark_tuples(engine)
    finally:
        fresh.dispose()
    again = mark_import.import_marks(engine, out)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 24)


def test_export_date_range_and_pupils_without_upn(engine: Engine, pupils,
                                                  tmp_path: Path) -> None:
    _varied_marks(engine, pupils)
    with session_scope(engine) as s:
        nameless = Pupil(legal_forename="No", legal_surname="Number", dob=dt.date(2019, 1, 1),
                         year_group="1", admission_date=dt.date(2025, 9, 1))
        s.add(nameless)
        s.flush()
    put_marks(engine, OFFICE, [(nameless.id, dt.date(2025, 11, 18), "AM", "/"),
                               (nameless.id, dt.date(2025, 11, 18), "PM", "\\")])
    out = tmp_path / "range.csv"

    result = mark_export.export_marks(engine, out, dt.date(2025, 11, 18), dt.date(2025, 11, 18))

    assert (result.exported, result.skipped_pupils, result.skipped_marks) == (8, 1, 2)
    assert str(result) == ("exported 8 marks to range.csv; 2 marks of 1 pupil without a UPN "
                           "were left out")
    with out.open(newline="", encoding="utf-8") as fh:
        assert {r["date"] for r in csv.DictReader(fh)} == {"2025-11-18"}


# --- as background jobs (progress and a Cancel that really cancels) -----------------------


def _big_marks_file(engine: Engine, tmp_path: Path, rows: int = 6000) -> Path:
    """`rows` marks on the school's open sessions of 2025/26, for the four pupils of the
    SIMS file and twelve more (a year has about 380 sessions)."""
    more = [with_check_letter(f"821200126{i:03d}") for i in range(12)]
    pupil_import.import_pupils(engine, write(tmp_path, "more.csv", "UPN,Forename,Surname,DOB,Year,"
                                    "Admission date\n" + "".join(
                                        f"{u},Kit,Big{i},2019-05-01,1,2024-09-02\n"
                                        for i, u in enumerate(more))), today=TODAY)
    sessions = calendar_service.load_calendar(engine).sessions(dt.date(2025, 9, 1),
                                                              dt.date(2026, 7, 31))
    out = []
    for day, session in sessions:
        for u in [*UPNS[:4], *more]:
            if len(out) < rows:
                out.append(f"{u},{day.isoformat()},{session},O,,")
    assert len(out) == rows
    return marks_csv(tmp_path, out, "big.csv")


def test_cancel_half_way_through_saving_marks_saves_nothing(engine: Engine, pupils,
                                                            tmp_path: Path) -> None:
    token = CancelToken()
    job = mark_import.import_marks_job(engine, _big_marks_file(engine, tmp_path), token=token)
    seen: list[Progress] = []
    with pytest.raises(Cancelled):  # noqa: PT012 (drives the generator step by step)
        for step in job:
            seen.append(step)
            if step.label == "Saving marks" and step.done >= step.total // 2:
                token.cancel()  # everything is checked; the one write transaction is next
    assert seen[0].label == "Checking row 1 of 6000"
    assert all(p.total == 12000 for p in seen)
    assert "Saving marks" in {p.label for p in seen}
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert mark_tuples(engine) == []


def test_marks_job_runs_to_the_same_result(engine: Engine, pupils, tmp_path: Path) -> None:
    job = mark_import.import_marks_job(engine, _big_marks_file(engine, tmp_path, 40))
    result = imp.run_to_end(job)
    assert (result.new, result.changed) == (40, 0)
    assert len(mark_tuples(engine)) == 40


def test_cancelled_export_leaves_the_older_file_alone(engine: Engine, pupils,
                                                      tmp_path: Path) -> None:
    mark_import.import_marks(engine, _big_marks_file(engine, tmp_path))
    out = tmp_path / "export.csv"
    out.write_text("an older export\n")
    token = CancelToken()
    job = mark_export.export_marks_job(engine, out, token=token)
    first = next(job)
    assert (first.done, first.total) == (0, 6000)
    token.cancel()
    with pytest.raises(Cancelled):
        next(job)
    assert out.read_text() == "an older export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if "export" in p.name) == ["export.csv"]


def test_rows_are_numbered_as_a_spreadsheet_shows_them(engine: Engine, pupils,
                                                       tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "\n".join([
        "upn,date,session,code,minutes_late,comment",
        f'{UPNS[1]},2025-11-17,AM,V,,"Trip:\nline two of the note"',   # row 2 (two lines)
        "",                                                               # row 3 blank
        f"{UPNS[1]},2025-11-17,PM,ZZ,,",                                  # row 4
    ]) + "\n")
    with pytest.raises(ImportRejected) as caught:
        mark_import.import_marks(engine, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "code")]


def test_imported_marks_are_stored_exactly_like_marks_written_on_screen(
        engine: Engine, pupils, tmp_path: Path) -> None:
    put_mark(engine, OFFICE, pupils[UPNS[0]].id, dt.date(2025, 11, 17), "AM", "L", 9, "bus")
    mark_import.import_marks(engine, marks_csv(tmp_path, [f"{UPNS[1]},2025-11-17,AM,L,9,bus"]))
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "SELECT date, session, code, minutes_late, comment, typeof(date), "
            "typeof(entered_at), length(entered_at) FROM mark ORDER BY pupil_id").all()
    assert len(raw) == 2
    assert tuple(raw[0]) == tuple(raw[1])

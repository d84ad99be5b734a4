"""Term dates from a CSV file: the format, files from real offices, all-or-nothing, replace,
marks never orphaned, and the export/import round trip."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AcademicYear, Closure, Mark, Pupil
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.roles import CLI_ACTOR
from attendance_desktop.services.errors import ImportRejected, ServiceError
from attendance_desktop.services.interchange import calendar_io
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service
from tests.services.register_school import make_school

D = dt.date
HEADER = "kind,name,start,end,session"
# 2025/26 with half terms in school; Autumn 2 starts with an INSET day on Mon 3 Nov.
YEAR_ROWS = [
    "year,2025/26,,,",
    "term,Autumn,2025-09-03,2025-12-19,",
    "half_term,Autumn 1,2025-09-03,2025-10-24,",
    "half_term,Autumn 2,2025-11-03,2025-12-19,",
    "term,Spring,2026-01-05,2026-03-27,",
    "half_term,Spring 1,2026-01-05,2026-02-13,",
    "half_term,Spring 2,2026-02-23,2026-03-27,",
    "term,Summer,2026-04-13,2026-07-22,",
    "half_term,Summer 1,2026-04-13,2026-05-22,",
    "half_term,Summer 2,2026-06-01,2026-07-22,",
    "inset,INSET day,2025-11-03,,",
]


def write(path: Path, lines: list[str], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\r\n".join(line.replace(",", sep) for line in lines) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def import_file(engine: Engine, path: Path, replace: bool = False
                ) -> calendar_io.CalendarImportResult:
    return calendar_io.import_calendar(engine, CLI_ACTOR, path, replace=replace)


def closures(engine: Engine) -> dict[tuple[dt.date, str], tuple[str, str]]:
    with session_scope(engine) as s:
        return {(c.date, c.session): (c.kind, c.description) for c in s.exec(
            select(Closure))}


def test_import_sets_years_terms_insets_closures_and_bank_holidays(engine, tmp_path):
    path = write(tmp_path / "dates.csv", [HEADER, *YEAR_ROWS,
                                          "closure,Polling station,07/05/2026,,AM",
                                          "closure,Staff strike,2026-03-02,2026-03-03,DAY"])
    result = import_file(engine, path)
    assert result.created == ("2025/26",)
    year = calendar_service.year_containing(engine, D(2025, 10, 1))
    assert year is not None
    assert (year.start, year.end) == (D(2025, 9, 3), D(2026, 7, 22))
    assert [h.name for h in year.half_terms] == ["Autumn 1", "Autumn 2", "Spring 1",
                                                 "Spring 2", "Summer 1", "Summer 2"]
    found = closures(engine)
    assert found[(D(2025, 11, 3), "DAY")] == ("inset", "INSET day")
    assert found[(D(2026, 5, 7), "AM")] == ("planned", "Polling station")
    assert found[(D(2026, 3, 2), "DAY")] == ("planned", "Staff strike")
    assert found[(D(2026, 3, 3), "DAY")] == ("planned", "Staff strike")
    assert found[(D(2025, 12, 25), "DAY")][0] == "bank_holiday"
    assert found[(D(2026, 5, 4), "DAY")] == ("bank_holiday", "May Day")
    cal = calendar_service.load_calendar(engine)
    assert not cal.is_open(D(2026, 5, 7), "AM")
    assert cal.is_open(D(2026, 5, 7), "PM")


def test_export_then_import_round_trips_exactly(engine, paths, tmp_path):
    calendar_changes.save_year(engine, CLI_ACTOR, default_term_dates(2025), [D(2025, 11, 3)])
    calendar_changes.save_year(engine, CLI_ACTOR, default_term_dates(2026), [])
    calendar_changes.add_closure(engine, CLI_ACTOR, D(2026, 5, 7), "PM", "planned",
                               "=SUM(A1) polling, Zoë's room")
    calendar_changes.add_closure(engine, CLI_ACTOR, D(2027, 1, 4), "DAY", "bank_holiday",
                               "One-off bank holiday")
    first = tmp_path / "first.csv"
    exported = calendar_io.export_calendar(engine, first)
    assert exported.years == ("2025/26", "2026/27")
    text = first.read_text(encoding="utf-8-sig")
    assert "closure,\"'=SUM(A1) polling, Zoë's room\",2026-05-07,2026-05-07,PM" in text

    from attendance_desktop.config.paths import resolve_paths
    from attendance_desktop.services.database import open_database

    other = open_database(resolve_paths(tmp_path / "other", environ={}))
    try:
        result = import_file(other, first)
        assert result.created == ("2025/26", "2026/27")
        second = tmp_path / "second.csv"
        calendar_io.export_calendar(other, second)
        assert second.read_bytes() == first.read_bytes()
        def shape(e: Engine) -> list[tuple[object, ...]]:
            return [(y.name, y.start, y.end, y.half_terms, y.terms)
                    for y in calendar_service.list_years(e)]

        assert shape(other) == shape(engine)
        assert closures(other) == closures(engine)
        again = import_file(other, first)  # the same file again changes nothing
        assert again.unchanged == ("2025/26", "2026/27")
        assert not again.created
    finally:
        other.dispose()


@pytest.mark.parametrize(("encoding", "sep"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ","), ("utf-16", "\t"), ("utf-8", ";")])
def test_files_from_real_offices(engine, tmp_path, encoding: str, sep: str):
    rows = [HEADER, *YEAR_ROWS, "closure,Fête day,13/07/2026,,PM"]
    # DD/MM/YYYY as Excel on an English PC writes dates
    rows = [r.replace("2025-09-03", "03/09/2025") for r in rows]
    path = write(tmp_path / "dates.txt", rows, encoding, sep)
    if encoding == "utf-16":
        assert path.read_bytes().startswith(codecs.BOM_UTF16_LE)  # Excel "Unicode text"
    import_file(engine, path)
    assert closures(engine)[(D(2026, 7, 13), "PM")] == ("planned", "Fête day")


def test_a_file_mixing_encodings_is_refused_by_row_and_nothing_saved(engine, tmp_path):
    good = "\r\n".join([HEADER, *YEAR_ROWS, "closure,Fête day,2026-07-13,,PM"]).encode()
    bad = good + "\r\nclosure,Zoë,2026-07-14,,PM\r\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(bad)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, path)
    assert "row 14" in str(caught.value.problems[0])
    assert "mixes two text encodings" in str(caught.value.problems[0])
    assert calendar_service.list_years(engine) == []


def test_every_problem_by_row_and_column_and_nothing_saved(engine, tmp_path):
    rows = [HEADER, *YEAR_ROWS,
            "holiday,Trip,2026-01-06,,",                 # 13: unknown kind
            "closure,Snow,2026-02-30,,",                 # 14: not a date
            "closure,Saturday club,2026-01-10,,",        # 15: weekend
            "closure,Half term,2025-10-28,,",            # 16: in a holiday
            "closure,Evening,2026-01-07,,EVE",           # 17: bad session
            "closure,May fair,2026-05-04,,",             # 18: bank holiday already
            "inset,INSET day,2026-04-06,,",              # 19: Easter Monday: holiday
            "closure,Trip,2027-01-06,,"]                 # 20: no year row for 2026/27
    path = write(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, path)
    found = [(p.row, p.column) for p in caught.value.problems]
    assert (13, "kind") in found
    assert (14, "start") in found
    assert (17, "session") in found
    assert (20, "start") in found
    texts = [str(p) for p in caught.value.problems]
    assert "nothing was imported" in str(caught.value)
    assert calendar_service.list_years(engine) == []  # the year rows were fine: still nothing
    # once the unreadable rows go, the calendar rules are checked row by row too
    path = write(tmp_path / "bad2.csv", [r for i, r in enumerate(rows, 1)
                                         if i not in (13, 14, 17, 20)])
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, path)
    texts = [str(p) for p in caught.value.problems]
    assert any(t.startswith("row 13, column 'start'") and "weekend" in t for t in texts)
    assert any(t.startswith("row 14, column 'start'") and "holiday" in t for t in texts)
    assert any(t.startswith("row 15, column 'start'") and "bank holiday" in t for t in texts)
    assert any(t.startswith("row 16, column 'start'") and "holiday" in t for t in texts)
    assert calendar_service.list_years(engine) == []


def test_term_structure_problems(engine, tmp_path):
    rows = [HEADER, *YEAR_ROWS]
    rows[3] = "half_term,Autumn 1,2025-09-04,2025-10-24,"   # not the term's first day
    rows[6] = "half_term,Spring 1,2026-01-05,2026-03-01,"   # overlaps Spring 2
    rows[1] = "year,2025/26,2025-09-01,,"                    # not Autumn 1's first day
    path = write(tmp_path / "terms.csv", rows)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, path)
    texts = [str(p) for p in caught.value.problems]
    assert any(t.startswith("row 4, column 'start'") and "Autumn 1 must start" in t
               for t in texts)
    assert any(t.startswith("row 2, column 'start'") for t in texts)
    assert any("Spring 2 starts before Spring 1 ends" in t for t in texts)


def test_a_changed_year_needs_replace_and_keeps_marks_on_school_days(engine, tmp_path):
    school = make_school(engine)
    first = write(tmp_path / "dates.csv", [HEADER, *YEAR_ROWS,
                                           "closure,Polling station,2026-05-07,,AM"])
    import_file(engine, first)
    pupil = school.oak_pupils[0]
    with session_scope(engine) as s:
        s.add(Mark(pupil_id=pupil, date=D(2025, 12, 18), session="AM", code="/"))
    # a school that ends Autumn a day early: 18 Dec would hold a mark on a closed day
    rows = [r.replace("2025-12-19", "2025-12-17") for r in YEAR_ROWS]
    changed = write(tmp_path / "changed.csv", [HEADER, *rows])
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, changed)
    assert "--replace" in str(caught.value)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, changed, replace=True)
    texts = [str(p) for p in caught.value.problems]
    assert any("Amber Tillbrook" in t and "/ on Thu 18/12/2025 AM" in t for t in texts)
    year = calendar_service.year_containing(engine, D(2025, 10, 1))
    assert year is not None
    assert year.terms[0].end == D(2025, 12, 19)
    # a change that leaves the mark on a school day is saved, and the dropped closure goes
    rows = [r.replace("2026-07-22", "2026-07-21") for r in YEAR_ROWS]
    result = import_file(engine, write(tmp_path / "ok.csv", [HEADER, *rows]), replace=True)
    assert result.replaced == ("2025/26",)
    assert result.closures_removed == 1
    year = calendar_service.year_containing(engine, D(2025, 10, 1))
    assert year is not None
    assert year.end == D(2026, 7, 21)
    assert (D(2026, 5, 7), "AM") not in closures(engine)
    with session_scope(engine) as s:
        assert s.get(Pupil, pupil) is not None
        assert s.exec(select(AcademicYear)).one().name == "2025/26"


def test_marks_imported_before_the_term_dates_are_not_orphaned(engine, tmp_path):
    school = make_school(engine)
    with session_scope(engine) as s:  # history arrived first, on Christmas Day by mistake
        s.add(Mark(pupil_id=school.oak_pupils[1], date=D(2025, 12, 25), session="PM",
                   code="I"))
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, write(tmp_path / "d.csv", [HEADER, *YEAR_ROWS]))
    assert any("Basil Quenby" in str(p) and "25/12/2025 PM" in str(p)
               for p in caught.value.problems)
    assert calendar_service.list_years(engine) == []


def test_an_extra_bank_holiday_row_adds_it(engine, tmp_path):
    path = write(tmp_path / "d.csv", [HEADER, *YEAR_ROWS,
                                      "bank_holiday,Christmas Day,2025-12-25,,",
                                      "bank_holiday,Royal occasion,2026-06-08,,"])
    import_file(engine, path)
    assert closures(engine)[(D(2026, 6, 8), "DAY")] == ("bank_holiday", "Royal occasion")
    assert not calendar_service.load_calendar(engine).is_school_day(D(2026, 6, 8))


def test_only_the_head_may_import_and_a_missing_column_is_named(engine, tmp_path):
    from tests.conftest import OFFICE

    path = write(tmp_path / "d.csv", [HEADER, *YEAR_ROWS])
    with pytest.raises(ServiceError, match="only the headteacher"):
        calendar_io.import_calendar(engine, OFFICE, path)
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, write(tmp_path / "e.csv", ["kind,name,start", "year,2025/26,"]))
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "end"), (1, "session")]


def test_the_settings_checks_are_the_same_function(engine):
    dates = default_term_dates(2025)
    problems = calendar_service.term_date_problems(dates, [D(2025, 12, 25), D(2025, 11, 1)])
    assert [p.message for p in problems] == [
        "INSET day Sat 01 Nov 2025 is a weekend day",
        "INSET day Thu 25 Dec 2025 is in a holiday, not in a half term"]

"""CSV injection: every CSV the app writes guards cells a spreadsheet would run as a
formula (OWASP), and our own imports read the guarded cells back unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, MarkAmendment, Pupil
from attendance_desktop.domain.upn import with_check_letter
from attendance_desktop.services.csv_safe import restore_cell, safe_cell
from attendance_desktop.services.database import open_database
from attendance_desktop.services.interchange import mark_export, mark_import, pupil_import
from attendance_desktop.services.register import amendments_report
from attendance_desktop.services.reports import report_periods, report_service, report_tables

D = dt.date
WEEK = [D(2025, 11, 10) + dt.timedelta(days=i) for i in range(5)]
TODAY = D(2025, 11, 14)
# A forename and surname each; the comments are the "real" texts that can start with '-'.
EVIL = [("=HYPERLINK(\"http://x\",\"y\")", "=cmd"), ("+cmd|' /C calc'!A0", "+Plus"),
        ("@SUM(1)", "@At"), ("-2+3", "-Minus"), ("\tTab", "\rReturn")]
COMMENTS = ["-2+3 minutes at the dentist", "=1+1", "@home", "+ill",
            "=HYPERLINK(\"http://x\",\"y\")"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("@SUM(1)", "'@SUM(1)"),
    ("-2+3", "'-2+3"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ada", "Ada"), ("", ""),
    (None, ""), (12, "12"), (-3, "'-3"), ("'=already", "'=already"),
])
def test_safe_cell_guards_exactly_the_dangerous_first_characters(value, expected) -> None:
    assert safe_cell(value) == expected


def test_restore_cell_undoes_safe_cell_only() -> None:
    for text in ("=1", "+a", "-b", "@c", "\td", "\re", "plain", "'quoted", "", "'"):
        assert restore_cell(safe_cell(text)) == text
    assert restore_cell("'plain") == "'plain"  # an apostrophe the user typed stays


def cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]


def assert_all_safe(text: str) -> None:
    bad = [c for c in cells(text) if c.startswith(DANGEROUS)]
    assert bad == [], f"unguarded cells: {bad}"


@pytest.fixture
def evil_school(engine: Engine, school_year) -> tuple[Engine, list[int]]:  # type: ignore[no-untyped-def]
    """Five pupils with formula-like names, mostly absent (so the absence lists name them)."""
    ids = []
    with session_scope(engine) as s:
        for n, (fore, sur) in enumerate(EVIL):
            p = Pupil(upn=with_check_letter(f"821200125{n + 1:03d}"), legal_forename=fore,
                      legal_surname=sur, dob=D(2017, 5, 1), year_group="3",
                      admission_date=D(2025, 9, 3))
            s.add(p)
            s.flush()
            assert p.id is not None
            ids.append(p.id)
            for i, day in enumerate(WEEK):
                for sess in ("AM", "PM"):
                    s.add(Mark(pupil_id=p.id, date=day, session=sess,
                               code="O" if (i + n) % 5 else "I",
                               comment=COMMENTS[n] if i == 0 else "",
                               entered_at=dt.datetime.combine(day, dt.time(9, 5))))
            s.add(MarkAmendment(pupil_id=p.id, date=WEEK[1], session="AM", old_code="N",
                                new_code="O", reason=COMMENTS[n], after_close=True,
                                staff_name="=Evil Staff", staff_role="office"))
    return engine, ids


def test_marks_export_is_guarded_and_imports_back_unchanged(evil_school, tmp_path: Path
                                                            ) -> None:
    engine, _ = evil_school
    out = tmp_path / "marks.csv"
    result = mark_export.export_marks(engine, out)
    assert result.exported == 50
    assert result.pupils == 5
    text = out.read_text(encoding="utf-8")
    assert_all_safe(text)
    assert "'-2+3 minutes at the dentist" in text
    # Our own file goes back in: the apostrophes come off again.
    other = open_database(resolve_paths(tmp_path / "other", environ={}))
    with session_scope(engine) as s, session_scope(other) as t:
        for p in s.exec(select(Pupil)):
            t.add(Pupil(upn=p.upn, legal_forename="A", legal_surname="B", dob=p.dob,
                        year_group=p.year_group, admission_date=p.admission_date))
    mark_import.import_marks(other, out)
    with session_scope(engine) as s, session_scope(other) as t:
        def comments(x):  # type: ignore[no-untyped-def]
            return sorted(m.comment for m in x.exec(select(Mark)) if m.comment)
        assert comments(t) == comments(s) == sorted(COMMENTS * 2)  # AM and PM
    other.dispose()


@pytest.mark.parametrize("anonymise", [False, True])
def test_every_report_table_csv_is_guarded(evil_school, anonymise: bool) -> None:
    engine, _ = evil_school
    period = report_periods.period_options(engine, TODAY)[0]
    rep = report_service.make_report(engine, period, today=TODAY)
    assert report_tables.pupils_named(rep) == 5  # all five in the absence lists
    for key in report_tables.TABLE_TITLES:
        text = report_tables.table_csv(rep, key, anonymise=anonymise)
        assert_all_safe(text)
    named = report_tables.table_csv(rep, "persistent_absence", anonymise=anonymise)
    if not anonymise:
        assert "'=HYPERLINK" in named
        assert "'+cmd" in named
        assert "'@SUM(1)" in named


def test_amendments_csv_is_guarded(evil_school, tmp_path: Path) -> None:
    engine, _ = evil_school
    out = tmp_path / "amendments.csv"
    n = amendments_report.write_csv(engine, WEEK[0], WEEK[-1], out)
    assert n == 5
    text = out.read_text(encoding="utf-8-sig")
    assert_all_safe(text)
    assert "'=Evil Staff" in text
    assert "'-2+3 minutes at the dentist" in text


def test_pupil_import_of_guarded_names_strips_the_apostrophe(engine: Engine,
                                                             tmp_path: Path) -> None:
    upn = with_check_letter("821200125001")
    path = tmp_path / "pupils.csv"
    path.write_text("UPN,Forename,Surname,DOB,Year\n"
                    f"{upn},'-Ann,'@Smith,01/05/2017,3\n", encoding="utf-8")
    pupil_import.import_pupils(engine, path, today=TODAY)
    with session_scope(engine) as s:
        p = s.exec(select(Pupil)).one()
        assert (p.legal_forename, p.legal_surname) == ("-Ann", "@Smith")

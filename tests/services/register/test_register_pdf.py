"""The printed class register, read back from the PDF: names in several alphabets, codes,
legend, who took each session, totals, and a long class over several pages."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import register_pdf
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import HEAD, OFFICE, clock_at
from tests.services.register_school import make_school

MON, THU = dt.date(2025, 11, 17), dt.date(2025, 11, 20)
WORLD_NAMES = [("Łucja", "Wróbel-Żak"), ("Νίκος", "Παπαδόπουλος"), ("Олександр", "Шевченко"),
               ("Siobhán", "Ó Séaghdha")]


@pytest.fixture
def school(engine, school_year):
    tiny = make_school(engine)
    with session_scope(engine) as s:
        for fore, sur in WORLD_NAMES:
            s.add(Pupil(legal_forename=fore, legal_surname=sur, dob=dt.date(2018, 3, 1),
                        year_group="2", class_id=tiny.oak, admission_date=dt.date(2022, 9, 1)))
    return tiny


def _text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def test_week_register_names_codes_legend_and_takers(engine, school, tmp_path, caplog):
    oak = school.oak_pupils
    # The office takes Monday morning; the head changes a mark later that morning.
    for pid in oak:
        clock_at(engine, dt.datetime(2025, 11, 17, 8, 50))
        rs.set_mark(engine, OFFICE, MarkChange(pid, MON, "AM", "/"))
    clock_at(engine, dt.datetime(2025, 11, 17, 9, 20))
    rs.set_mark(engine, HEAD, MarkChange(oak[1], MON, "AM", "I"), reason="Phoned: ill")
    clock_at(engine, dt.datetime(2025, 11, 17, 13, 20))
    rs.set_mark(engine, HEAD, MarkChange(oak[2], MON, "PM", "N"))
    path = tmp_path / "register.pdf"
    with caplog.at_level(logging.INFO, logger="attendance_desktop.services.register.register_pdf"):
        result = register_pdf.write_register_pdf(
            engine, [school.oak], *register_pdf.week_of(THU), path, printed_by="Test Office",
            now=dt.datetime(2025, 11, 20, 15, 30))
    assert (result.classes, result.pupils, result.pages) == (1, 8, 1)
    (page,) = _text(path)
    assert "Class register — Oak — 17 to 21 November 2025" in page
    for fore, sur in [*WORLD_NAMES, ("Amber", "Tillbrook"), ("Basil", "Quenby")]:
        assert f"{sur}, {fore}" in page
    assert "Codes: / Present in the morning session" in page
    assert "I Illness" in page
    assert "N Reason for absence not yet established" in page
    assert "TO = Test Office" in page  # the first mark of Monday AM was the office's
    assert "TH = Test Head" in page  # Monday PM: the head's N was its first mark
    assert "Printed by Test Office on 20 November 2025 at 15:30" in page
    assert "Att." in page
    # The log says which class, dates and how many pupils, and no names.
    (record,) = [r for r in caplog.records if "register printed" in r.getMessage()]
    message = record.getMessage()
    assert "8 pupils" in message
    assert "2025-11-17" in message
    assert not any(sur in message for _f, sur in [*WORLD_NAMES, ("", "Tillbrook")])


def test_month_without_totals(engine, school, tmp_path):
    path = tmp_path / "month.pdf"
    register_pdf.write_register_pdf(engine, [school.ash], *register_pdf.month_of(THU), path,
                                    printed_by="Test Head", now=dt.datetime(2025, 11, 28, 16),
                                    totals=False)
    (page,) = _text(path)
    assert "1 to 30 November 2025" in page
    assert "Poss." not in page
    assert "Wraxham, Esme" in page


def test_a_long_class_repeats_the_headings_on_every_page(engine, school, tmp_path):
    with session_scope(engine) as s:
        for n in range(70):
            s.add(Pupil(legal_forename=f"Pupil{n:02d}", legal_surname="Longclass",
                        dob=dt.date(2018, 3, 1), year_group="2", class_id=school.ash,
                        admission_date=dt.date(2022, 9, 1)))
    path = tmp_path / "long.pdf"
    result = register_pdf.write_register_pdf(engine, [school.ash], *register_pdf.week_of(THU),
                                             path, printed_by="x", now=dt.datetime(2025, 11, 20))
    pages = _text(path)
    assert result.pages == len(pages) >= 3
    for text in pages:
        assert "Class register — Ash" in text
        assert "Pupil" in text
        assert "AM" in text
        assert "Codes:" in text
    everyone = "\n".join(pages)
    assert all(f"Longclass, Pupil{n:02d}" in everyone for n in range(70))
    assert sum(text.count("Longclass, Pupil") for text in pages) == 70  # none twice


def test_bad_requests_are_plain_errors(engine, school, tmp_path):
    with pytest.raises(ServiceError, match="no class"):
        register_pdf.write_register_pdf(engine, [9999], MON, THU, tmp_path / "x.pdf",
                                        printed_by="x", now=dt.datetime(2025, 11, 20))
    with pytest.raises(ServiceError, match="before its first"):
        register_pdf.write_register_pdf(engine, [school.oak], THU, MON, tmp_path / "x.pdf",
                                        printed_by="x", now=dt.datetime(2025, 11, 20))
    with pytest.raises(ServiceError, match="could not save"):
        register_pdf.write_register_pdf(engine, [school.oak], MON, THU,
                                        tmp_path / "missing" / "x.pdf", printed_by="x",
                                        now=dt.datetime(2025, 11, 20))


def test_a_unicode_font_is_used():
    regular, bold = register_pdf.fonts()
    assert regular == "AppSans"  # the DejaVu Sans shipped in the package
    assert bold == "AppSans-Bold"

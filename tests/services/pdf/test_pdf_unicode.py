"""Every name prints: letters, certificates, family reports, the governors' report, the fire
roll, the printed register and the amendments report for pupils and parents whose names
need more than Western European letters.

Each PDF is read back with pypdf: every name must be found in the extracted text, and every
font the PDF uses must be embedded (a FontFile2 stream, i.e. the shipped DejaVu Sans) with
no standard-14 font such as Helvetica left anywhere.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, Pupil, PupilContact, SchoolClass
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.services.kiosk import fire_roll
from attendance_desktop.services.letters import letter_layout, letter_plans, letter_service
from attendance_desktop.services.pdf import pdf_fonts
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.register import amendments_report, register_pdf
from attendance_desktop.services.register.register_service import MarkChange, apply_changes
from attendance_desktop.services.reports import report_periods, report_service
from attendance_desktop.services.reports.report_pdf import render_report_pdf
from attendance_desktop.services.school import calendar_service, school_service
from tests.conftest import HEAD, OFFICE, clock_at, put_marks

NAMES = [("Łucja", "Wiśniewska"), ("Oğuz", "Yılmaz"), ("Nguyễn", "Thị Hương"),
         ("Олена", "Коваленко"), ("Siobhán", "Ó Briain"), ("Zoë", "Brontë")]
FULL = [f"{f} {s}" for f, s in NAMES]
TODAY = dt.date(2025, 11, 20)
STANDARD_14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def _school(engine: Engine) -> dict[str, object]:
    """Six pupils named as above; each pupil's parent carries the next pupil's name, so
    both pupils' and parents' names are printed. All six miss Mondays and Tuesdays."""
    school_service.save_school(engine, HEAD, school_service.SchoolDetails(
        name="Ysgol Łąka Primary", address="1 School Lane\nExamplebury", postcode="EX1 2AB",
        phone="01234 567890", email="office@school.example", head_name="Ms Zoë Ashby",
        attendance_lead_name="Mr Oğuz Lead"))
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025))
    ids: list[int] = []
    with session_scope(engine) as s:
        cls = SchoolClass(name="Ödön class", sort_order=1)
        s.add(cls)
        s.flush()
        class_id = cls.id
        for n, (forename, surname) in enumerate(NAMES):
            p = Pupil(legal_forename=forename, legal_surname=surname,
                      dob=dt.date(2017, 5, 2), year_group="3", class_id=cls.id,
                      admission_date=dt.date(2024, 9, 4))
            s.add(p)
            s.flush()
            pf, ps = NAMES[(n + 1) % len(NAMES)]
            c = Contact(title="", forename=pf, surname=ps,
                        address=f"{n + 1} Straße Złota\nExamplebury", postcode="EX1 4CD")
            s.add(c)
            s.flush()
            s.add(PupilContact(pupil_id=p.id, contact_id=c.id, parental_responsibility=True,
                               lives_with_pupil=True, priority=1, relationship="Parent"))
            ids.append(p.id)
    cells = []
    day = dt.date(2025, 11, 3)
    while day <= TODAY:
        if day.weekday() < 5:
            code = "O" if day.weekday() < 2 else "/"
            cells += [(pid, day, ses, code) for pid in ids for ses in ("AM", "PM")]
        day += dt.timedelta(days=1)
    put_marks(engine, OFFICE, cells)
    return {"ids": ids, "class_id": class_id}


@pytest.fixture
def school(engine: Engine) -> dict[str, object]:
    return _school(engine)


def text_of(pdf: bytes | Path) -> str:
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def fonts_of(pdf: bytes | Path) -> dict[str, bool]:
    """Every font used on every page (base name -> embedded as TrueType)."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    found: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for ref in (fonts.get_object().values() if fonts else ()):
            font = ref.get_object()
            parts = [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]
            embedded = any("/FontFile2" in p["/FontDescriptor"].get_object()
                           for p in parts if "/FontDescriptor" in p)
            found[str(font["/BaseFont"])] = embedded
    return found


def assert_every_name_prints(pdf: bytes | Path, names: list[str] = FULL) -> None:
    text = text_of(pdf)
    missing = [n for n in names if n not in text]
    assert not missing, f"not found in the PDF text: {missing}"
    fonts = fonts_of(pdf)
    assert fonts, "no fonts found"
    assert all(fonts.values()), f"fonts not embedded: {fonts}"
    assert not [f for f in fonts if any(std in f for std in STANDARD_14)], fonts
    assert all("DejaVuSans" in f for f in fonts), fonts


def test_the_font_files_and_licence_are_shipped_in_the_package() -> None:
    for name in pdf_fonts.FILES:
        assert pdf_fonts.font_path(name).stat().st_size > 100_000
    assert "Bitstream" in (pdf_fonts.FONT_DIR / "LICENSE-DejaVu.txt").read_text()
    root = Path(__file__).resolve().parents[3]
    assert '"resources/fonts/*"' in (root / "pyproject.toml").read_text()


def test_a_letter_prints_every_pupil_and_parent_name(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    ids = school["ids"]
    pdfs = [letter_layout.render_family_letter(engine, "concern_red", [pid], today=TODAY)
            for pid in ids]
    for pid, pdf in zip(ids, pdfs, strict=True):
        n = ids.index(pid)
        pf, ps = NAMES[(n + 1) % len(NAMES)]
        assert_every_name_prints(pdf, [FULL[n], f"{pf} {ps}"])
        assert f"Dear {pf} {ps}" in text_of(pdf)
    assert "Ysgol Łąka Primary" in text_of(pdfs[0])


def test_a_batch_of_family_reports_and_certificates_print_every_name(
        engine: Engine, school, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for key in ("half_termly_report", "certificate_outstanding"):
        # every pupil here is persistently absent: the certificate's guard would leave them
        # out; this test is about the names, so the guard is set aside
        plan = letter_plans.plan_batch(engine, key, school["ids"], today=TODAY, guard=False)
        gen = letter_service.run_batch(engine, HEAD, plan, today=TODAY, out_dir=tmp_path,
                                       cancel=CancelToken(), include_repeats=True)
        try:
            while True:
                next(gen)
        except StopIteration as stop:
            result = stop.value
        assert result.letters_made == 6
        assert_every_name_prints(result.combined_pdf)
        for path in result.letter_pdfs:
            assert all(fonts_of(path).values())


def test_the_governors_report_prints_every_name(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    period = report_periods.period_options(engine, TODAY)[0]
    report = report_service.make_report(engine, period, today=TODAY)
    assert len(report.persistent) == 6
    head = Letterhead.from_details(school_service.get_school(engine).details)
    assert_every_name_prints(render_report_pdf(report, head, anonymise=False))
    # the anonymised copy: initials, still in the embedded font
    pdf = render_report_pdf(report, head)
    assert "Ł.W." in text_of(pdf) or "ŁW" in text_of(pdf)
    assert all(fonts_of(pdf).values())


def test_the_fire_roll_prints_every_name(engine: Engine, school, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime(2025, 11, 20, 10, 30)
    clock_at(engine, now)
    path = fire_roll.build(engine, now, tmp_path / "fire.pdf").path
    assert_every_name_prints(path)
    assert "Ödön class" in text_of(path)


def test_the_printed_register_and_amendments_report_print_every_name(
        engine: Engine, school, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = school["ids"]
    register_pdf.write_register_pdf(engine, [school["class_id"]], dt.date(2025, 11, 17),
                                    dt.date(2025, 11, 20), tmp_path / "reg.pdf",
                                    printed_by="Zoë", now=dt.datetime(2025, 11, 20, 12))
    assert_every_name_prints(tmp_path / "reg.pdf", [f"{s}, {f}" for f, s in NAMES])
    clock_at(engine, dt.datetime(2025, 11, 21, 9))
    apply_changes(engine, HEAD, [MarkChange(pid, dt.date(2025, 11, 17), "AM", "I")
                                 for pid in ids], reason="Parent rang: ill")
    amendments_report.write_pdf(engine, dt.date(2025, 11, 1), TODAY, tmp_path / "am.pdf")
    assert_every_name_prints(tmp_path / "am.pdf", [f"{s}, {f}" for f, s in NAMES])
    assert "2025-11-17" in text_of(tmp_path / "am.pdf")  # the wider font still fits dates

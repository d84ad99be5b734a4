"""The pupil profile's Chronology tab and what-if figures (issue 16 points 6 and 7)."""

from __future__ import annotations

import datetime as dt

from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, PupilContact
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.gui.trackers.chronology_dialogs import AddEntryDialog
from attendance_desktop.gui.trackers.whatif_panel import short
from attendance_desktop.services.pupils import class_service, pupil_service
from attendance_desktop.services.pupils.pupil_service import PupilInput
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.today import dashboard_service
from attendance_desktop.services.trackers import chronology_service, tracker_service, whatif_service
from tests.conftest import HEAD, put_marks
from tests.gui.conftest import SCREENSHOTS as SHOTS

OFFICE = Actor("Oli Office", Role.OFFICE, staff_id=2)
TODAY = dt.date(2025, 11, 20)


def _school(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    oak = class_service.save_class(engine, HEAD, "Oak")
    ids = {}
    for fore, sur, year, dob in (("Zoë", "Ivanova-Петрова", "4", dt.date(2016, 2, 2)),
                                 ("Milo", "Ivanov", "1", dt.date(2019, 4, 4))):
        ids[fore] = pupil_service.add_pupil(engine, HEAD, PupilInput(
            fore, sur, dob, year, dt.date(2025, 9, 1), class_id=oak), TODAY)
    with session_scope(engine) as s:
        mum = Contact(title="Mrs", forename="Ольга", surname="Петрова")
        s.add(mum)
        s.flush()
        for pid in ids.values():
            s.add(PupilContact(pupil_id=pid, contact_id=mum.id, relationship="Mother"))
    cal = calendar_service.load_calendar(engine)
    cells = []
    for i, day in enumerate(cal.school_days(dt.date(2025, 9, 1), TODAY - dt.timedelta(1))):
        for sess in ("AM", "PM"):
            code = "O" if i in (10, 11, 30) else ("/" if sess == "AM" else "\\")
            cells.append((ids["Zoë"], day, sess, code))
    put_marks(engine, HEAD, cells)
    chronology_service.add_entry  # noqa: B018 (the service the dialog calls)
    return ids


def _widget(qtbot, ctx, actor=OFFICE):  # type: ignore[no-untyped-def]
    ctx.actor = actor
    w = PupilsWidget(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    assert wait_idle(10)  # the list is read on the serial worker
    return w


def _open_chronology(w, pupil_id):  # type: ignore[no-untyped-def]
    w.show_pupil(pupil_id)
    assert wait_idle(10)
    tabs = w.profile.tabs
    tabs.setCurrentWidget(w.profile.chronology)  # the panel is built (and reads) now
    assert wait_idle(10)
    return w.profile.chronology.content


def _rows(chron):  # type: ignore[no-untyped-def]
    t = chron.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_add_search_filter_correct_and_family(qtbot, ctx, school_year, monkeypatch):  # type: ignore[no-untyped-def]
    ids = _school(ctx.engine)
    w = _widget(qtbot, ctx)
    chron = _open_chronology(w, ids["Zoë"])
    before = chron.table.rowCount()
    assert before > 0  # the marks summary and the weeks with absence
    assert any(r[2] == "Marks summary" for r in _rows(chron))

    def fill(dialog: AddEntryDialog) -> int:
        assert "Oli Office (Office staff)" in dialog.ui.recorded.text()
        dialog.ui.kind.setCurrentIndex(dialog.ui.kind.findData("early_help"))
        dialog.ui.date.setDate(QDate(2025, 11, 18))
        dialog.ui.with_whom.setText("Early Help hub")
        dialog.ui.details.setPlainText("Referral for family support with mornings")
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "chronology_add_dialog.png"))
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(AddEntryDialog, "exec", fill)
    chron.add_button.click()
    assert chron.table.rowCount() == before + 1
    row = next(r for r in _rows(chron) if r[2] == "Early Help referral")
    assert row[0] == "18 Nov 2025"
    assert row[3] == "with Early Help hub — Referral for family support with mornings"
    assert row[5] == "Oli Office (Office staff)"

    # search by words (any case) and by kind
    chron.search.setText("family SUPPORT")
    assert [r[2] for r in _rows(chron)] == ["Early Help referral"]
    chron.table.selectRow(0)
    assert "Recorded 20 November 2025 at 10:00" in chron.detail.toPlainText()
    assert chron.correct_button.isEnabled()
    chron.search.clear()
    chron.kind.setCurrentText("Marks")
    assert {r[2] for r in _rows(chron)} == {"Marks summary", "Week with absence"}
    chron.kind.setCurrentText("All kinds")

    # the outcome arrives later: a correction pointing at the entry
    def outcome(dialog: AddEntryDialog) -> int:
        assert dialog.ui.with_whom.text() == "Early Help hub"  # filled from the original
        dialog.ui.outcome.setText("Accepted: family worker allocated")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(AddEntryDialog, "exec", outcome)
    chron.search.setText("early help")
    chron.table.selectRow(0)
    chron.correct_button.click()
    titles = [r[3] for r in _rows(chron)]
    assert any("corrected by #" in t for t in titles)
    assert any("corrects entry #" in t for t in titles)

    # the family view adds Milo's records and a Pupil column
    chronology_service.add_entry(ctx.engine, OFFICE, ids["Milo"], "meeting", TODAY,
                                 with_whom="Mrs Петрова", outcome="Agreed to walk together")
    chron.search.clear()
    assert chron.table.isColumnHidden(1)
    chron.family.setChecked(True)
    assert not chron.table.isColumnHidden(1)
    assert any(r[1] == "Milo Ivanov" and r[2] == "Meeting" for r in _rows(chron))
    chron.family.setChecked(False)
    assert not any(r[1] == "Milo Ivanov" for r in _rows(chron))


def test_pdf_and_csv_from_the_tab(qtbot, ctx, school_year, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    ids = _school(ctx.engine)
    chronology_service.add_entry(ctx.engine, HEAD, ids["Zoë"], "dsl", dt.date(2025, 11, 19),
                                 with_whom="DSL", outcome="Monitoring",
                                 details="Concern passed on about Zoë's late collection")
    w = _widget(qtbot, ctx)
    chron = _open_chronology(w, ids["Zoë"])
    chron.family.setChecked(True)
    pdf = tmp_path / "chron.pdf"
    csv_file = tmp_path / "chron.csv"
    told: list[str] = []
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("For a referral", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(pdf), "PDF files (*.pdf)"))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    chron.pdf_button.click()
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Ivanova-Петрова" in text
    assert "Zoë's late collection" in text
    assert "Prepared for a referral" in text
    assert told
    assert told[-1].startswith(f"Saved {chron.table.rowCount()} rows")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "chronology.pdf").write_bytes(pdf.read_bytes())
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(csv_file), "CSV files (*.csv)"))
    chron.csv_button.click()
    assert "Ivanova-Петрова" in csv_file.read_text(encoding="utf-8-sig")
    whats = [e.what for e in audit_service.list_access(ctx.engine, HEAD)]
    assert "chronology PDF" in whats
    assert "chronology CSV" in whats


def test_read_only_staff_cannot_add(qtbot, ctx, school_year):  # type: ignore[no-untyped-def]
    ids = _school(ctx.engine)
    w = _widget(qtbot, ctx, actor=Actor("Gov Reader", Role.READONLY))
    chron = _open_chronology(w, ids["Zoë"])
    assert not chron.add_button.isEnabled()
    assert chron.table.rowCount() > 0


def test_what_if_figures_on_the_profile_and_screenshots(qtbot, ctx, school_year):  # type: ignore[no-untyped-def]
    ids = _school(ctx.engine)
    chronology_service.add_entry(ctx.engine, HEAD, ids["Zoë"], "meeting", dt.date(2025, 11, 14),
                                 with_whom="Mrs Ольга Петрова (mother)",
                                 outcome="Attendance plan agreed; review in 4 weeks",
                                 details="Met with mum about Zoë's absences on Mondays")
    with session_scope(ctx.engine) as s:
        mum = s.exec(select(Contact.id)).first()
    dashboard_service.log_call(ctx.engine, OFFICE, ids["Zoë"], mum, "reason given",
                               "Mum said Zoë had a stomach bug",
                               now=dt.datetime(2025, 11, 17, 9, 10))
    tracker_service.set_stage(ctx.engine, HEAD, ids["Zoë"], "letter", "RAG letter sent",
                              now=dt.datetime(2025, 11, 18, 15, 0))
    chronology_service.add_entry(ctx.engine, HEAD, ids["Milo"], "early_help",
                                 dt.date(2025, 11, 19), with_whom="Early Help hub",
                                 outcome="Awaiting allocation",
                                 details="Family support for morning routines")
    w = _widget(qtbot, ctx)
    w.show_pupil(ids["Zoë"])
    assert wait_idle(10)
    expected = whatif_service.profile_lines(
        whatif_service.whatif_for(ctx.engine, [ids["Zoë"]], TODAY)[ids["Zoë"]])
    panel = w.profile.whatif
    assert panel.isVisible()
    assert panel.rows == expected
    for label, value in expected:
        assert f"{label}: {value}" in panel.accessibleDescription()
    assert expected[0][0] == "To reach the target (96%) by the end of Autumn"
    w_ = whatif_service.whatif_for(ctx.engine, [ids["Zoë"]], TODAY)[ids["Zoë"]]
    assert w_.term is not None
    assert f">{short(w_.term.target)}</td>" in panel.text()
    assert "end of Autumn" in panel.text()
    assert "Target 96%" in panel.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / "profile_whatif.png"))
    chron = _open_chronology(w, ids["Zoë"])
    chron.family.setChecked(True)
    chron.table.selectRow(chron.table.rowCount() - 1)
    w.grab().save(str(SHOTS / "profile_chronology.png"))
    assert chron.table.rowCount() > 3

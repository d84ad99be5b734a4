"""Leave area: the request form (figures and checks live), the head's decision, the lists
and their actions. Screenshots at 1366x768 go to screenshots/leave_*.png."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from attendance_desktop.domain.calendar import daterange
from attendance_desktop.gui.common import qdate
from attendance_desktop.gui.leave.decision_dialog import DecisionDialog
from attendance_desktop.gui.leave.leave_widget import LeaveWidget
from attendance_desktop.gui.leave.request_dialog import RequestDialog
from attendance_desktop.gui.leave.taken_dialog import TakenDialog
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.services.leave import leave_decisions, leave_reads, leave_requests
from attendance_desktop.services.leave.leave_records import RequestInput
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import ContactInput, LinkInput
from attendance_desktop.services.pupils.pupil_service import PupilInput
from attendance_desktop.services.register import mark_reads
from attendance_desktop.services.register import register_service as reg
from tests.conftest import HEAD, OFFICE, clock_at
from tests.gui.conftest import save_screenshot

D = dt.date
NOW = dt.datetime(2025, 11, 20, 10, 0)


@pytest.fixture
def school(engine, school_year):  # type: ignore[no-untyped-def]
    """Two pupils in Oak; Tilly has a term of marks with one unauthorised session."""
    oak = class_service.save_class(engine, HEAD, "Oak")
    tilly = pupil_service.add_pupil(engine, OFFICE, PupilInput(
        legal_forename="Tilly", legal_surname="Brook", dob=D(2016, 5, 4), year_group="4",
        admission_date=D(2022, 9, 5), class_id=oak), NOW.date())
    pupil_service.add_pupil(engine, OFFICE, PupilInput(
        legal_forename="Omar", legal_surname="Fenwick", dob=D(2016, 2, 1), year_group="4",
        admission_date=D(2022, 9, 5), class_id=oak), NOW.date())
    pupil_contacts.add_contact(engine, OFFICE, tilly, ContactInput(
        surname="Brook", forename="Sam", title="Ms", phone_mobile="07700 900123"),
        LinkInput(relationship="Mother"))
    days = [d for d in daterange(D(2025, 11, 3), D(2025, 11, 14)) if d.weekday() < 5]
    marks = [reg.MarkChange(tilly, d, s, "/" if s == "AM" else "\\") for d in days
             for s in ("AM", "PM")]
    marks[0] = dataclasses.replace(marks[0], code="O")
    marks[1] = dataclasses.replace(marks[1], code="I")
    clock_at(engine, NOW)
    reg.apply_changes(engine, OFFICE, marks, reason="test data")
    return {"oak": oak, "tilly": tilly}


def _press_mark_g(dialog: TakenDialog) -> int:
    """Stands in for exec(): the user reads the list and presses Mark G."""
    dialog.ui.apply_button.click()
    return int(dialog.result())


def _request(engine, pupil: int, **kw):  # type: ignore[no-untyped-def]
    base = dict(pupil_id=pupil, requested_by="Ms Sam Brook", relationship="Mother",
                received_date=D(2025, 11, 10), first_date=D(2025, 12, 1),
                last_date=D(2025, 12, 3), ground="C", reason="Grandparent's funeral abroad",
                evidence="Order of service")
    base.update(kw)
    return leave_requests.submit_request(engine, OFFICE, RequestInput(**base), now=NOW)


def test_request_form_fills_in_figures_and_checks_then_records(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    ctx.actor = OFFICE
    dialog = RequestDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(1300, 700)
    dialog.show()
    assert "Choose a pupil" in dialog.ui.figures.checks.toPlainText()
    # Search: type part of the name, pick from the list.
    dialog.ui.pupil.lineEdit().setText("brook")
    dialog.ui.pupil.setCurrentIndex(dialog.ui.pupil.findText("Tilly Brook",
                                                       Qt.MatchFlag.MatchStartsWith))
    assert dialog.pupil_id() == school["tilly"]
    dialog.ui.requested_by.setCurrentIndex(dialog.ui.requested_by.findText("Ms Sam Brook"))
    assert dialog.ui.relationship.currentText() == "Mother"  # from the contact
    dialog.ui.received.setDate(qdate(D(2025, 11, 20)))
    dialog.ui.first.setDate(qdate(D(2025, 11, 27)))
    dialog.ui.first_session.setCurrentIndex(1)  # Thursday afternoon
    dialog.ui.last.setDate(qdate(D(2025, 12, 2)))
    dialog.ui.last_session.setCurrentIndex(0)  # Tuesday morning
    dialog.ui.reason.setPlainText("Family holiday in Spain, flights are cheaper")
    qtbot.waitUntil(lambda: "holiday" in dialog.ui.figures.checks.toPlainText().lower(),
                    timeout=3000)
    text = dialog.ui.figures.checks.toPlainText()
    assert "not an exceptional circumstance" in text
    assert "1 week given; the policy asks for 2 weeks" in text  # 7 days
    assert "1 session of unauthorised absence" in text
    assert dialog.ui.figures.sessions.text().startswith("<b>6</b>")  # Thu PM to Tue AM
    assert "90.0%" in dialog.ui.figures.attendance.text()  # 18 of 20 sessions
    assert "None" in dialog.ui.figures.earlier.text()
    save_screenshot(dialog, "leave_request_form")
    # C1 shows the licence field; C2 the review date.
    dialog.ui.ground.setCurrentIndex(dialog.ui.ground.findData("C1"))
    assert dialog.ui.licence.isVisible()
    assert not dialog.ui.review_row.isVisible()
    qtbot.waitUntil(
        lambda: "If the 6 sessions asked for are missed" in dialog.ui.figures.checks.toPlainText(),
        timeout=3000)
    dialog.ui.licence.setText("LA/2025/0042")
    qtbot.waitUntil(lambda: "Performance licence" not in dialog.ui.figures.checks.toPlainText(),
                    timeout=3000)
    dialog.resize(1180, 640)  # the dialog's own size, within 1366x768
    save_screenshot(dialog, "leave_request_form_c1")
    dialog.ui.ground.setCurrentIndex(dialog.ui.ground.findData("C"))
    dialog.ui.holiday.setChecked(True)
    dialog.ui.record.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    rid = dialog.submitted_id
    assert rid is not None
    row = leave_reads.get_request(ctx.engine, rid)
    assert (row.status, row.sessions, row.requested_by, row.is_holiday) == (
        "pending", 6, "Ms Sam Brook", True)
    assert row.licence_reference == ""  # only kept for C1


def test_form_refuses_without_a_pupil(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    ctx.actor = OFFICE
    dialog = RequestDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.ui.record.click()
    assert dialog.submitted_id is None
    assert "choose the pupil" in dialog.ui.message.text()


def test_head_decides_and_the_register_is_filled(qtbot, ctx, school, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rid = _request(ctx.engine, school["tilly"])
    ctx.actor = HEAD
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = DecisionDialog(ctx, rid)
    qtbot.addWidget(dialog)
    dialog.resize(1300, 720)
    dialog.show()
    assert dialog.ui.decision_box.isEnabled()
    assert "No decision yet" in dialog.ui.history.text()
    assert not dialog.ui.part_first.isVisible()
    dialog.ui.part_granted.setChecked(True)
    assert dialog.ui.part_first.isVisible()
    dialog.ui.part_last.setDate(qdate(D(2025, 12, 2)))
    dialog.ui.conditions.setPlainText("Back on Wednesday morning")
    dialog.ui.reasons.setPlainText("Wednesday to Friday is assessment week")
    save_screenshot(dialog, "leave_decision_dialog")
    with qtbot.waitSignal(dialog.decided, timeout=3000):
        dialog.ui.record.click()
    assert leave_reads.get_request(ctx.engine, rid).status == "part_granted"
    assert mark_reads.read_cell(ctx.engine, school["tilly"], D(2025, 12, 2), "PM").code == "C"
    assert mark_reads.read_cell(ctx.engine, school["tilly"], D(2025, 12, 3), "AM").code == ""
    assert "Granted in part" in dialog.ui.history.text()
    assert "Correct the decision" in dialog.ui.decision_box.title()
    # A correction is a new entry; the first stays in the history.
    dialog.ui.refused.setChecked(True)
    dialog.ui.reasons.setPlainText("Correction: the dates clash with the class trip")
    with qtbot.waitSignal(dialog.decided, timeout=3000):
        dialog.ui.record.click()
    assert [d.outcome for d in leave_reads.decisions(ctx.engine, rid)] == [
        "part_granted", "refused"]
    assert mark_reads.read_cell(ctx.engine, school["tilly"], D(2025, 12, 2), "PM").code == ""
    assert dialog.ui.history.text().count("by Test Head") == 2
    dialog.resize(1180, 680)
    save_screenshot(dialog, "leave_decision_corrected")


def test_office_sees_the_request_but_cannot_decide(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    rid = _request(ctx.engine, school["tilly"])
    ctx.actor = OFFICE
    dialog = DecisionDialog(ctx, rid)
    qtbot.addWidget(dialog)
    assert not dialog.ui.decision_box.isEnabled()
    assert not dialog.ui.record.isEnabled()
    assert "only the headteacher" in dialog.ui.decision_box.title()
    assert "Tilly Brook" in dialog.ui.summary.text()


def test_lists_filters_withdraw_and_taken_anyway(qtbot, ctx, school, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tilly = school["tilly"]
    pending = _request(ctx.engine, tilly, first_date=D(2026, 1, 12), last_date=D(2026, 1, 13))
    granted = _request(ctx.engine, tilly)
    refused = _request(ctx.engine, tilly, received_date=D(2025, 11, 1),
                       first_date=D(2025, 11, 17), last_date=D(2025, 11, 19),
                       reason="Holiday")
    leave_decisions.decide(ctx.engine, HEAD, granted, "granted", decided_on=NOW.date(), now=NOW)
    leave_decisions.decide(ctx.engine, HEAD, refused, "refused", reasons="Holiday",
                           decided_on=D(2025, 11, 3), now=dt.datetime(2025, 11, 3, 9, 0))
    ctx.actor = OFFICE
    page = LeaveWidget(ctx)
    qtbot.addWidget(page)
    assert [r.id for r in page.rows] == [pending]  # waiting for a decision first
    page.status.setCurrentIndex(page.status.findData("all"))
    assert [r.id for r in page.rows] == [pending, granted, refused]
    page.status.setCurrentIndex(page.status.findData("upcoming"))
    assert [r.id for r in page.rows] == [granted]
    # Withdraw the granted leave: its future marks go.
    assert page.select_request(granted)
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: ("Mother phoned: trip cancelled", True))
    page.withdraw_selected()
    assert "withdrawn" in page.message.text()
    assert mark_reads.read_cell(ctx.engine, tilly, D(2025, 12, 1), "AM").code == ""
    # Refused and taken: G for the sessions so far.
    page.status.setCurrentIndex(page.status.findData("refused"))
    assert page.select_request(refused)
    assert page.taken_button.isEnabled()
    monkeypatch.setattr(TakenDialog, "exec", _press_mark_g)
    page.mark_taken_selected()
    assert "6 session(s) marked G" in page.message.text()
    assert mark_reads.read_cell(ctx.engine, tilly, D(2025, 11, 18), "PM").code == "G"
    assert page.rows[0].status_label == "Refused, taken anyway (G)"
    # Date and class filters.
    page.status.setCurrentIndex(page.status.findData("all"))
    page.use_dates.setChecked(True)
    page.start.setDate(qdate(D(2026, 1, 1)))
    page.end.setDate(qdate(D(2026, 1, 31)))
    assert [r.id for r in page.rows] == [pending]
    page.use_dates.setChecked(False)
    other = class_service.save_class(ctx.engine, HEAD, "Ash")
    page.klass.addItem("Ash", other)
    page.klass.setCurrentIndex(page.klass.findData(other))
    assert page.rows == []
    assert page.count.text() == "0 request(s)"


def test_leave_page_in_the_main_window_at_1366x768(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    tilly = school["tilly"]
    _request(ctx.engine, tilly, first_date=D(2026, 1, 12), last_date=D(2026, 1, 13))
    rid = _request(ctx.engine, tilly, ground="M", reason="Hospital appointment in Leeds",
                   first_session="PM", last_date=D(2025, 12, 1))
    leave_decisions.decide(ctx.engine, HEAD, rid, "granted", decided_on=NOW.date(), now=NOW)
    ctx.actor = HEAD
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_area(window.area_index("Leave"))
    page = window.current_page()
    assert isinstance(page, LeaveWidget)
    page.status.setCurrentIndex(page.status.findData("all"))
    assert len(page.rows) == 2
    save_screenshot(window, "leave_page")
    page.open_assessment_dates()
    assert window.nav.currentRow() == window.area_index("Settings")


def test_decision_letter_and_request_form_are_saved_and_logged(qtbot, ctx, school, tmp_path,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    from attendance_desktop.services.letters import letter_service

    tilly = school["tilly"]
    granted = _request(ctx.engine, tilly)
    leave_decisions.decide(ctx.engine, HEAD, granted, "part_granted", decided_on=NOW.date(),
                           now=NOW, granted_first=(D(2025, 12, 1), "AM"),
                           granted_last=(D(2025, 12, 2), "PM"),
                           conditions="Tilly keeps a diary of the visit to share with her class.",
                           reasons="The rest of the week is assessment week.")
    refused = _request(ctx.engine, tilly, first_date=D(2026, 1, 12), last_date=D(2026, 1, 16),
                       reason="Family holiday")
    leave_decisions.decide(ctx.engine, HEAD, refused, "refused", decided_on=NOW.date(), now=NOW,
                           reasons="A family holiday is not an exceptional circumstance.")
    ctx.actor = OFFICE
    page = LeaveWidget(ctx)
    qtbot.addWidget(page)
    page.status.setCurrentIndex(page.status.findData("all"))
    files = iter([tmp_path / "granted.pdf", tmp_path / "refused.pdf", tmp_path / "form.pdf"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(next(files)), "PDF files (*.pdf)"))
    page.select_request(granted)
    page.print_selected_letter()
    assert "recorded in the letters log" in page.message.text()
    page.select_request(refused)
    page.print_selected_letter()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][a[4]], True))
    page.print_blank_form()
    assert "Request form for Tilly Brook saved" in page.message.text()
    for name in ("granted", "refused", "form"):
        assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    logged = [e.template_key for e in letter_service.letters_for_pupil(ctx.engine, tilly)]
    assert sorted(logged) == ["leave_part_granted", "leave_refused", "leave_request_form"]
    # A blank form for families to take away: nobody's name on it, not logged.
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][0], True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "blank.pdf"), "PDF files (*.pdf)"))
    page.print_blank_form()
    assert "Blank request form saved" in page.message.text()
    text = "".join(pg.extract_text() for pg in PdfReader(str(tmp_path / "blank.pdf")).pages)
    assert "Request for leave of absence" in text
    assert "2 weeks" in text
    assert "Tilly" not in text
    logged = [e.template_key for e in letter_service.letters_for_pupil(ctx.engine, tilly)]
    assert sorted(logged) == ["leave_part_granted", "leave_refused", "leave_request_form"]


# --- refused leave taken anyway: the G step lists each session and what changes ---------


def _refused(ctx, tilly: int) -> int:  # type: ignore[no-untyped-def]
    # Tilly's marks (fixture): Mon 3 Nov AM O, PM I; present every other session.
    rid = _request(ctx.engine, tilly, received_date=D(2025, 10, 1), first_date=D(2025, 11, 3),
                   last_date=D(2025, 11, 4), reason="Holiday")
    leave_decisions.decide(ctx.engine, HEAD, rid, "refused", reasons="A holiday is not"
                           " exceptional", decided_on=D(2025, 10, 2),
                           now=dt.datetime(2025, 10, 2, 9, 0))
    return rid


def test_dialog_lists_each_session_and_keeps_illness_for_the_office(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    tilly = school["tilly"]
    rid = _refused(ctx, tilly)
    ctx.actor = OFFICE
    dialog = TakenDialog(ctx, rid, "Tilly Brook")
    qtbot.addWidget(dialog)
    dialog.show()
    rows = dialog.rows_text()
    assert rows[0].startswith("Mon 3 Nov AM: O → G — Will change to G")
    assert rows[1].startswith("Mon 3 Nov PM: I stays — Recorded reason: stays (only the"
                              " headteacher")
    assert rows[2].startswith("Tue 4 Nov AM: / stays — Left alone (the pupil was in school)")
    assert len(rows) == 4
    assert "only the headteacher" in dialog.ui.intro.text()
    box = dialog.ui.table.item(1, 2)
    assert not box.flags() & Qt.ItemFlag.ItemIsEnabled  # the office cannot tick it
    assert dialog.ui.apply_button.text() == "&Mark 1 session G"
    save_screenshot(dialog, "leave_taken_office")
    dialog.ui.apply_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert mark_reads.read_cell(ctx.engine, tilly, D(2025, 11, 3), "AM").code == "G"
    assert mark_reads.read_cell(ctx.engine, tilly, D(2025, 11, 3), "PM").code == "I"
    h = mark_reads.cell_history(ctx.engine, tilly, D(2025, 11, 3), "AM")[-1]
    assert (h.old_code, h.new_code) == ("O", "G")
    assert h.reason == f"Leave refused and taken (request #{rid})"


def test_head_confirms_one_session_and_the_amendment_says_so(qtbot, ctx, school) -> None:  # type: ignore[no-untyped-def]
    tilly = school["tilly"]
    rid = _refused(ctx, tilly)
    ctx.actor = HEAD
    dialog = TakenDialog(ctx, rid, "Tilly Brook")
    qtbot.addWidget(dialog)
    dialog.resize(1000, 420)
    dialog.show()
    box = dialog.ui.table.item(1, 2)
    assert box.flags() & Qt.ItemFlag.ItemIsEnabled
    assert dialog.ui.apply_button.text() == "&Mark 1 session G"
    box.setCheckState(Qt.CheckState.Checked)
    assert dialog.confirmed() == [(D(2025, 11, 3), "PM")]
    assert dialog.ui.apply_button.text() == "&Mark 2 sessions G"
    save_screenshot(dialog, "leave_taken_head")
    dialog.ui.apply_button.click()
    assert dialog.outcome is not None
    assert dialog.outcome.written == 2
    h = mark_reads.cell_history(ctx.engine, tilly, D(2025, 11, 3), "PM")[-1]
    assert (h.old_code, h.new_code) == ("I", "G")
    assert "the head confirmed the recorded reason is replaced" in h.reason
    assert h.staff_name == HEAD.name
    assert mark_reads.read_cell(ctx.engine, tilly, D(2025, 11, 4), "AM").code == "/"
    assert h.staff_role == HEAD.role.value
    assert h.after_close  # a past session: kept as an amendment of the legal record

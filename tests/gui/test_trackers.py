"""The Trackers board and case view: order, filters, a stage change and steps from the GUI."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.trackers import step_dialog
from attendance_desktop.gui.trackers.board_widget import CaseDialog, TrackersWidget
from attendance_desktop.gui.trackers.step_dialog import PenaltyDecisionDialog
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.trackers import alerts_service, tracker_service
from tests.conftest import HEAD
from tests.gui.conftest import save_screenshot
from tests.services.tracker_data import ON, D, add_parent, add_pupil, fill


def _tracker_school(e) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The 2025/26 year (as the school_year fixture makes it) and five pupils' marks."""
    calendar_service.create_academic_year(e, HEAD, default_term_dates(2025),
                                          inset_days=[D(2025, 9, 1)])
    ids = {}
    for key, fore, sur, cls in [("good", "Ada", "Good", "Oak"), ("away", "Cal", "Away", "Oak"),
                                ("late", "Dot", "Late", "Ash"), ("gone", "Eve", "Gone", "Ash"),
                                ("amber", "Fin", "Amber", "Oak")]:
        ids[key] = add_pupil(e, fore, sur, f"A4000000000{len(ids) + 10}", cls=cls)
        fill(e, ids[key], D(2025, 9, 3), ON)
    fill(e, ids["away"], D(2025, 11, 14), D(2025, 11, 20), "G")  # 10 sessions: PN threshold
    fill(e, ids["late"], D(2025, 11, 17), D(2025, 11, 19), "L", ("AM",))
    fill(e, ids["gone"], D(2025, 10, 13), ON, "O")  # 24 school days
    fill(e, ids["amber"], D(2025, 10, 20), D(2025, 10, 22), "I")  # Autumn 1: 70/76 = 92.1%
    add_parent(e, ids["away"])
    return ids


@pytest.fixture
def school(ctx, built_once):  # type: ignore[no-untyped-def]
    ids = built_once(ctx.engine, _tracker_school)  # built once per run, copied here
    ctx.actor = HEAD
    return ids


def open_case(qtbot, ctx, pupil_id: int):  # type: ignore[no-untyped-def]
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    dialog = CaseDialog(board, ctx, pupil_id)
    qtbot.addWidget(dialog)
    case = dialog.case
    case.keep_alive = (board, dialog)  # qtbot holds widgets weakly
    return case


def loaded(qtbot, board) -> None:  # type: ignore[no-untyped-def]
    """The board is worked out off the GUI thread."""
    qtbot.waitUntil(lambda: board.loader.loads > 0 and not board.loader.busy, timeout=10_000)


def test_board_lists_pupils_with_something_due_most_urgent_first(qtbot, ctx, school):
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    loaded(qtbot, board)
    names = [p.name for p in board.model.rows]
    assert names == ["Eve Gone", "Cal Away", "Fin Amber", "Dot Late"]  # Ada has nothing due
    assert board.model.index(0, 0).data() == "Urgent"
    assert "20 days G/N/O" in board.model.index(0, 6).data()
    assert board.model.index(1, 6).data().startswith("PN threshold")
    assert board.model.index(3, 5).data() == "Significant"
    assert "Persistent" not in board.heading.text()
    save_screenshot(board, "trackers_board")
    board.filter.setCurrentIndex(board.filter.findData("lateness"))
    assert [p.name for p in board.model.rows] == ["Dot Late"]
    board.filter.setCurrentIndex(board.filter.findData("all"))
    assert len(board.model.rows) == 5
    board.filter.setCurrentIndex(board.filter.findData("due"))
    board.class_filter.setCurrentIndex(board.class_filter.findData("Ash"))
    assert [p.name for p in board.model.rows] == ["Eve Gone", "Dot Late"]
    board.search.setText("dot")
    assert [p.name for p in board.model.rows] == ["Dot Late"]


def test_enter_opens_the_case_with_calendar_and_history(qtbot, ctx, school):
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    board.show()
    loaded(qtbot, board)
    board.table.setFocus()
    board.table.selectRow(1)
    qtbot.keyClick(board.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(getattr(board, "case_dialog", None), CaseDialog)
                    and board.case_dialog.isVisible(), timeout=3000)
    dialog = board.case_dialog
    qtbot.addWidget(dialog)
    case = dialog.case
    assert "Cal Away" in case.heading.text()
    assert case.steps.item(0, 0).text() == "Penalty"
    assert "10 unauthorised sessions in 10 school weeks (threshold 10) — threshold met" in \
        case.summary.text()
    dialog.resize(1366, 768)
    save_screenshot(dialog, "trackers_case_steps")
    case.tabs.setCurrentIndex(1)
    assert case.calendar.months[0] == (2025, 9)
    assert case.calendar.marks[(D(2025, 11, 14), "AM")] == "G"
    save_screenshot(dialog, "trackers_case_calendar")
    dialog.close()


def test_stage_change_from_the_case_view(qtbot, ctx, school, monkeypatch):
    case = open_case(qtbot, ctx, school["amber"])
    assert case.alert.band_key == "lower_amber"

    def accept(dlg):  # type: ignore[no-untyped-def]
        assert dlg.ui.choice.currentData() == "letter"  # the next stage is offered first
        dlg.ui.notes.setPlainText("Band letter stage agreed")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(step_dialog.StepDialog, "exec", accept)
    changed = []
    case.changed.connect(lambda: changed.append(True))
    case.change_stage()
    assert changed == [True]
    history = tracker_service.history(ctx.engine, school["amber"])
    assert history[0].label == "Stage: RAG letter"
    assert history[0].staff_name == HEAD.name
    assert history[0].details == "Band letter stage agreed"
    assert case.history.item(0, 2).text() == "Stage: RAG letter"
    assert case.alert.absence.next_step.kind == "action"
    # record the stage's action from the next-steps list
    row = next(i for i, d in enumerate(case.alert.due) if d.tracker == "absence")
    case.steps.selectRow(row)
    monkeypatch.setattr(step_dialog.StepDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    case.record_selected()
    assert case.alert.absence.next_step.kind == "review"


def test_lateness_step_recorded_from_the_case(qtbot, ctx, school, monkeypatch):
    case = open_case(qtbot, ctx, school["late"])
    keys = [d.key for d in case.alert.due]
    case.steps.selectRow(keys.index("challenged"))
    monkeypatch.setattr(step_dialog.StepDialog, "exec",
                        lambda dlg: QDialog.DialogCode.Accepted)
    case.record_selected()
    assert "challenged" not in [d.key for d in case.alert.due]
    assert case.late.rowCount() == 3
    assert case.late.item(0, 2).text() == "L"


def test_penalty_form_needs_every_answer(qtbot, ctx, school):
    policy = alerts_service.snapshot(ctx.engine, ON).policy
    dlg = PenaltyDecisionDialog(None, "Cal Away", "10 sessions", policy.pn_considerations,
                                tracker_service.PN_DECISIONS)
    qtbot.addWidget(dlg)
    dlg.show()
    for edit in dlg.answers[:-1]:
        edit.setText("Yes")
    dlg._check()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "reasonable adjustments" in dlg.ui.error.text()
    dlg.answers[-1].setText("Yes")
    dlg.ui.reasons.setPlainText("Holiday in term time after a refusal")
    save_screenshot(dlg, "trackers_penalty_form")
    dlg._check()
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_a_refused_third_notice_is_explained(qtbot, ctx, school, monkeypatch):
    pid = school["away"]
    parent = tracker_service.parents_of(ctx.engine, pid)[0][0]
    for day in (D(2024, 2, 1), D(2025, 2, 1)):
        tracker_service.issue_notice(ctx.engine, HEAD, pid, parent, day)
    case = open_case(qtbot, ctx, pid)
    assert case.notices.rowCount() == 2
    monkeypatch.setattr(step_dialog.NoticeDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    case.log_notice()
    assert "already had 2 penalty notices" in warnings[0]
    assert case.notices.rowCount() == 2
    case.tabs.setCurrentIndex(case.tabs.count() - 1)
    case.keep_alive[1].resize(1366, 768)
    save_screenshot(case.keep_alive[1], "trackers_case_notices")


def test_trackers_area_in_the_main_window(qtbot, ctx, school):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_area(window.area_index("Trackers"))
    assert isinstance(window.current_page(), TrackersWidget)
    save_screenshot(window, "trackers_main_window")
    assert dt.date(2025, 11, 20) == ctx.today()


def test_send_the_letter_for_a_step_from_the_case(qtbot, ctx, school, monkeypatch, tmp_path):
    from attendance_desktop.services.letters import letter_service

    case = open_case(qtbot, ctx, school["amber"])
    row = next(i for i, d in enumerate(case.alert.due) if d.letter == "concern_lower_amber")
    case.steps.selectRow(row)
    assert case.letter_button.isEnabled()
    assert case.steps.item(row, 3).text() == "Attendance concern: lower amber"
    target = tmp_path / "letter.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Tuesday 25 November", True))
    case.send_letter()
    assert target.read_bytes().startswith(b"%PDF")
    text = PdfReader(str(target)).pages[0].extract_text()
    assert "(Autumn 1)" in text  # the period the band came from, not Autumn 2 so far
    assert "92.1%" in text
    log = letter_service.letters_for_pupil(ctx.engine, school["amber"])
    assert [x.template_key for x in log] == ["concern_lower_amber"]
    assert case.letters.rowCount() == 1
    history = tracker_service.history(ctx.engine, school["amber"])
    assert history[0].label == "Done: RAG letter"
    assert "sent" in history[0].details
    assert case.alert.absence.next_step.kind == "review"
    case.tabs.setCurrentIndex(3)
    case.keep_alive[1].resize(1366, 768)
    save_screenshot(case.keep_alive[1], "trackers_case_history")


def test_office_staff_see_head_only_steps_greyed_out(qtbot, ctx, school):
    from tests.conftest import OFFICE

    ctx.actor = OFFICE
    case = open_case(qtbot, ctx, school["late"])
    assert not case.stage_button.isEnabled()
    assert "headteacher only" in case.stage_button.toolTip()
    assert case.done_button.isEnabled()  # office staff record actions


def test_full_profile_opens_the_pupil_page(qtbot, ctx, school):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_area(window.area_index("Trackers"))
    board = window.current_page()
    loaded(qtbot, board)
    board.table.selectRow(0)
    board.open_case()
    dialog = board.case_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    dialog.case.full_profile()
    assert window.nav.currentRow() == window.area_index("Pupils")
    assert not dialog.isVisible()

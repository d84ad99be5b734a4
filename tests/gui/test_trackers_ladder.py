"""Issue 16 points 4-5 in the case view: a notice entered with its dates and payment,
considerations read as questions and answers, the stage list limited to the band's
ladder, an invitation letter that keeps the meeting due, and the policy settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLabel, QMessageBox

from attendance_desktop.domain.policy import PRESETS
from attendance_desktop.gui.settings.policy_widget import PolicyEditor
from attendance_desktop.gui.trackers import step_dialog
from attendance_desktop.gui.trackers.board_widget import CaseDialog, TrackersWidget
from attendance_desktop.gui.trackers.step_dialog import NoticeDialog, NoticeUpdateDialog
from attendance_desktop.services.trackers import tracker_service
from tests.conftest import HEAD
from tests.services.tracker_data import NOW, ON, D, add_parent, add_pupil, fill

SHOTS = Path("/tmp/ladder16_shots")


def shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


@pytest.fixture
def pupils(ctx, school_year):  # type: ignore[no-untyped-def]
    e = ctx.engine
    ids = {"red": add_pupil(e, "Kit", "Red", "A600000000011"),
           "amber": add_pupil(e, "Fin", "Amber", "A600000000012")}
    for pid in ids.values():
        fill(e, pid, D(2025, 9, 3), ON)
    fill(e, ids["red"], D(2025, 10, 13), D(2025, 10, 20), "I")
    fill(e, ids["red"], D(2025, 11, 10), D(2025, 11, 14), "G")  # penalty threshold
    fill(e, ids["amber"], D(2025, 10, 20), D(2025, 10, 22), "I")
    add_parent(e, ids["red"])
    ctx.actor = HEAD
    return ids


def open_case(qtbot, ctx, pupil_id: int):  # type: ignore[no-untyped-def]
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    dialog = CaseDialog(board, ctx, pupil_id)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    case = dialog.case
    case.keep_alive = (board, dialog)
    return case


def test_a_notice_is_entered_with_its_dates_and_its_payment_checked(qtbot, ctx, pupils,
                                                                     monkeypatch):
    case = open_case(qtbot, ctx, pupils["red"])
    seen: dict[str, str] = {}

    def fill_notice(dlg: NoticeDialog):  # type: ignore[no-untyped-def]
        dlg.ui.date.setDate(QDate(2025, 10, 1))  # issued earlier, logged today
        dlg.ui.notes.setText("Holiday in term time after a refusal")
        seen["terms"] = dlg.ui.terms.text()
        dlg.resize(640, dlg.sizeHint().height())
        shot(dlg, "notice_dialog")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NoticeDialog, "exec", fill_notice)
    case.log_notice()
    assert seen["terms"] == ("First notice to this parent for this child within 3 years: "
                             "£80 if paid by 22 Oct 2025, £160 by 29 Oct 2025.")
    assert case.notices.rowCount() == 1
    assert case.notices.item(0, 2).text() == "first"
    # logged on 20 Nov with no payment yet recorded: past the 28 days
    assert case.notices.item(0, 3).text().startswith("not paid by 29 Oct 2025")

    def pay(dlg: NoticeUpdateDialog):  # type: ignore[no-untyped-def]
        dlg.ui.date.setDate(QDate(2025, 10, 23))  # day 22: the full amount
        assert dlg.ui.amount.value() == 160  # filled in from the framework
        dlg.ui.amount.setValue(80)
        dlg._check()
        seen["error"] = dlg.ui.error.text()
        assert dlg.result() != QDialog.DialogCode.Accepted
        dlg.ui.date.setDate(QDate(2025, 10, 22))  # day 21: the reduced amount
        assert dlg.ui.amount.value() == 80
        seen["check"] = dlg.ui.check.text()
        dlg.resize(640, dlg.sizeHint().height())
        shot(dlg, "payment_dialog")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NoticeUpdateDialog, "exec", pay)
    case.notices.selectRow(0)
    case.notice_status()
    assert seen["error"] == "£160 settles the notice on this date, not £80."
    assert seen["check"] == "£80 settles the notice when paid on 22 Oct 2025."
    assert case.notices.item(0, 3).text() == "£80 paid 22 Oct 2025"
    assert case.notices.item(0, 4).text() == "paid"
    case.tabs.setCurrentWidget(case.penalty)
    shot(case.keep_alive[1], "case_penalty_tab")


def test_a_payment_too_late_cannot_be_saved(qtbot, ctx, pupils):
    parent = tracker_service.parents_of(ctx.engine, pupils["red"])[0][0]
    nid = tracker_service.issue_notice(ctx.engine, HEAD, pupils["red"], parent, D(2025, 10, 1),
                                       now=NOW)
    dlg = NoticeUpdateDialog(None, "Notice", "", D(2025, 10, 1), ON,
                             lambda day: tracker_service.expected_payment(ctx.engine, nid, day))
    qtbot.addWidget(dlg)
    dlg.ui.date.setDate(QDate(2025, 10, 30))  # day 29
    assert "Too late to pay" in dlg.ui.check.text()
    dlg._check()
    assert dlg.result() != QDialog.DialogCode.Accepted
    dlg.ui.outcome.setCurrentIndex(dlg.ui.outcome.findData("withdrawn"))
    assert not dlg.ui.amount.isEnabled()
    dlg._check()
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_considerations_show_as_questions_and_answers(qtbot, ctx, pupils):
    answers = ["Yes: a parenting course was offered", "Yes", "No", "No", "Yes"]
    tracker_service.record_pn_decision(ctx.engine, HEAD, pupils["red"], answers, "issue",
                                       "Term-time holiday after a refused request", now=NOW)
    case = open_case(qtbot, ctx, pupils["red"])
    text = case.penalty.considerations.toPlainText()
    assert "Is more support possible for this family?" in text
    assert "Yes: a parenting course was offered" in text
    assert "Reasons: Term-time holiday after a refused request" in text
    assert '"answers"' not in text
    row = next(i for i in range(case.history.rowCount())
               if case.history.item(i, 2).text().startswith("Penalty notice decision"))
    assert "{" not in case.history.item(row, 5).text()
    case.history.selectRow(row)
    details = case.history_details.toPlainText()
    assert "Is a penalty notice the best tool to improve attendance here? — Yes" in details
    case.tabs.setCurrentIndex(3)
    shot(case.keep_alive[1], "case_history_considerations")
    case.tabs.setCurrentWidget(case.penalty)
    shot(case.keep_alive[1], "case_penalty_considerations")


def test_the_stage_list_is_the_ladder_for_the_pupils_band(qtbot, ctx, pupils, monkeypatch):
    case = open_case(qtbot, ctx, pupils["amber"])
    offered: list[list[str]] = []

    def look(dlg):  # type: ignore[no-untyped-def]
        offered.append([str(dlg.ui.choice.itemData(i)) for i in range(dlg.ui.choice.count())])
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(step_dialog.StepDialog, "exec", look)
    case.change_stage()
    assert offered == [["letter", "closed"]]  # no monitoring, panel or LA referral
    red = open_case(qtbot, ctx, pupils["red"])
    red.change_stage()
    assert offered[1] == ["letter", "monitoring", "panel", "la_referral", "closed"]
    # at the end of the amber ladder, the review says not improved keeps it there
    tracker_service.set_stage(ctx.engine, HEAD, pupils["amber"], "letter", now=NOW)
    case.refresh()
    texts: list[str] = []

    def read(dlg):  # type: ignore[no-untyped-def]
        texts.extend(lab.text() for lab in dlg.findChildren(QLabel))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(step_dialog.StepDialog, "exec", read)
    case.absence_review()
    assert any("last stage for this band" in t for t in texts)


def test_sending_a_panel_invitation_keeps_the_meeting_due(qtbot, ctx, pupils, monkeypatch,
                                                           tmp_path):
    tracker_service.set_stage(ctx.engine, HEAD, pupils["red"], "panel", now=NOW)
    case = open_case(qtbot, ctx, pupils["red"])
    row = next(i for i, d in enumerate(case.alert.due) if d.tracker == "absence")
    assert case.alert.due[row].letter == "attendance_panel_invite"
    case.steps.selectRow(row)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "invite.pdf"), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Tuesday 25 November", True))
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]))
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    case.send_letter()
    assert asked == []  # never offered to record the meeting as held
    assert "when the meeting has been held" in told[0]
    assert case.alert.absence.next_step.kind == "action"
    assert tracker_service.history(ctx.engine, pupils["red"])[0].label.startswith(
        "Invitation sent")
    row = next(i for i, d in enumerate(case.alert.due) if d.tracker == "absence")
    assert case.steps.item(row, 3).text().endswith("(sent 20 Nov)")
    case.tabs.setCurrentIndex(0)
    shot(case.keep_alive[1], "case_next_steps")


def test_policy_settings_penalty_codes_and_ladder(qtbot):
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.load(PRESETS["lowther"])
    editor.resize(1366 - 170, 720)
    editor.show()
    codes = editor._editors["pn_codes"]
    assert not codes.boxes["G"].isEnabled()
    assert codes.boxes["G"].isChecked()
    assert "Councils differ" in codes.boxes["N"].toolTip()
    codes.boxes["N"].setChecked(False)
    assert editor.policy().pn_codes == ("G", "O", "U")
    assert not editor.policy().pn_counts_n
    ladder = editor._editors["band_ladder_ends"]
    assert sorted(ladder.combos) == ["lower_amber", "red", "upper_amber"]
    assert ladder.combos["red"].currentData() == ""  # the whole ladder
    ladder.combos["lower_amber"].setCurrentIndex(ladder.combos["lower_amber"].findData(
        "monitoring"))
    assert dict(editor.policy().band_ladder_ends)["lower_amber"] == "monitoring"
    editor.tabs.setCurrentIndex([editor.tabs.tabText(i) for i in range(editor.tabs.count())]
                                .index("Penalty notices"))
    shot(editor, "settings_penalty")
    editor.tabs.setCurrentIndex([editor.tabs.tabText(i) for i in range(editor.tabs.count())]
                                .index("Escalation and bands"))
    shot(editor, "settings_escalation")
    editor.load(PRESETS["vale"])
    assert sorted(editor._editors["band_ladder_ends"].combos) == [
        "concern", "monitoring", "speak"]
    assert editor.policy() == PRESETS["vale"]


def test_policy_settings_letter_for_each_band_by_title(qtbot):
    # the bands' letters are chosen by the letters' titles, never typed as keys
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.load(PRESETS["lowther"])
    letters = editor._editors["band_letters"]
    assert list(letters.combos) == [b.key for b in PRESETS["lowther"].bands]
    chosen = dict(PRESETS["lowther"].band_letters)
    for band, combo in letters.combos.items():
        assert combo.currentData() == chosen.get(band, "")
        assert "_" not in combo.currentText()  # a title, not a key
    assert letters.combos["green"].currentText() == "no letter"
    red = letters.combos["red"]
    red.setCurrentIndex(red.findData("concern_lower_amber"))
    assert dict(editor.policy().band_letters)["red"] == "concern_lower_amber"
    letters.combos["upper_amber"].setCurrentIndex(0)  # no letter for that band
    assert "upper_amber" not in dict(editor.policy().band_letters)
    # a letter this build does not know stays chosen and is named as it is
    odd = dataclasses.replace(PRESETS["lowther"], band_letters=(("red", "our_own"),))
    editor.load(odd)
    assert editor._editors["band_letters"].combos["red"].currentData() == "our_own"
    assert editor.policy().band_letters == (("red", "our_own"),)
    # every preset survives the round trip through the editor
    for preset in PRESETS.values():
        editor.load(preset)
        assert editor.policy().band_letters == preset.band_letters


def test_penalty_codes_row_takes_only_the_height_its_rows_need(qtbot):
    # a wrapping row in a form used to take the page's spare height (a blank gap under
    # the codes at 100%); the codes get the rows they wrap to, and no more
    editor = PolicyEditor()
    qtbot.addWidget(editor)
    editor.load(PRESETS["lowther"])
    editor.resize(1180, 560)
    editor.show()
    tabs = editor.tabs
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Penalty notices"))
    qtbot.waitExposed(editor)
    codes = editor._editors["pn_codes"]
    for width in (1180, 700):
        editor.resize(width, 560)
        qtbot.wait(20)
        need = codes.layout().heightForWidth(codes.width())
        assert need <= codes.height() <= need + 2, (width, codes.height(), need)

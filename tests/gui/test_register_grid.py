from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from attendance_desktop.gui.register.grid_model import RegisterGridModel
from attendance_desktop.gui.register.mark_dialog import MarkDetails, MarkDialog
from attendance_desktop.gui.register.register_widget import RegisterWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.register import grid_service, mark_reads
from attendance_desktop.services.register import register_service as rs
from tests.conftest import HEAD, OFFICE, clock_at, put_marks
from tests.gui.conftest import save_screenshot
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def _ctx(ctx: AppContext, actor, hour: int = 9, minute: int = 5) -> AppContext:
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=actor,
                      clock=lambda: dt.datetime(2025, 11, 20, hour, minute))


@pytest.fixture
def warnings(monkeypatch):
    seen: list[str] = []

    def fake(_parent, _title, text, *args, **kwargs):
        seen.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(fake))
    return seen


def _page(qtbot, ctx, **kwargs) -> RegisterWidget:
    page = RegisterWidget(ctx, **kwargs)
    qtbot.addWidget(page)
    page.resize(1196, 740)
    page.show()
    assert wait_idle(30)  # the grid is read on the serial worker
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=2000)
    page.view.setFocus()
    return page


def _cell(page, pupil_id, day=THU, session="AM"):
    snap = page.model.snap
    return snap.codes[snap.row_index(pupil_id)][snap.column_index(day, session)]


def test_model_passes_qtmodeltester(qtmodeltester, engine, school, school_year):
    snap = grid_service.load_snapshot(engine, school_year.start, school_year.end)
    model = RegisterGridModel(snap, THU)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 7
    assert model.columnCount() == len(snap.columns) > 300


def test_keyboard_entry_sets_codes_and_moves_down(qtbot, ctx, school, warnings):
    page = _page(qtbot, _ctx(ctx, school.teacher), class_id=school.oak)
    first = page.model.snap.pupils[0].id
    second = page.model.snap.pupils[1].id
    third = page.model.snap.pupils[2].id
    assert page.view.currentIndex().column() == page.model.snap.column_index(THU, "AM")
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    qtbot.keyClick(page.view, Qt.Key.Key_I)
    qtbot.keyClicks(page.view, "C2")  # two-character code: C then 2
    assert [_cell(page, p) for p in (first, second, third)] == ["/", "I", "C2"]
    assert mark_reads.read_cell(ctx.engine, second, THU, "AM").entered_by == "Tess Teacher"
    assert page.view.currentIndex().row() == 3
    # a code not valid on the date is refused with a message, nothing written
    qtbot.keyClick(page.view, Qt.Key.Key_H)
    assert "withdrawn" in warnings[-1]
    assert _cell(page, page.model.snap.pupils[3].id) == ""
    # undo the last change
    qtbot.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _cell(page, third) == ""
    assert mark_reads.read_cell(ctx.engine, third, THU, "AM").code == ""
    save_screenshot(page, "register_class_week")


def test_late_mark_asks_for_minutes(qtbot, ctx, school, monkeypatch):
    asked = {}

    def fake(_parent, **kwargs):
        asked.update(kwargs)
        return MarkDetails("L", 12, "Traffic", "")

    monkeypatch.setattr(MarkDialog, "get_details", staticmethod(fake))
    page = _page(qtbot, _ctx(ctx, OFFICE, 9, 12), class_id=school.oak)
    qtbot.keyClick(page.view, Qt.Key.Key_L)
    assert asked["minutes_late"] == 12  # 09:12 is 12 minutes after the 09:00 start
    cell = mark_reads.read_cell(ctx.engine, page.model.snap.pupils[0].id, THU, "AM")
    assert (cell.code, cell.minutes_late, cell.comment) == ("L", 12, "Traffic")


def test_mark_all_present_fills_only_unmarked(qtbot, ctx, school):
    page = _page(qtbot, _ctx(ctx, school.teacher), class_id=school.oak)
    qtbot.keyClick(page.view, Qt.Key.Key_N)
    qtbot.keyClick(page.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    codes_now = [_cell(page, p.id) for p in page.model.snap.pupils]
    assert codes_now == ["N", "/", "/", "/"]
    assert "3 pupils marked present" in page.status.text()


def test_amendment_after_close_needs_reason_and_is_kept(qtbot, ctx, school, monkeypatch,
                                                        warnings):
    pupil = school.oak_pupils[0]
    clock_at(ctx.engine, dt.datetime(2025, 11, 20, 9, 5))
    rs.set_mark(ctx.engine, OFFICE, rs.MarkChange(pupil, THU, "AM", "N"))
    asked = {}

    def fake(_parent, **kwargs):
        asked.update(kwargs)
        return MarkDetails("M", None, "", "Mum phoned 10:05: dentist")

    monkeypatch.setattr(MarkDialog, "get_details", staticmethod(fake))
    page = _page(qtbot, _ctx(ctx, OFFICE, 10, 30), class_id=school.oak)
    page.go_to(pupil, THU, "AM")
    assert wait_idle(30)
    qtbot.keyClick(page.view, Qt.Key.Key_M)
    assert asked["need_reason"] is True
    assert _cell(page, pupil) == "M"
    (entry,) = mark_reads.cell_history(ctx.engine, pupil, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.reason, entry.after_close) == (
        "N", "M", "Mum phoned 10:05: dentist", True)
    page.go_to(pupil, THU, "AM")
    assert wait_idle(30)
    page.show_history()
    qtbot.waitUntil(page.history_dialog.isVisible, timeout=2000)
    assert page.history_dialog.ui.table.item(0, 4).text() == "Mum phoned 10:05: dentist"
    save_screenshot(page.history_dialog, "register_history")
    page.history_dialog.close()


def test_teacher_refused_after_close(qtbot, ctx, school, warnings):
    page = _page(qtbot, _ctx(ctx, school.teacher, 10, 0), class_id=school.oak)
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    assert "closed at 09:25" in warnings[-1]
    assert _cell(page, page.model.snap.pupils[0].id) == ""
    assert mark_reads.read_cell(ctx.engine, page.model.snap.pupils[0].id, THU, "AM").code == ""


def test_read_only_user_cannot_type_marks(qtbot, ctx, school, warnings):
    from attendance_desktop.domain.roles import Actor, Role

    page = _page(qtbot, _ctx(ctx, Actor("Rory Reader", Role.READONLY, school.readonly_id)))
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    assert "cannot be marked" in page.status.text()
    assert not page.buttons["present"].isEnabled()


def test_whole_school_term_grid_screenshot(qtbot, ctx, school):
    page = _page(qtbot, _ctx(ctx, HEAD), span="term")
    page.mark_all_present()
    assert page.model.columnCount() > 100
    assert page.model.rowCount() == 7
    save_screenshot(page, "register_school_term")


def test_reason_prompt_for_bulk_after_close(qtbot, ctx, school, monkeypatch):
    page = _page(qtbot, _ctx(ctx, OFFICE, 9, 0), class_id=school.oak)
    page.mark_all_present()
    later = _ctx(ctx, OFFICE, 11, 0)
    page.ctx = later
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("Register taken on paper", True)))
    snap = page.model.snap
    col = snap.column_index(THU, "AM")
    page.view.selectionModel().clearSelection()
    for r in range(2):
        idx = page.model.index(r, col)
        page.view.selectionModel().select(idx, QItemSelectionModel.SelectionFlag.Select)
    page.enter_code("O")
    assert [_cell(page, snap.pupils[r].id) for r in range(3)] == ["O", "O", "/"]
    reasons = {e.reason for r in range(2)
               for e in mark_reads.cell_history(ctx.engine, snap.pupils[r].id, THU, "AM")}
    assert reasons == {"Register taken on paper"}


def test_emergency_closure_from_the_grid(qtbot, ctx, school, monkeypatch):
    from attendance_desktop.gui.register import closure_dialog

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))

    def fake_exec(dialog):
        dialog.ui.session.setCurrentIndex(dialog.ui.session.findData("PM"))
        dialog.ui.reason.setText("Snow: site unsafe from 12:00")
        dialog._apply()
        return dialog.result()

    monkeypatch.setattr(closure_dialog.ClosureDialog, "exec", fake_exec)
    page = _page(qtbot, _ctx(ctx, OFFICE, 11, 0), class_id=school.oak)
    page.emergency_closure()
    assert wait_idle(30)
    col = page.model.snap.column_index(THU, "PM")
    assert not page.model.snap.columns[col].open
    assert {row[col] for row in page.model.snap.codes} == {"Y4"}
    assert "Closure recorded" in page.status.text()
    assert not page.model.flags(page.model.index(0, col)) & Qt.ItemFlag.ItemIsEditable


def test_code_picker_lists_codes_for_the_date(qtbot, ctx, school, monkeypatch):
    from attendance_desktop.gui.register.code_picker_dialog import CodePickerDialog

    picker = CodePickerDialog(None, THU)
    qtbot.addWidget(picker)
    codes_listed = {picker.ui.table.item(r, 0).text() for r in range(picker.ui.table.rowCount())}
    assert {"C1", "Y7", "N", "#"} <= codes_listed
    assert "H" not in codes_listed  # withdrawn in 2024
    qtbot.keyClicks(picker.ui.filter, "religious")
    assert picker.selected_code() == "R"
    picker.ui.filter.clear()
    qtbot.keyClicks(picker.ui.filter, "m")  # the code itself wins over meanings with an m
    assert picker.selected_code() == "M"
    monkeypatch.setattr(CodePickerDialog, "pick", staticmethod(lambda *_a: "M"))
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    qtbot.keyClick(page.view, Qt.Key.Key_F4)
    assert _cell(page, page.model.snap.pupils[0].id) == "M"


def test_codes_needing_a_note_prompt_for_it(qtbot, ctx, school, monkeypatch):
    asked = []

    def fake(_parent, **kwargs):
        asked.append(kwargs["code"])
        return None  # the user cancels: nothing is written

    monkeypatch.setattr(MarkDialog, "get_details", staticmethod(fake))
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    qtbot.keyClicks(page.view, "Y7")
    qtbot.keyClick(page.view, Qt.Key.Key_V)
    assert asked == ["Y7", "V"]
    assert _cell(page, page.model.snap.pupils[0].id) == ""


def test_undo_a_bulk_fill_in_one_step(qtbot, ctx, school):
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    page.mark_all_present()
    assert {_cell(page, p.id) for p in page.model.snap.pupils} == {"/"}
    page.undo()
    assert {_cell(page, p.id) for p in page.model.snap.pupils} == {""}
    assert "Undone: All present" in page.status.text()
    pid = page.model.snap.pupils[0].id
    assert [h.new_code for h in mark_reads.cell_history(ctx.engine, pid, THU, "AM")] == [""]


def test_present_key_over_a_selection_gives_each_session_its_code(qtbot, ctx, school):
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    snap = page.model.snap
    sel = page.view.selectionModel()
    sel.clearSelection()
    for session in ("AM", "PM"):
        sel.select(page.model.index(0, snap.column_index(THU, session)),
                   QItemSelectionModel.SelectionFlag.Select)
    qtbot.keyClick(page.view, Qt.Key.Key_Space)
    pid = snap.pupils[0].id
    assert (_cell(page, pid, THU, "AM"), _cell(page, pid, THU, "PM")) == ("/", "\\")


def test_enter_edits_comment_of_a_mark(qtbot, ctx, school, monkeypatch):
    monkeypatch.setattr(MarkDialog, "get_details", staticmethod(
        lambda _p, **k: MarkDetails(k["code"], None, "Left at 11:00 for dentist", "")))
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    page.view.setCurrentIndex(page.model.index(0, page.view.currentIndex().column()))
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    cell = mark_reads.read_cell(ctx.engine, page.model.snap.pupils[0].id, THU, "AM")
    assert (cell.code, cell.comment) == ("/", "Left at 11:00 for dentist")
    assert "Left at 11:00" in page.model.data(page.model.index(0, page.view.currentIndex()
                                                               .column()),
                                              Qt.ItemDataRole.ToolTipRole)


def test_single_c_is_set_after_a_pause(qtbot, ctx, school):
    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    pid = page.model.snap.pupils[0].id
    qtbot.keyClick(page.view, Qt.Key.Key_C)
    assert page.view.pending == "C"  # waiting for a digit (C1, C2)
    qtbot.waitUntil(lambda: _cell(page, pid) == "C", timeout=3000)
    qtbot.keyClick(page.view, Qt.Key.Key_Y)
    qtbot.keyClick(page.view, Qt.Key.Key_Escape)  # Escape drops the pending Y
    assert page.view.pending == ""
    assert _cell(page, page.model.snap.pupils[1].id) == ""


def test_leave_prefills_are_shown_distinctly_until_a_real_mark_replaces_them(
        qtbot, ctx, school, warnings):
    from attendance_desktop.services.leave import leave_decisions, leave_records, leave_requests

    fri = dt.date(2025, 11, 21)
    pupil = school.oak_pupils[0]
    now = dt.datetime(2025, 11, 3, 10, 0)
    request = leave_requests.submit_request(ctx.engine, OFFICE, leave_records.RequestInput(
        pupil_id=pupil, requested_by="A parent", relationship="Mother",
        received_date=now.date(), first_date=fri, last_date=fri, ground="M",
        reason="Hospital appointment"), now=now)
    leave_decisions.decide(ctx.engine, HEAD, request, "granted", decided_on=now.date(), now=now)

    page = _page(qtbot, _ctx(ctx, OFFICE), class_id=school.oak)
    snap = page.model.snap
    row, col = snap.row_index(pupil), snap.column_index(fri, "AM")
    leave_cell = page.model.index(row, col)
    assert leave_cell.data() == "M"
    font = leave_cell.data(Qt.ItemDataRole.FontRole)
    assert font is not None
    assert font.italic()
    other = page.model.index(row + 1, col)
    assert not other.data(Qt.ItemDataRole.FontRole).italic()
    # The pupil comes in after all: the mark taken replaces the leave prefill.
    page.view.setCurrentIndex(leave_cell)
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    assert _cell(page, pupil, fri) == "/"
    assert not page.model.index(row, col).data(Qt.ItemDataRole.FontRole).italic()
    history = mark_reads.cell_history(ctx.engine, pupil, fri, "AM")
    assert [(h.old_code, h.new_code) for h in history] == [("M", "/")]


def test_undo_after_close_asks_for_the_reason(qtbot, ctx, school, monkeypatch, warnings):
    pupil = school.oak_pupils[0]
    put_marks(ctx.engine, OFFICE, [(pupil, THU, "AM", "N")])
    monkeypatch.setattr(MarkDialog, "get_details", staticmethod(
        lambda _parent, **kw: MarkDetails("M", None, "", "Mum phoned: dentist")))
    answers = [("", False), ("Wrong pupil: it was her brother who went", True)]
    questions: list[str] = []

    def fake_text(_parent, _title, label, *args, **kwargs):
        questions.append(label)
        return answers.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(fake_text))
    page = _page(qtbot, _ctx(ctx, OFFICE, 10, 30), class_id=school.oak)
    page.go_to(pupil, THU, "AM")
    assert wait_idle(30)
    qtbot.keyClick(page.view, Qt.Key.Key_M)
    assert _cell(page, pupil) == "M"
    page.undo()  # cancelled: nothing is written, the step is kept
    assert "register has closed" in questions[0]
    assert _cell(page, pupil) == "M"
    assert "cancelled" in page.status.text()
    assert len(page.model.undo_stack) == 1
    page.undo()
    assert _cell(page, pupil) == "N"
    history = mark_reads.cell_history(ctx.engine, pupil, THU, "AM")
    assert [(h.old_code, h.new_code, h.reason) for h in history] == [
        ("N", "M", "Mum phoned: dentist"),
        ("M", "N", "Wrong pupil: it was her brother who went")]
    assert history[-1].after_close


def test_undo_before_close_does_not_ask(qtbot, ctx, school, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("no reason is needed before the register closes")

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(refuse))
    page = _page(qtbot, _ctx(ctx, OFFICE, 9, 0), class_id=school.oak)
    pupil = page.model.snap.pupils[0].id
    page.go_to(pupil, THU, "AM")
    assert wait_idle(30)
    qtbot.keyClick(page.view, Qt.Key.Key_Slash)
    page.undo()
    assert _cell(page, pupil) == ""

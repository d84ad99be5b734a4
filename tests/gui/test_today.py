from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from attendance_desktop.gui import today_widget
from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.register import mark_reads
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import OFFICE, clock_at
from tests.gui.conftest import save_screenshot
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


@pytest.fixture
def office_ctx(ctx):
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=OFFICE,
                      clock=lambda: dt.datetime(2025, 11, 20, 9, 50))


def loaded(qtbot, page, after: int = 0) -> None:  # type: ignore[no-untyped-def]
    """The board is read off the GUI thread: wait for load number `after + 1`."""
    qtbot.waitUntil(lambda: page.loader.loads > after and not page.loader.busy, timeout=10_000)


def _accept_with(monkeypatch, cls, fill):
    def fake_exec(self):
        fill(self)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(cls, "exec", fake_exec)


def test_n_follow_up_call_then_reason(qtbot, office_ctx, school, monkeypatch):
    pid = school.oak_pupils[0]
    clock_at(office_ctx.engine, office_ctx.now())
    rs.mark_all_present(office_ctx.engine, OFFICE, THU, "AM", school.oak_pupils[1:])
    clock_at(office_ctx.engine, dt.datetime(2025, 11, 20, 9, 10))
    rs.set_mark(office_ctx.engine, OFFICE, MarkChange(pid, THU, "AM", "N"))
    clock_at(office_ctx.engine, office_ctx.now())
    rs.set_mark(office_ctx.engine, OFFICE, MarkChange(pid, dt.date(2025, 11, 10), "AM", "N"))
    page = TodayWidget(office_ctx)
    qtbot.addWidget(page)
    page.resize(1196, 740)
    page.show()
    loaded(qtbot, page)
    assert page.registers.item(0, 0).text() == "Ash"
    assert page.selected_absentee().pupil_id == pid  # N first
    assert page.contacts.rowCount() == 2
    _accept_with(monkeypatch, today_widget.LogCallDialog,
                 lambda d: (d.outcome.setCurrentText("message left"),
                            d.notes.setText("voicemail")))
    n = page.loader.loads
    page.log_call()
    loaded(qtbot, page, n)
    assert page.calls.rowCount() == 1
    assert "message left" in page.calls.item(0, 3).text()
    assert page.calls.item(0, 1).text() == "Test Office"
    save_screenshot(page, "today_board")
    _accept_with(monkeypatch, today_widget.ResolveDialog,
                 lambda d: (d.code.setCurrentIndex(d.code.findData("M")),
                            d.reason.setText("Dad rang 09:48: dentist")))
    n = page.loader.loads
    page.resolve()
    loaded(qtbot, page, n)
    assert mark_reads.read_cell(office_ctx.engine, pid, THU, "AM").code == "M"
    (entry,) = mark_reads.cell_history(office_ctx.engine, pid, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.reason) == ("N", "M",
                                                              "Dad rang 09:48: dentist")
    assert all(a.pupil_id != pid for a in page.board.absentees)
    # the old N: one audited step to O
    assert page.overdue.rowCount() == 1
    page.overdue.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    n = page.loader.loads
    page.convert_to_o()
    loaded(qtbot, page, n)
    assert mark_reads.read_cell(office_ctx.engine, pid, dt.date(2025, 11, 10), "AM").code == "O"
    assert page.overdue.rowCount() == 0


def test_teacher_cannot_change_n_to_o(qtbot, ctx, school, monkeypatch):
    clock_at(ctx.engine, ctx.now())
    rs.set_mark(ctx.engine, OFFICE, MarkChange(school.oak_pupils[0], dt.date(2025, 11, 10),
                                               "AM", "N"))
    here = AppContext(paths=ctx.paths, engine=ctx.engine, actor=school.teacher,
                      clock=ctx.clock)
    page = TodayWidget(here)
    qtbot.addWidget(page)
    loaded(qtbot, page)
    assert page.overdue.rowCount() == 1
    assert not page.to_o_btn.isEnabled()


def test_open_register_from_today(qtbot, office_ctx, school):
    window = MainWindow(office_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    page = window.current_page()
    loaded(qtbot, page)
    page.registers.selectRow(0)
    page.open_register()
    register = window.current_page()
    assert register.objectName() == "registerPage"
    assert register.class_box.currentText() == page.registers.item(0, 0).text()
    save_screenshot(window, "main_window_register")

"""The Register grid and the Letters candidate list are read on the serial worker: while
a (held back) read is under way the page says "Loading…", the controls that need the data
are disabled and the rest still works; the data comes in when the read ends; a page closed
meanwhile drops the result. The reads are the real services, only made to wait."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from shiboken6 import isValid

from attendance_desktop.gui.letters.letters_widget import LettersWidget
from attendance_desktop.gui.register.register_widget import LOADING_TEXT, RegisterWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.letters import letter_plans
from attendance_desktop.services.register import grid_service, mark_reads
from tests.conftest import OFFICE
from tests.gui.gates import Gate
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)


@pytest.fixture
def school(engine, school_year):  # type: ignore[no-untyped-def]
    return make_school(engine)


def _office(ctx: AppContext) -> AppContext:
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=OFFICE,
                      clock=lambda: dt.datetime(2025, 11, 20, 9, 5))


def test_register_shows_loading_then_the_grid(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, grid_service, "load_snapshot")
    page = RegisterWidget(_office(ctx), class_id=school.oak)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()  # read on the worker
    assert page.loading
    assert page.model is None
    assert page.span_label.text() == LOADING_TEXT
    assert not page.view.isEnabled()
    for key in ("present", "fill", "copy", "undo", "history"):
        assert not page.buttons[key].isEnabled(), key
    page.enter_code("/")  # a shortcut while loading does nothing
    # the page takes input meanwhile: a new span is asked for and the latest one wins
    assert page.span_box.isEnabled()
    page.span_box.setCurrentIndex(page.span_box.findData("day"))
    assert page.span_label.text() == LOADING_TEXT
    gate.opened.set()
    assert wait_idle(10)
    assert len(gate.threads) == 2  # the week's read, then the day's
    assert not page.loading
    assert page.model is not None
    assert page.model.rowCount() == len(school.oak_pupils)
    assert [c.day for c in page.model.snap.columns] == [THU, THU]
    assert page.view.isEnabled()
    assert page.buttons["present"].isEnabled()
    assert page.buttons["history"].isEnabled()
    assert "pupils" in page.span_label.text()
    assert page.view.currentIndex().isValid()
    # entering a mark stays synchronous: written and shown before this line returns
    page.enter_code("/")
    pid = page.model.snap.pupils[page.view.currentIndex().row() - 1].id
    assert mark_reads.read_cell(ctx.engine, pid, THU, "AM").code == "/"


def test_register_closed_mid_load_drops_the_result(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, grid_service, "load_snapshot")
    page = RegisterWidget(_office(ctx), class_id=school.oak)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    loaded: list[int] = []
    page.loaded.connect(lambda: loaded.append(1))
    loader = page.loader
    page.close()
    page.deleteLater()
    qtbot.waitUntil(lambda: not isValid(page), timeout=5000)
    gate.opened.set()
    assert wait_idle(10)
    assert not loader.signals.running
    assert loaded == []


def test_register_go_to_while_loading_selects_the_cell_once_loaded(qtbot, ctx, school,
                                                                   monkeypatch):
    gate = Gate(monkeypatch, grid_service, "load_snapshot")
    page = RegisterWidget(_office(ctx), class_id=school.oak)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    pid = school.ash_pupils[0]  # another class: the page opens it
    assert page.go_to(pid, THU, "PM")
    gate.opened.set()
    assert wait_idle(10)
    assert page.class_box.currentData() == school.ash
    idx = page.view.currentIndex()
    assert page.model.snap.pupils[idx.row()].id == pid
    col = page.model.snap.columns[idx.column()]
    assert (col.day, col.session) == (THU, "PM")
    assert "not in the register" not in page.status.text()


def test_letters_list_shows_loading_then_the_pupils(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, letter_plans, "pupil_choices")
    page = LettersWidget(_office(ctx))
    qtbot.addWidget(page)
    page.resize(1190, 700)
    page.show()
    send = page.send
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    assert send.loading
    assert send.count_label.text() == "Loading…"
    assert not send.pupil_list.isEnabled()
    assert not send.make_button.isEnabled()
    assert not send.tick_all.isEnabled()
    assert send.template_combo.isEnabled()  # the rest of the page still works
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    send.tick_pupils([school.oak_pupils[1]])  # kept until the list has come
    gate.opened.set()
    assert wait_idle(10)
    assert not send.loading
    assert send.pupil_list.isEnabled()
    everyone = set(school.oak_pupils) | set(school.ash_pupils)
    shown = {send.pupil_list.item(i).data(0x0100) for i in range(send.pupil_list.count())}
    assert shown == everyone
    assert send.ticked_ids() == [school.oak_pupils[1]]
    assert send.make_button.isEnabled()
    assert send.count_label.text() == "1 pupil ticked"


def test_letters_closed_mid_load_drops_the_result(qtbot, ctx, school, monkeypatch):
    gate = Gate(monkeypatch, letter_plans, "pupil_choices")
    page = LettersWidget(_office(ctx))
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    loader = page.send.pupil_loader
    page.close()
    page.deleteLater()
    qtbot.waitUntil(lambda: not isValid(page), timeout=5000)
    gate.opened.set()
    assert wait_idle(10)
    assert not loader.signals.running


def test_kiosk_office_lists_load_on_the_worker(qtbot, ctx, school, monkeypatch):
    from attendance_desktop.gui.kiosk.office_widget import KioskOfficeWidget
    from attendance_desktop.services.kiosk import kiosk_service

    gate = Gate(monkeypatch, kiosk_service, "on_site")
    page = KioskOfficeWidget(_office(ctx))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    assert page.summary.text() == "Loading who is on site…"
    assert page.open_button.isEnabled()  # the page works meanwhile
    gate.opened.set()
    assert wait_idle(10)
    assert "on site now: <b>0</b>" in page.summary.text()  # 09:05: nobody marked yet
    assert page.tabs.tabText(0) == "On site now (0)"


def test_kiosk_office_closed_mid_load_drops_the_result(qtbot, ctx, school, monkeypatch):
    from attendance_desktop.gui.kiosk.office_widget import KioskOfficeWidget
    from attendance_desktop.services.kiosk import kiosk_service

    gate = Gate(monkeypatch, kiosk_service, "on_site")
    page = KioskOfficeWidget(_office(ctx))
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    loader = page.loader
    page.close()
    page.deleteLater()
    qtbot.waitUntil(lambda: not isValid(page), timeout=5000)
    gate.opened.set()
    assert wait_idle(10)
    assert not loader.signals.running

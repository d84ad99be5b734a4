"""The Trackers board, the Today board and Data checks are worked out off the GUI thread:
while a (held back) read is under way the window takes keys and clicks, and the rows come
in when it ends. The read itself is the real service, only made to wait for a signal."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from PySide6.QtCore import Qt

from attendance_desktop.gui.register.checks_dialog import ChecksDialog
from attendance_desktop.gui.today_widget import TodayWidget
from attendance_desktop.gui.trackers.board_widget import TrackersWidget
from attendance_desktop.services.register import checks_service
from attendance_desktop.services.today import dashboard_service
from attendance_desktop.services.trackers import alerts_service
from tests.conftest import HEAD
from tests.gui.conftest import save_screenshot
from tests.gui.gates import Gate
from tests.services.tracker_data import ON, D, add_pupil, fill


@pytest.fixture
def pupils(ctx, school_year):  # type: ignore[no-untyped-def]
    ids = []
    for i, code in enumerate(("/", "O", "N")):
        pid = add_pupil(ctx.engine, f"Kid{i}", "Board", f"A90000000000{i}")
        fill(ctx.engine, pid, D(2025, 9, 3), ON)
        if code != "/":
            fill(ctx.engine, pid, D(2025, 10, 13), ON, code)
        ids.append(pid)
    ctx.actor = HEAD
    return ids


def test_trackers_board_loads_off_the_gui_thread_and_stays_usable(qtbot, ctx, pupils,
                                                                   monkeypatch):
    gate = Gate(monkeypatch, alerts_service, "snapshot")
    board = TrackersWidget(ctx)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    assert "Working out" in board.heading.text()
    # the window is usable meanwhile: typing, the filter, another refresh
    board.search.setFocus()
    qtbot.keyClicks(board.search, "kid")
    assert board.search.text() == "kid"
    board.filter.setCurrentIndex(board.filter.findData("all"))
    board.refresh()  # asked for while one runs: done once the first ends
    gate.opened.set()
    qtbot.waitUntil(lambda: board.loader.loads >= 2 and not board.loader.busy, timeout=10_000)
    assert len(gate.threads) == 2
    assert sorted(p.name for p in board.model.rows) == ["Kid0 Board", "Kid1 Board",
                                                         "Kid2 Board"]
    row = next(i for i, p in enumerate(board.model.rows) if p.name == "Kid1 Board")
    band = board.model.index(row, 4).data()
    assert "now 0.0%" in band  # the running half term beside the band
    assert "⚠" in band  # persistent / missing education whatever the band says
    n_row = next(i for i, p in enumerate(board.model.rows) if p.name == "Kid2 Board")
    assert "N overdue" in board.model.index(n_row, 6).data()
    board.search.clear()
    save_screenshot(board, "trackers_board_bands_1366x768")


def test_today_board_loads_off_the_gui_thread_and_shows_n_deadlines(qtbot, ctx, pupils,
                                                                    monkeypatch):
    # an N from Tuesday: still in time on Thursday, with its replace-by date
    fill(ctx.engine, pupils[0], D(2025, 11, 18), D(2025, 11, 18), "N", ("AM",))
    gate = Gate(monkeypatch, dashboard_service, "load_board")
    page = TodayWidget(ctx)
    qtbot.addWidget(page)
    page.resize(1366 - 170, 768 - 60)
    page.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    assert "reading the registers" in page.heading.text()
    page.timer.timeout.emit()  # the two-minute refresh while a read is under way
    gate.opened.set()
    qtbot.waitUntil(lambda: page.loader.loads >= 2 and not page.loader.busy, timeout=10_000)
    rows = {(page.overdue.item(r, 0).text(), page.overdue.item(r, 3).text(),
             page.overdue.item(r, 4).text().split(" (")[0])
            for r in range(page.overdue.rowCount())}
    assert ("Board, Kid0", "Tue 25 Nov", "In time") in rows
    assert any(name == "Board, Kid2" and status == "Overdue" for name, _by, status in rows)
    assert "overdue" in page.overdue_box.title()
    save_screenshot(page, "today_n_deadlines_1366x768")


def test_data_checks_run_off_the_gui_thread(qtbot, ctx, pupils, monkeypatch):
    gate = Gate(monkeypatch, checks_service, "run_checks")
    dialog = ChecksDialog(None, ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    assert gate.threads[0] is not threading.main_thread()
    assert dialog.ui.summary.text() == "Running the checks…"
    dialog.ui.kind.setCurrentIndex(1)  # usable meanwhile
    qtbot.keyClick(dialog.ui.kind, Qt.Key.Key_Down)
    gate.opened.set()
    qtbot.waitUntil(lambda: dialog.loader.loads >= 1 and not dialog.loader.busy,
                    timeout=10_000)
    assert "Missing mark" in dialog.ui.summary.text()


def test_a_board_closed_while_loading_does_not_break(qtbot, ctx, pupils, monkeypatch):
    gate = Gate(monkeypatch, alerts_service, "snapshot")
    board = TrackersWidget(ctx)
    qtbot.waitUntil(lambda: bool(gate.threads), timeout=5000)
    loader = board.loader
    board.deleteLater()
    qtbot.wait(50)
    gate.opened.set()
    qtbot.waitUntil(lambda: not loader.signals.running, timeout=10_000)
    assert dt.date(2025, 11, 20) == ctx.today()

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from attendance_desktop.gui.main_window import AREAS, MainWindow
from tests.gui.conftest import save_screenshot


def test_main_window_lists_every_area_and_opens_today(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert names == ["Today", "Register", "Kiosk", "Leave", "Trackers", "Letters", "Pupils",
                     "Reports", "Settings"]
    assert len(AREAS) == 9
    heading = window.current_page().findChild(QLabel, "todayHeading")
    assert "Thursday 20 November 2025" in heading.text()
    save_screenshot(window, "main_window_today")


def test_keyboard_shortcut_moves_between_areas(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.nav, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert window.nav.currentRow() == 8
